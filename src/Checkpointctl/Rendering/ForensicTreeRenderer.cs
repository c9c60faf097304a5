using Checkpointctl.Core.Analysis;
using Checkpointctl.Core.Model;

namespace Checkpointctl.Cli.Rendering;

/// <summary>The views this tool adds to <c>inspect</c>'s tree (after upstream's sections, only when asked for).</summary>
internal static class ForensicTreeRenderer
{
    public static void AddTo(TreeNode root, Inspection i)
    {
        if (i.Threads is { } threads)
            AddThreads(root.Add("Threads"), threads);
        if (i.MemoryMaps is { } maps)
            AddMemoryMaps(root.Add("Memory map"), maps);
    }

    private static void AddMemoryMaps(TreeNode parent, IReadOnlyList<ProcessMemoryMap> maps)
    {
        foreach (var p in maps)
        {
            var node = parent.Add($"[{p.Pid}]  {p.Command}");
            if (p.Executable.Length > 0)
                node.Add($"Executable: {p.Executable}");
            node.Add($"Pages: {p.DumpedPages} dumped ({Units.Bytes((long)(p.DumpedPages * (ulong)p.PageSize))}), {p.ParentPages} in parent, {p.LazyPages} lazy");
            var mappings = node.Add($"Mappings: {p.Mappings.Count}");
            foreach (var m in p.Mappings)
                mappings.Add(m.MapsLine + PageNote(m));
            foreach (var (start, end) in p.Guards)
                node.Add($"Guard: {start:x8}-{end:x8}");
        }
    }

    // "  [3 pages]", "  [1 dumped, 2 in parent, 4 lazy]", "  [256 pages in pagemap-shmem-394.img]"; nothing without pages.
    private static string PageNote(MemoryMapping m)
    {
        if (m.DumpedPages == 0 && m.ParentPages == 0 && m.LazyPages == 0)
            return "";
        var shared = m.PagesImage.StartsWith("pagemap-shmem-", StringComparison.Ordinal) ? $" in {m.PagesImage}" : "";
        if (m.ParentPages == 0 && m.LazyPages == 0)
            return $"  [{m.DumpedPages} {(m.DumpedPages == 1 ? "page" : "pages")}{shared}]";
        return $"  [{m.DumpedPages} dumped, {m.ParentPages} in parent, {m.LazyPages} lazy{shared}]";
    }

    private static void AddThreads(TreeNode parent, IReadOnlyList<ProcessThreads> processes)
    {
        foreach (var p in processes)
        {
            var node = parent.Add($"[{p.Pid}]  {p.Command}");
            var state = ProcessTree.Name(p.State);
            if (p.ExitCode is { } code)
                state += $" (exit code {code})";
            if (p.StopSignal is { } signal)
                state += $" (by {Signals.Name((int)signal)})";
            node.Add($"State: {state}");
            node.Add($"PPID: {p.Ppid}, PGID: {p.Pgid}, SID: {p.Sid}");
            if (p.Threads.Count == 0)
                continue;
            node.Add($"Shared pending signals: {SignalList(p.SharedPending)}");
            foreach (var t in p.Threads)
                AddThread(node.Add($"Thread {t.Tid} ({t.Name})"), t);
        }
    }

    private static void AddThread(TreeNode node, ThreadDetails t)
    {
        node.Add($"Blocked signals: {SignalList(t.Blocked)}");
        node.Add($"Pending signals: {SignalList(t.Pending)}");
        node.Add($"Scheduling: {Scheduling(t)}");
        node.Add(t.SeccompFilters > 0 ? $"Seccomp: {t.SeccompMode} ({t.SeccompFilters} {(t.SeccompFilters == 1 ? "filter" : "filters")})" : $"Seccomp: {t.SeccompMode}");
        if (t.Registers is { } r)
            AddRegisters(node.Add($"Registers ({r.Architecture})"), r);
    }

    private static string Scheduling(ThreadDetails t)
    {
        var parts = new List<string> { t.SchedPolicy ?? "unknown" };
        if (t.SchedPriority is { } prio)
            parts.Add($"priority {prio}");
        if (t.Nice is { } nice)
            parts.Add($"nice {nice}");
        return string.Join(", ", parts);
    }

    private static void AddRegisters(TreeNode node, RegisterSet r)
    {
        if (r.Syscall is { } nr)
            node.Add(r.RestartAdjusted ? $"In syscall {nr} (restart-adjusted)" : $"In syscall {nr}");
        AddValues(node.Add("General"), r.General);
        if (r.Fpu.Count > 0)
            AddValues(node.Add("FPU"), r.Fpu);
        if (r.Vector.Count > 0)
            AddValues(node.Add("Vector"), r.Vector);
    }

    private static void AddValues(TreeNode node, IReadOnlyList<RegisterValue> values)
    {
        foreach (var v in values)
            node.Add($"{v.Name}: {v.Value}");
    }

    public static string SignalList(IReadOnlyList<int> signals) =>
        signals.Count == 0 ? "none" : string.Join(", ", signals.Select(Signals.Name));
}
