using Checkpointctl.Core.Analysis;

namespace Checkpointctl.Cli.Rendering;

/// <summary>Upstream's <c>show</c> layout: a heading for a single checkpoint, then one table.</summary>
internal static class ShowRenderer
{
    public static void Write(TextWriter output, IReadOnlyList<CheckpointOverview> overviews)
    {
        // One checkpoint: the diff column only when there is a diff; several: both size columns always.
        var single = overviews.Count == 1;
        var withDiff = !single || overviews[0].Sizes.RootFsDiffSize != 0;
        // Not upstream's: a last GPU column, only when a checkpoint has GPU state.
        var withGpu = overviews.Any(o => o.Gpu.IsPresent);
        // Not upstream's either: the checkpoint image's name and digest, only when a checkpoint was read from an image.
        var withImage = overviews.Any(o => o.Image != null);
        string[] headers = ["CONTAINER", "IMAGE", "ID", "RUNTIME", "CREATED", "ENGINE", "CHKPT SIZE"];
        var table = new TabTable([.. headers, .. withDiff ? ["ROOT FS DIFF SIZE"] : Array.Empty<string>(), .. withGpu ? ["GPU"] : Array.Empty<string>(),
            .. withImage ? ImageRenderer.ShowHeaders : Array.Empty<string>()]);
        foreach (var o in overviews)
        {
            var c = o.Container;
            var id = c.Config.Id.Length > 12 ? c.Config.Id[..12] : c.Config.Id;
            string[] row = [c.Name, c.Config.RootfsImageName, id, c.Config.Runtime, c.Created, c.EngineName, Units.Bytes(o.Sizes.CheckpointSize)];
            table.AddRow([.. row, .. withDiff ? [Units.Bytes(o.Sizes.RootFsDiffSize)] : Array.Empty<string>(), .. withGpu ? [GpuRenderer.Cell(o.Gpu)] : Array.Empty<string>(),
                .. withImage ? ImageRenderer.ShowCells(o.Image) : Array.Empty<string>()]);
        }
        if (single)
            output.Write($"\nDisplaying container checkpoint data from {overviews[0].Path}\n\n");
        table.WriteTo(output);
    }
}
