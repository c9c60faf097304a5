namespace Checkpointctl.Cli.Report;

/// <summary>Every process's open files (with cwd and root) in one sortable table.</summary>
internal static class FilesSection
{
    public static void Write(Html html, ReportCheckpoint c)
    {
        HtmlReport.Heading(html, c, "files", "Open files");
        var files = c.Inspection.Files ?? [];
        var commands = Commands(c);
        var rows = files.SelectMany(p => p.Files.Select(f => new Row(
        [
            Cell.Number(p.Pid), commands.GetValueOrDefault(p.Pid, ""), f.Fd is { } fd ? Cell.Number(fd) : new Cell(f.FdLabel, "-1"),
            f.Type, f.DisplayPath, f.Deleted ? "yes" : "",
        ], Class: f.Deleted ? "modified" : null))).ToList();
        Table.Write(html, ["PID", "Process", "FD", "Type", "Path", "Deleted"], rows);
    }

    /// <summary>Process names by PID, from the process tree.</summary>
    public static Dictionary<uint, string> Commands(ReportCheckpoint c)
    {
        var names = new Dictionary<uint, string>();
        var stack = new Stack<Core.Analysis.ProcessView>();
        if (c.Inspection.ProcessTree is { } root)
            stack.Push(root);
        while (stack.Count > 0)
        {
            var p = stack.Pop();
            names[p.Pid] = p.Command;
            foreach (var child in p.Children)
                stack.Push(child);
        }
        return names;
    }
}
