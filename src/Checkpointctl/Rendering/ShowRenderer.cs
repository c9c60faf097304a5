using Checkpointctl.Core.Analysis;
using Checkpointctl.Core.Pod;

namespace Checkpointctl.Cli.Rendering;

/// <summary>Upstream's <c>show</c> layout: a heading for a single checkpoint, then one table.</summary>
internal static class ShowRenderer
{
    public static void Write(TextWriter output, IReadOnlyList<CheckpointOverview> overviews)
    {
        if (overviews.Count == 1)
        {
            output.Write(overviews[0].IsPreCheckpoint
                ? $"\nDisplaying container pre-checkpoint data from {overviews[0].Path}\n\n"
                : $"\nDisplaying container checkpoint data from {overviews[0].Path}\n\n");
        }
        ContainerTable(overviews.Select(o => (Pod: (string?)null, Overview: o)).ToList()).WriteTo(output);
        // Not upstream's: what a pre-checkpoint export is (its CHKPT SIZE is that of pre-checkpoint/).
        if (overviews.Any(o => o.IsPreCheckpoint))
            output.Write('\n');
        foreach (var o in overviews.Where(o => o.IsPreCheckpoint))
            output.Write($"{o.Path}: {PreCheckpointNote}\n");
    }

    /// <summary>
    /// Inputs that may be pod checkpoints: without a pod, upstream's output; else a table of the pods (name,
    /// namespace, UID, engine, number of containers), then the containers' table, which names each container's pod
    /// when several inputs are shown.
    /// </summary>
    public static void Write(TextWriter output, IReadOnlyList<CheckpointResults<CheckpointOverview>> inputs)
    {
        if (inputs.All(i => i.Pod == null))
        {
            Write(output, inputs.Select(i => i.Items[0].Value).ToList());
            return;
        }
        var several = inputs.Count > 1;
        if (!several)
            output.Write($"\nDisplaying pod checkpoint data from {inputs[0].Path}\n\n");
        string[] podHeaders = ["POD", "NAMESPACE", "UID", "ENGINE", "CONTAINERS"];
        var pods = new TabTable([.. podHeaders, .. several ? ["CHECKPOINT"] : Array.Empty<string>()]);
        foreach (var input in inputs.Where(i => i.Pod != null))
        {
            var pod = input.Pod!;
            string[] row = [pod.Name, pod.Namespace, pod.Uid, PodEngine.Name(pod, input.Items.Select(i => i.Value.Container)), Count(input.Items.Count)];
            pods.AddRow([.. row, .. several ? [input.Path] : Array.Empty<string>()]);
        }
        pods.WriteTo(output);
        output.Write('\n');
        var rows = inputs.SelectMany(i => i.Items.Select(item => (Pod: several ? i.Pod?.Name ?? "" : null, Overview: item.Value))).ToList();
        ContainerTable(rows).WriteTo(output);
    }

    // Upstream's columns (with a leading POD column when asked for), one row per container.
    private static TabTable ContainerTable(IReadOnlyList<(string? Pod, CheckpointOverview Overview)> rows)
    {
        // One checkpoint: the diff column only when there is a diff; several: both size columns always.
        var withDiff = rows.Count != 1 || rows[0].Overview.Sizes.RootFsDiffSize != 0;
        // Not upstream's: a last GPU column, only when a checkpoint has GPU state.
        var withGpu = rows.Any(r => r.Overview.Gpu.IsPresent);
        // Not upstream's either: the checkpoint image's name and digest, only when a checkpoint was read from an image.
        var withImage = rows.Any(r => r.Overview.Image != null);
        var withPod = rows.Any(r => r.Pod != null);
        string[] headers = ["CONTAINER", "IMAGE", "ID", "RUNTIME", "CREATED", "ENGINE", "CHKPT SIZE"];
        var table = new TabTable([.. withPod ? ["POD"] : Array.Empty<string>(), .. headers, .. withDiff ? ["ROOT FS DIFF SIZE"] : Array.Empty<string>(),
                                  .. withGpu ? ["GPU"] : Array.Empty<string>(), .. withImage ? ImageRenderer.ShowHeaders : Array.Empty<string>()]);
        foreach (var (pod, o) in rows)
        {
            var c = o.Container;
            var id = c.Config.Id.Length > 12 ? c.Config.Id[..12] : c.Config.Id;
            string[] row = [c.Name, c.Config.RootfsImageName, id, c.Config.Runtime, c.Created, c.EngineName, Units.Bytes(o.Sizes.CheckpointSize)];
            table.AddRow([.. withPod ? [pod ?? ""] : Array.Empty<string>(), .. row, .. withDiff ? [Units.Bytes(o.Sizes.RootFsDiffSize)] : Array.Empty<string>(),
                          .. withGpu ? [GpuRenderer.Cell(o.Gpu)] : Array.Empty<string>(), .. withImage ? ImageRenderer.ShowCells(o.Image) : Array.Empty<string>()]);
        }
        return table;
    }

    /// <summary>What a pre-checkpoint export holds, said by show and inspect.</summary>
    public const string PreCheckpointNote =
        "a pre-checkpoint export (podman container checkpoint --pre-checkpoint): the processes' memory at pre-dump time, no process tree, "
        + "files or sockets; memparse reads it, and it is the parent of the checkpoint made --with-previous";

    private static string Count(int n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
