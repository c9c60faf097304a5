namespace Checkpointctl.Cli.Report;

/// <summary>Every process's open files (with cwd and root) in one sortable table.</summary>
internal static class FilesSection
{
    public static void Write(Html html, ReportCheckpoint c)
    {
        HtmlReport.Heading(html, c, "files", "Open files");
        var files = c.Inspection.Files ?? [];
        var commands = c.Commands();
        var rows = files.SelectMany(p => p.Files.Select(f => new Row(
        [
            Cell.Number(p.Pid), commands.GetValueOrDefault(p.Pid, ""), f.Fd is { } fd ? Cell.Number(fd) : new Cell(f.FdLabel, "-1"),
            f.Type, f.DisplayPath, f.Deleted ? "yes" : "",
        ], Class: f.Deleted ? "modified" : null))).ToList();
        Table.Write(html, ["PID", "Process", "FD", "Type", "Path", "Deleted"], rows);
    }
}
