using Checkpointctl.Core.Analysis;
using Checkpointctl.Core.Metadata;
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
        if (i.Namespaces is { } namespaces)
            AddNamespaces(root.Add("Namespaces"), namespaces);
        if (i.Security is { } security)
            AddSecurity(root.Add("Security"), security);
        if (i.Cgroups is { } cgroups)
            AddCgroups(root.Add("Cgroups"), cgroups);
        if (i.Inventory is { } inventory)
            AddInventory(root.Add("CRIU inventory"), inventory);
        if (i.RootfsChanges is { } rootfs)
            AddRootfsChanges(root.Add("Root FS changes"), rootfs);
        if (i.Logs is { } logs)
            AddLogs(root.Add("Logs"), logs);
    }

    private static void AddRootfsChanges(TreeNode node, RootfsChanges changes)
    {
        if (changes.Diff is { } diff)
        {
            var files = node.Add($"Changed files ({diff.Member}{(diff.Compression != Core.Archive.CompressionKind.None ? $", {diff.Compression.ToString().ToLowerInvariant()}" : "")}): " +
                                 $"{diff.EntryCount} {(diff.EntryCount == 1 ? "entry" : "entries")}, {Units.Bytes(diff.FileBytes)} in files");
            foreach (var e in diff.Entries)
                files.Add(TarLine(e));
            if (diff.EntryCount > diff.Entries.Count)
                files.Add($"... {diff.EntryCount - diff.Entries.Count} more entries not listed");
        }
        else
        {
            node.Add("Changed files: none recorded (no rootfs-diff.tar)");
        }
        if (changes.Deleted is { } deleted)
        {
            var list = node.Add($"Deleted files (deleted.files): {deleted.Count}");
            foreach (var path in deleted)
                list.Add(path);
        }
        else
        {
            node.Add("Deleted files: none recorded (no deleted.files)");
        }
    }

    /// <summary>A tar entry as <c>tar -tv</c> shows it: mode string, size, modification time (UTC), path and link target.</summary>
    public static string TarLine(Core.Archive.NestedTarEntry e)
    {
        var type = e.Type switch { "dir" => 'd', "symlink" => 'l', "hardlink" => 'h', "char" => 'c', "block" => 'b', "fifo" => 'p', _ => '-' };
        var link = e.Link == null ? "" : e.Type == "symlink" ? $" -> {e.Link}" : $" link to {e.Link}";
        return $"{type}{ModeString(e.Mode)} {e.Size,9} {e.Modified.UtcDateTime:yyyy-MM-dd HH:mm:ss} {e.Path}{link}";
    }

    private static string ModeString(int mode)
    {
        var text = new char[9];
        for (var i = 0; i < 9; i++)
            text[i] = (mode & (1 << (8 - i))) != 0 ? "rwxrwxrwx"[i] : '-';
        if ((mode & 0x800) != 0)
            text[2] = text[2] == 'x' ? 's' : 'S';
        if ((mode & 0x400) != 0)
            text[5] = text[5] == 'x' ? 's' : 'S';
        if ((mode & 0x200) != 0)
            text[8] = text[8] == 'x' ? 't' : 'T';
        return new string(text);
    }

    private static void AddLogs(TreeNode node, LogCapture logs)
    {
        if (logs.ContainerLog is { } log)
        {
            var container = node.Add($"Container log ({log.Member}): {(log.Tail.Count < log.LineCount ? $"last {log.Tail.Count} of {log.LineCount} lines" : $"{log.LineCount} lines")}");
            foreach (var line in log.Tail)
                container.Add(line);
        }
        else
        {
            node.Add("Container log: none in the checkpoint");
        }
        if (logs.DumpLog is { } dump)
        {
            var problems = node.Add($"CRIU dump log ({dump.Member}): {Plural(dump.ErrorCount, "error")}, {Plural(dump.WarningCount, "warning")}");
            foreach (var line in dump.Problems)
                problems.Add(line);
        }
        else
        {
            node.Add("CRIU dump log: none in the checkpoint");
        }
    }

    private static string Plural(long n, string what) => n == 1 ? $"1 {what}" : $"{n} {what}s";

    private static void AddNamespaces(TreeNode parent, NamespaceView view)
    {
        var processes = parent.Add("Processes");
        foreach (var p in view.Processes)
            processes.Add($"[{p.Pid}]  {p.Command}").Add(string.Join(", ", p.Namespaces.Select(n => n.Host ? $"{n.Kind} {n.Id} (host)" : $"{n.Kind} {n.Id}")));
        foreach (var ns in view.Namespaces)
        {
            var node = parent.Add(ns.Host ? $"{ns.Kind} {ns.Id} (host, shared with CRIU)" : $"{ns.Kind} {ns.Id}");
            node.Add($"Processes: {string.Join(", ", ns.Pids)}");
            if (ns.Images.Count > 0)
                node.Add($"Images: {string.Join(", ", ns.Images)}");
            foreach (var (key, value) in ns.Properties)
                node.Add($"{key}: {value}");
            foreach (var o in ns.Objects)
            {
                var obj = node.Add(o.Name);
                foreach (var (key, value) in o.Properties)
                    obj.Add($"{key}: {value}");
            }
        }
    }

    // Processes and their set, then each set's hierarchies with the recorded properties of their directories.
    private static void AddCgroups(TreeNode parent, CgroupView view)
    {
        var processes = parent.Add("Processes");
        foreach (var p in view.Processes)
        {
            var node = processes.Add($"[{p.Pid}]  {p.Command}: set {p.Set}");
            foreach (var (tid, set) in p.Threads)
                node.Add($"thread {tid}: set {set}");
        }
        if (view.Sets.Count == 0)
            parent.Add("No cgroup.img: CRIU recorded no cgroups");
        foreach (var set in view.Sets)
        {
            var node = parent.Add($"Set {set.Id}");
            foreach (var m in set.Members)
            {
                var member = node.Add($"{m.Hierarchy}: {m.Path}{(m.NamespacePrefix > 0 ? $" (cgroup namespace hides {m.NamespacePrefix} bytes)" : "")}");
                // Multi-line values (devices.list) on one line; empty ones (cgroup.procs, tasks) say nothing.
                foreach (var (name, value) in m.Properties.Where(p => p.Value.Length > 0))
                    member.Add($"{name}: {value.TrimEnd('\n').Replace("\n", "; ", StringComparison.Ordinal)}");
            }
        }
    }

    private static void AddSecurity(TreeNode parent, IReadOnlyList<ProcessSecurity> processes)
    {
        foreach (var p in processes)
        {
            var node = parent.Add($"[{p.Pid}]  {p.Command}");
            node.Add($"UID: real {p.Uids.Real}, effective {p.Uids.Effective}, saved {p.Uids.Saved}, filesystem {p.Uids.Filesystem}");
            node.Add($"GID: real {p.Gids.Real}, effective {p.Gids.Effective}, saved {p.Gids.Saved}, filesystem {p.Gids.Filesystem}");
            node.Add($"Groups: {(p.Groups.Count == 0 ? "none" : string.Join(", ", p.Groups))}");
            var caps = node.Add("Capabilities");
            foreach (var set in p.CapabilitySets)
                caps.Add($"{Capitalized(set.Name)}: {(set.Capabilities.Count == 0 ? "none" : string.Join(", ", set.Capabilities))} (0x{set.Mask:x16})");
            var secbits = Capabilities.SecurebitsOf(p.Securebits);
            node.Add($"Securebits: {(secbits.Count == 0 ? "none" : string.Join(", ", secbits))}");
            node.Add($"No new privileges: {p.NoNewPrivs switch { true => "yes", false => "no", null => "no (or not recorded: CRIU < 3.19)" }}");
            node.Add(p.SeccompMode == "filter"
                ? $"Seccomp: filter ({p.SeccompFilters} {(p.SeccompFilters == 1 ? "filter" : "filters")}, {p.SeccompInstructions} instructions)"
                : $"Seccomp: {p.SeccompMode}");
            var lsm = node.Add($"LSM: {p.Lsm}");
            if (p.LsmProfile != null)
                lsm.Add($"Profile: {p.LsmProfile}");
            else if (p.Lsm == "AppArmor")
                lsm.Add("Profile: unconfined");
            if (p.LsmSockcreate != null)
                lsm.Add($"Socket creation label: {p.LsmSockcreate}");
            node.Add($"Login UID: {(p.LoginUid is { } uid ? uid.ToString(System.Globalization.CultureInfo.InvariantCulture) : "unset")}");
            if (p.ThreadsWithOtherCredentials.Count > 0)
                node.Add($"Threads with other credentials: {string.Join(", ", p.ThreadsWithOtherCredentials)}");
        }
    }

    private static void AddInventory(TreeNode node, InventoryView v)
    {
        node.Add($"Image version: {v.ImageVersion switch { 2 => "2 (v1.1, head magics)", null => "not recorded", var n => n.ToString() }}");
        node.Add($"CRIU version: {(v.CriuVersion != null ? $"{v.CriuVersion} (from {v.CriuVersionSource})" : "not recorded")}");
        if (v.RunId != null)
            node.Add($"Dump run ID: {v.RunId}");
        node.Add($"Dump uptime: {(v.DumpUptime is { } us ? $"{us / 1_000_000}.{us % 1_000_000:D6} s" : "not recorded")}");
        node.Add($"Root IDs: {string.Join(", ", v.RootIds.Select(r => $"{r.Kind} {r.Id}"))}");
        if (v.RootCgSet is { } cg)
            node.Add($"Root cgroup set: {cg}");
        node.Add($"LSM: {v.Lsm ?? "not recorded"}");
        node.Add($"Pre-dump mode: {v.PreDumpMode ?? "none"}");
        node.Add($"Network lock: {v.NetworkLock}");
        node.Add($"TCP close: {YesNo(v.TcpClose)}");
        if (v.AllowUprobes != null)
            node.Add($"Allow uprobes: {YesNo(v.AllowUprobes)}");
        node.Add($"Plugins: {(v.Plugins == null ? "not recorded" : v.Plugins.Count == 0 ? "none" : string.Join(", ", v.Plugins))}");
        node.Add($"Lazy pages: {v.LazyPages}");
        node.Add($"Parent: {(v.ParentLink != null ? v.ParentLink : v.ParentPages > 0 ? "not in the checkpoint" : "none")}, {v.ParentPages} pages in parent");
    }

    private static string YesNo(bool? value) => value switch { true => "yes", false => "no", null => "not recorded" };

    private static string Capitalized(string s) => char.ToUpperInvariant(s[0]) + s[1..];

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
