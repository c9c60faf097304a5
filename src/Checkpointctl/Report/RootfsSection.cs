using Checkpointctl.Cli.Rendering;

namespace Checkpointctl.Cli.Report;

/// <summary>The container's file system changes: the entries of rootfs-diff.tar and the deleted paths.</summary>
internal static class RootfsSection
{
    public static void Write(Html html, ReportCheckpoint c)
    {
        HtmlReport.Heading(html, c, "rootfs", "Root file system changes");
        var changes = c.Inspection.RootfsChanges;
        if (changes?.Diff is { } diff)
        {
            html.Element("h3", $"Changed files ({diff.Member}): {diff.EntryCount} entries, {Units.Bytes(diff.FileBytes)} in files");
            var rows = diff.Entries.Select(e => new Row(
            [
                e.Path, e.Type, Cell.Number(e.Size, Units.Bytes(e.Size)), ForensicTreeRenderer.TarLine(e)[..10],
                new Cell(e.Modified.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)), e.Link ?? "",
            ])).ToList();
            Table.Write(html, ["Path", "Type", "Size", "Mode", "Modified (UTC)", "Link target"], rows);
            if (diff.EntryCount > diff.Entries.Count)
                html.Element("p", $"{diff.EntryCount - diff.Entries.Count} more entries not listed.", "note");
        }
        else
        {
            html.Element("p", "No changed files recorded (no rootfs-diff.tar).", "muted");
        }
        html.Element("h3", $"Deleted files (deleted.files): {changes?.Deleted?.Count ?? 0}");
        Table.Write(html, ["Path"], (changes?.Deleted ?? []).Select(p => new Row([p])).ToList());
    }
}
