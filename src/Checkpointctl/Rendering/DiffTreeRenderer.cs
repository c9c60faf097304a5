using System.Globalization;
using System.Text;
using Checkpointctl.Core.Analysis;
using Checkpointctl.Core.Model;

namespace Checkpointctl.Cli.Rendering;

/// <summary>
/// <c>diff --format tree</c>: upstream's layout (header box, Memory/Process/File/Socket boxes, summary), plus per-process
/// memory rows, a detail line under modified processes, fd labels on file rows and <c>~</c> rows for socket state changes.
/// Widths and truncation count characters (runes), never bytes.
/// </summary>
internal static class DiffTreeRenderer
{
    private const int HeaderInner = 64, BoxWidth = 64, SocketBoxWidth = 73;
    private const string Detail = "│             ";

    public static void Write(TextWriter output, CheckpointDiff diff, bool showUnchanged)
    {
        var text = new StringBuilder();
        WriteHeader(text, diff);
        WriteMemory(text, diff.Memory);
        WriteProcesses(text, diff, showUnchanged);
        if (diff.Files is { } files)
            WriteFiles(text, files, showUnchanged);
        if (diff.Sockets is { } sockets)
            WriteSockets(text, sockets, showUnchanged);
        text.Append("Summary:\n").Append(diff.Summary).Append('\n');
        output.Write(text.ToString());
    }

    /// <summary>Two pods: which containers were paired by name and which are in one pod only, then each pair's diff.</summary>
    public static void Write(TextWriter output, PodDiff diff, bool showUnchanged)
    {
        var pod = diff.PodName.Length > 0 ? $"pod {diff.PodName}" : "pod";
        output.Write($"Pod checkpoint diff ({pod}): {diff.Containers.Count} container{(diff.Containers.Count == 1 ? "" : "s")} in both\n");
        if (diff.OnlyInA.Count > 0)
            output.Write($"Only in checkpoint A: {string.Join(", ", diff.OnlyInA)}\n");
        if (diff.OnlyInB.Count > 0)
            output.Write($"Only in checkpoint B: {string.Join(", ", diff.OnlyInB)}\n");
        foreach (var container in diff.Containers)
        {
            output.Write('\n');
            Write(output, container, showUnchanged);
        }
    }

    private static void WriteHeader(StringBuilder text, CheckpointDiff diff)
    {
        text.Append('╔').Append('═', HeaderInner).Append("╗\n");
        text.Append("║ ").Append(Pad("Checkpoint Diff", HeaderInner - 2)).Append(" ║\n");
        text.Append('╠').Append('═', HeaderInner).Append("╣\n");
        text.Append("║ Container: ").Append(Pad(Truncate(diff.ContainerName, 51), 51)).Append(" ║\n");
        text.Append("║ Image:     ").Append(Pad(Truncate(diff.Image, 51), 51)).Append(" ║\n");
        text.Append("║ ID:        ").Append(Pad(Truncate(diff.ContainerId, 51), 51)).Append(" ║\n");
        text.Append('╚').Append('═', HeaderInner).Append("╝\n\n");
        foreach (var (name, side) in new[] { ("A", diff.A), ("B", diff.B) })
        {
            text.Append("Checkpoint ").Append(name).Append(":\n");
            text.Append("  Created: ").Append(side.Created).Append('\n');
            text.Append("  Size:    ").Append(side.TotalSize.ToString(CultureInfo.InvariantCulture)).Append(" bytes\n\n");
        }
    }

    private static void WriteMemory(StringBuilder text, MemoryChanges memory)
    {
        Top(text, "Memory Changes", BoxWidth);
        if (memory.SizeChangeBytes > 0)
            text.Append("│ ↑ Increased by ").Append(CheckpointDiff.Megabytes(memory.SizeChangeBytes)).Append(" MB\n");
        else if (memory.SizeChangeBytes < 0)
            text.Append("│ ↓ Decreased by ").Append(CheckpointDiff.Megabytes(-memory.SizeChangeBytes)).Append(" MB\n");
        else
            text.Append("│ = No change\n");
        foreach (var p in memory.Processes)
        {
            text.Append("│   PID ").Append(Pid(p.Pid)).Append(' ').Append(Pad(p.Command, 15)).Append(' ')
                .Append(Units.Bytes(p.OldBytes)).Append(" → ").Append(Units.Bytes(p.NewBytes))
                .Append(" (").Append(p.ChangeBytes >= 0 ? "+" : "-").Append(Units.Bytes(Math.Abs(p.ChangeBytes))).Append(")\n");
        }
        Bottom(text, BoxWidth);
    }

    private static void WriteProcesses(StringBuilder text, CheckpointDiff diff, bool showUnchanged)
    {
        var changes = diff.Processes;
        Top(text, "Process Tree", BoxWidth);
        if (showUnchanged && diff.TreeB is { } tree)
        {
            var status = new Dictionary<uint, (char Marker, ProcessDiffEntry Entry)>();
            foreach (var p in changes.Added)
                status[p.Pid] = ('+', p);
            foreach (var p in changes.Modified)
                status[p.Pid] = ('~', p);
            foreach (var p in changes.Unchanged)
                status[p.Pid] = ('=', p);
            var root = new TreeNode("Process tree");
            AddAnnotated(root, tree, status);
            foreach (var line in root.ToString().TrimEnd('\n').Split('\n'))
                text.Append("│ ").Append(line).Append('\n');
            WriteProcessList(text, "Removed:", '-', changes.Removed, diff.Options);
        }
        else if (!changes.HasChanges)
        {
            text.Append("│ = No change\n");
        }
        else
        {
            WriteProcessList(text, "Added:", '+', changes.Added, diff.Options);
            WriteProcessList(text, "Removed:", '-', changes.Removed, diff.Options);
            WriteProcessList(text, "Modified:", '~', changes.Modified, diff.Options);
        }
        Bottom(text, BoxWidth);
    }

    private static void WriteProcessList(StringBuilder text, string heading, char marker, IReadOnlyList<ProcessDiffEntry> processes, DiffOptions options)
    {
        if (processes.Count == 0)
            return;
        text.Append("│ ").Append(heading).Append('\n');
        foreach (var p in processes)
        {
            text.Append("│   ").Append(marker).Append(" PID ").Append(Pid(p.Pid)).Append(' ').Append(p.Command).Append('\n');
            if (marker == '+' && options.PsTreeCmd && !string.IsNullOrEmpty(p.Cmdline))
                text.Append(Detail).Append(Truncate(p.Cmdline, 55)).Append('\n');
            if (DetailLine(p) is { } detail)
                text.Append(Detail).Append(detail).Append('\n');
        }
    }

    // treeprint-style tree of B: "[<marker> PID <pid>]  <cmdline or comm>", children by PID, details under modified ones.
    private static void AddAnnotated(TreeNode parent, ProcessView p, Dictionary<uint, (char Marker, ProcessDiffEntry Entry)> status)
    {
        var known = status.TryGetValue(p.Pid, out var s);
        var label = $"[{(known ? s.Marker : ' ')} PID {p.Pid.ToString(CultureInfo.InvariantCulture)}]  {(string.IsNullOrEmpty(p.Cmdline) ? p.Command : p.Cmdline)}";
        if (known && DetailLine(s.Entry) is { } detail)
            label += "\n" + detail;
        var node = parent.Add(label);
        foreach (var child in p.Children.OrderBy(c => c.Pid))
            AddAnnotated(node, child, status);
    }

    /// <summary>What changed in a modified process, on one line: <c>state: Alive → Stopped, env: +1 -0 ~2</c>.</summary>
    private static string? DetailLine(ProcessDiffEntry p)
    {
        var parts = p.Changes.Select(c => c.Field == "cmdline" ? "cmdline changed" : $"{c.Field}: {c.Old} → {c.New}").ToList();
        if (p.Environment is { } env)
            parts.Add($"env: +{env.Added.Count} -{env.Removed.Count} ~{env.Changed.Count}");
        return parts.Count > 0 ? string.Join(", ", parts) : null;
    }

    private static void WriteFiles(StringBuilder text, FileChanges files, bool showUnchanged)
    {
        Top(text, "File Descriptor Changes", BoxWidth);
        WriteFileList(text, "Added:", '+', files.Added);
        WriteFileList(text, "Removed:", '-', files.Removed);
        if (showUnchanged)
            WriteFileList(text, "Unchanged:", '=', files.Unchanged);
        Bottom(text, BoxWidth);
    }

    private static void WriteFileList(StringBuilder text, string heading, char marker, IReadOnlyList<FileDiffEntry> files)
    {
        if (files.Count == 0)
            return;
        text.Append("│ ").Append(heading).Append('\n');
        foreach (var f in files)
        {
            text.Append("│   ").Append(marker).Append(" PID ").Append(Pid(f.Pid)).Append(' ')
                .Append(Pad(f.FdLabel, 10)).Append(' ').Append(Truncate(f.DisplayPath, 38)).Append('\n');
        }
    }

    private static void WriteSockets(StringBuilder text, SocketChanges sockets, bool showUnchanged)
    {
        Top(text, "Socket Changes", SocketBoxWidth);
        var showUnchangedRows = showUnchanged && sockets.Unchanged.Count > 0;
        if (sockets.Added.Count + sockets.Removed.Count + sockets.Modified.Count > 0 || showUnchangedRows)
        {
            text.Append("│     ").Append(Pad("PID", 5)).Append(' ').Append(Pad("PROTO", 5)).Append(' ').Append(Pad("STATE", 12)).Append(' ')
                .Append(Pad("LOCAL", 21)).Append(" PEER\n");
            foreach (var s in sockets.Added)
                SocketRow(text, '+', s);
            foreach (var s in sockets.Removed)
                SocketRow(text, '-', s);
            foreach (var s in sockets.Modified)
                SocketRow(text, '~', s);
            if (showUnchangedRows)
            {
                foreach (var s in sockets.Unchanged)
                    SocketRow(text, '=', s);
            }
        }
        Bottom(text, SocketBoxWidth);
    }

    private static void SocketRow(StringBuilder text, char marker, SocketDiffEntry entry)
    {
        var s = entry.Socket;
        string state, local, peer;
        if (s.Kind == SocketKind.Inet)
        {
            local = Endpoint(s.Source, s.SourcePort, s.IsIPv6);
            peer = s.DestinationPort > 0 ? Endpoint(s.Destination, s.DestinationPort, s.IsIPv6) : "-";
            state = s.State.Length > 0 ? s.State : "-";
        }
        else
        {
            local = s.Address.Length > 0 ? s.Address : "@";
            state = "-";
            peer = "-";
        }
        // A state change: the new state in the column (whatever the kind), the old one after the peer.
        if (entry.OldState != null)
            state = s.State.Length > 0 ? s.State : "-";
        text.Append("│  ").Append(marker).Append("  ").Append(Pid(entry.Pid)).Append(' ').Append(Pad(s.Protocol, 5)).Append(' ')
            .Append(Pad(state, 12)).Append(' ').Append(Pad(local, 21)).Append(' ').Append(peer);
        if (entry.OldState != null)
            text.Append("  (was ").Append(entry.OldState.Length > 0 ? entry.OldState : "-").Append(')');
        text.Append('\n');
    }

    private static string Endpoint(string address, uint port, bool v6) =>
        (v6 ? $"[{address}]" : address) + ":" + port.ToString(CultureInfo.InvariantCulture);

    private static void Top(StringBuilder text, string title, int width) =>
        text.Append("┌─ ").Append(title).Append(' ').Append('─', width - 5 - title.Length).Append("┐\n");

    private static void Bottom(StringBuilder text, int width) =>
        text.Append('└').Append('─', width - 2).Append("┘\n");

    private static string Pid(uint pid) => Pad(pid.ToString(CultureInfo.InvariantCulture), 5);

    /// <summary>Go's <c>%-Ns</c>: pads with spaces to <paramref name="width"/> runes; longer text is left as is.</summary>
    private static string Pad(string s, int width)
    {
        var runes = RuneCount(s);
        return runes >= width ? s : s + new string(' ', width - runes);
    }

    /// <summary>At most <paramref name="max"/> runes: longer text keeps <c>max-3</c> runes and gets <c>...</c>.</summary>
    private static string Truncate(string s, int max)
    {
        if (RuneCount(s) <= max)
            return s;
        var kept = new StringBuilder();
        var n = 0;
        foreach (var rune in s.EnumerateRunes())
        {
            if (n++ == max - 3)
                break;
            kept.Append(rune.ToString());
        }
        return kept.Append("...").ToString();
    }

    private static int RuneCount(string s)
    {
        var n = 0;
        foreach (var _ in s.EnumerateRunes())
            n++;
        return n;
    }
}
