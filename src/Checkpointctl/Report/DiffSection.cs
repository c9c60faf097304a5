using Checkpointctl.Cli.Rendering;
using Checkpointctl.Core.Analysis;

namespace Checkpointctl.Cli.Report;

/// <summary>What changed from checkpoint A to checkpoint B (the <c>diff</c> analysis), changes highlighted.</summary>
internal static class DiffSection
{
    public static void Write(Html html, CheckpointDiff diff, IReadOnlyList<ReportCheckpoint> sides)
    {
        html.Open("section", ("id", "diff")).Element("h2", "Differences from A to B");
        OverviewSection.Facts(html, [("A", sides[0].Inspection.Path), ("B", sides[1].Inspection.Path), ("Container", diff.ContainerName), ("Image", diff.Image)]);
        Summary(html, diff);
        Processes(html, diff.Processes);
        Memory(html, diff.Memory);
        if (diff.Files is { } files)
            Files(html, files);
        if (diff.Sockets is { } sockets)
            Sockets(html, sockets);
        html.Close("section").Raw("\n");
    }

    /// <summary>The diff marks of each side's processes: A's removed ones, B's added and modified ones.</summary>
    public static (Dictionary<uint, string> A, Dictionary<uint, string> B) Marks(CheckpointDiff diff)
    {
        var b = diff.Processes.Added.ToDictionary(p => p.Pid, _ => "added");
        foreach (var p in diff.Processes.Modified)
            b[p.Pid] = "modified";
        return (diff.Processes.Removed.ToDictionary(p => p.Pid, _ => "removed"), b);
    }

    private static void Summary(Html html, CheckpointDiff diff)
    {
        var p = diff.Processes;
        html.Open("div", ("class", "cards diffsum"));
        Card(html, $"+{p.Added.Count} −{p.Removed.Count} ~{p.Modified.Count}", "processes", null);
        if (diff.Files is { } f)
            Card(html, $"+{f.Added.Count} −{f.Removed.Count}", "open files", null);
        if (diff.Sockets is { } s)
            Card(html, $"+{s.Added.Count} −{s.Removed.Count} ~{s.Modified.Count}", "sockets", null);
        var change = diff.Memory.SizeChangeBytes;
        Card(html, (change >= 0 ? "+" : "−") + Units.Bytes(Math.Abs(change)), "memory pages", change > 0 ? "up" : change < 0 ? "down" : null);
        Card(html, Units.Bytes(diff.A.TotalSize) + " → " + Units.Bytes(diff.B.TotalSize), "CRIU images", null);
        html.Close("div").Raw("\n");
    }

    private static void Card(Html html, string value, string label, string? cls) =>
        html.Open("div", ("class", "card")).Element("b", value, cls).Element("span", label).Close("div");

    private static void Processes(Html html, ProcessChanges changes)
    {
        html.Element("h3", "Processes");
        var rows = changes.Added.Select(p => (p.Pid, Row: ProcessRow(p, "added")))
            .Concat(changes.Removed.Select(p => (p.Pid, Row: ProcessRow(p, "removed"))))
            .Concat(changes.Modified.Select(p => (p.Pid, Row: ProcessRow(p, "modified"))))
            .OrderBy(r => r.Pid).Select(r => r.Row).ToList();
        Table.Write(html, ["PID", "Process", "Change", "Details"], rows, "No differences.");
    }

    private static Row ProcessRow(ProcessDiffEntry p, string kind)
    {
        var details = p.Changes.Select(c => $"{c.Field}: {c.Old} → {c.New}").ToList();
        if (p.Environment is { } env)
        {
            // Names only: environment values stay out of the summary, as they are hidden in the tree.
            details.Add("environment: " + string.Join(", ", env.Added.Select(e => "+" + e.Key).Concat(env.Removed.Select(e => "−" + e.Key))
                .Concat(env.Changed.Select(e => "~" + e.Name))));
        }
        if (kind != "modified" && p.Cmdline is { } cmdline)
            details.Add(cmdline.TrimEnd());
        return new Row([Cell.Number(p.Pid), p.Command, kind, Cell.Wrapped(string.Join("; ", details))], Class: kind);
    }

    private static void Memory(Html html, MemoryChanges memory)
    {
        html.Element("h3", "Memory");
        var rows = memory.Processes.Select(m => new Row(
        [
            Cell.Number(m.Pid), m.Command, Cell.Number(m.OldBytes, Units.Bytes(m.OldBytes)), Cell.Number(m.NewBytes, Units.Bytes(m.NewBytes)),
            Cell.Number(m.ChangeBytes, (m.ChangeBytes >= 0 ? "+" : "−") + Units.Bytes(Math.Abs(m.ChangeBytes))),
        ], Class: m.OldBytes == 0 ? "added" : m.NewBytes == 0 ? "removed" : "modified")).ToList();
        Table.Write(html, ["PID", "Process", "Dumped in A", "Dumped in B", "Change"], rows, "No differences.");
    }

    private static void Files(Html html, FileChanges files)
    {
        html.Element("h3", "Open files");
        var rows = files.Added.Select(f => FileRow(f, "added")).Concat(files.Removed.Select(f => FileRow(f, "removed"))).ToList();
        Table.Write(html, ["PID", "FD", "Type", "Path", "Change"], rows, "No differences.");
    }

    private static Row FileRow(FileDiffEntry f, string kind) =>
        new([Cell.Number(f.Pid), f.Fd is { } fd ? Cell.Number(fd) : new Cell(f.FdLabel, "-1"), f.Type, f.DisplayPath, kind], Class: kind);

    private static void Sockets(Html html, SocketChanges sockets)
    {
        html.Element("h3", "Sockets");
        var rows = sockets.Added.Select(s => SocketRow(s, "added")).Concat(sockets.Removed.Select(s => SocketRow(s, "removed")))
            .Concat(sockets.Modified.Select(s => SocketRow(s, "modified"))).ToList();
        Table.Write(html, ["PID", "FD", "Protocol", "Local", "Remote", "State", "Change"], rows, "No differences.");
    }

    private static Row SocketRow(SocketDiffEntry e, string kind) => new(
    [
        Cell.Number(e.Pid), Cell.Number(e.Socket.Fd), e.Socket.Protocol, SocketsSection.Local(e.Socket), SocketsSection.Remote(e.Socket),
        e.OldState != null ? $"{e.OldState} → {e.Socket.State}" : e.Socket.State, kind,
    ], Class: kind);
}
