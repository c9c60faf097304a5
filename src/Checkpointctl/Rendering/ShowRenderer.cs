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
        string[] headers = ["CONTAINER", "IMAGE", "ID", "RUNTIME", "CREATED", "ENGINE", "CHKPT SIZE"];
        var table = new TabTable(withDiff ? [.. headers, "ROOT FS DIFF SIZE"] : headers);
        foreach (var o in overviews)
        {
            var c = o.Container;
            var id = c.Config.Id.Length > 12 ? c.Config.Id[..12] : c.Config.Id;
            string[] row = [c.Name, c.Config.RootfsImageName, id, c.Config.Runtime, c.Created, c.EngineName, Units.Bytes(o.Sizes.CheckpointSize)];
            table.AddRow(withDiff ? [.. row, Units.Bytes(o.Sizes.RootFsDiffSize)] : row);
        }
        if (single)
            output.Write($"\nDisplaying container checkpoint data from {overviews[0].Path}\n\n");
        table.WriteTo(output);
    }
}
