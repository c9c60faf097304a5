using Checkpointctl.Core.Analysis;
using Checkpointctl.Core.Metadata;
using Checkpointctl.Core.Model;

namespace Checkpointctl.Cli.Rendering;

/// <summary>The JSON of the views this tool adds to <c>inspect</c> (new fields after upstream's, only when asked for).</summary>
internal static class ForensicJsonRenderer
{
    public static void Write(GoJsonWriter w, Inspection i)
    {
        if (i.Threads is { } threads)
        {
            w.Name("threads");
            w.BeginArray();
            foreach (var p in threads)
                WriteProcessThreads(w, p);
            w.EndArray();
        }
        if (i.MemoryMaps is { } maps)
        {
            w.Name("memory_map");
            w.BeginArray();
            foreach (var p in maps)
                WriteMemoryMap(w, p);
            w.EndArray();
        }
        if (i.Namespaces is { } namespaces)
            WriteNamespaces(w, namespaces);
        if (i.Security is { } security)
        {
            w.Name("security");
            w.BeginArray();
            foreach (var p in security)
                WriteSecurity(w, p);
            w.EndArray();
        }
        if (i.Cgroups is { } cgroups)
            WriteCgroups(w, cgroups);
        if (i.Inventory is { } inventory)
            WriteInventory(w, inventory);
        if (i.RootfsChanges is { } rootfs)
            WriteRootfsChanges(w, rootfs);
        if (i.Logs is { } logs)
            WriteLogs(w, logs);
    }

    private static void WriteRootfsChanges(GoJsonWriter w, RootfsChanges changes)
    {
        w.Name("rootfs_diff");
        w.BeginObject();
        if (changes.Diff is { } diff)
        {
            w.Property("member", diff.Member);
            w.Property("compression", diff.Compression.ToString().ToLowerInvariant());
            w.Property("entry_count", diff.EntryCount);
            w.Property("file_bytes", diff.FileBytes);
            w.Name("entries");
            w.BeginArray();
            foreach (var e in diff.Entries)
            {
                w.BeginObject();
                w.Property("path", e.Path);
                w.Property("type", e.Type);
                w.Property("size", e.Size);
                w.Property("mode", "0" + Convert.ToString(e.Mode, 8));
                w.Property("mtime", e.Modified.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
                if (e.Link != null)
                    w.Property("link", e.Link);
                w.EndObject();
            }
            w.EndArray();
        }
        if (changes.Deleted is { } deleted)
            Words(w, "deleted_files", deleted);
        w.EndObject();
    }

    private static void WriteLogs(GoJsonWriter w, LogCapture logs)
    {
        w.Name("logs");
        w.BeginObject();
        if (logs.ContainerLog is { } log)
        {
            w.Name("container_log");
            w.BeginObject();
            w.Property("member", log.Member);
            w.Property("lines", log.LineCount);
            Words(w, "tail", log.Tail);
            w.EndObject();
        }
        if (logs.DumpLog is { } dump)
        {
            w.Name("dump_log");
            w.BeginObject();
            w.Property("member", dump.Member);
            if (dump.Version != null)
                w.Property("criu_version", dump.Version);
            w.Property("lines", dump.LineCount);
            w.Property("errors", dump.ErrorCount);
            w.Property("warnings", dump.WarningCount);
            Words(w, "problems", dump.Problems);
            w.EndObject();
        }
        w.EndObject();
    }

    private static void WriteCgroups(GoJsonWriter w, CgroupView view)
    {
        w.Name("cgroups");
        w.BeginObject();
        w.Name("processes");
        w.BeginArray();
        foreach (var p in view.Processes)
        {
            w.BeginObject();
            w.Property("pid", p.Pid);
            w.Property("command", p.Command);
            w.Property("set", p.Set);
            if (p.Threads.Count > 0)
            {
                w.Name("threads");
                w.BeginArray();
                foreach (var (tid, set) in p.Threads)
                {
                    w.BeginObject();
                    w.Property("tid", tid);
                    w.Property("set", set);
                    w.EndObject();
                }
                w.EndArray();
            }
            w.EndObject();
        }
        w.EndArray();
        w.Name("sets");
        w.BeginArray();
        foreach (var set in view.Sets)
        {
            w.BeginObject();
            w.Property("id", set.Id);
            w.Name("cgroups");
            w.BeginArray();
            foreach (var m in set.Members)
                WriteCgroupMember(w, m);
            w.EndArray();
            w.EndObject();
        }
        w.EndArray();
        w.EndObject();
    }

    private static void WriteCgroupMember(GoJsonWriter w, CgroupMember m)
    {
        w.BeginObject();
        w.Property("hierarchy", m.Hierarchy);
        w.Property("path", m.Path);
        w.Property("cgns_prefix", m.NamespacePrefix);
        w.Name("properties");
        w.BeginObject();
        foreach (var (name, value) in m.Properties)
            w.Property(name, value);
        w.EndObject();
        w.EndObject();
    }

    private static void WriteNamespaces(GoJsonWriter w, NamespaceView view)
    {
        w.Name("namespaces");
        w.BeginObject();
        w.Name("processes");
        w.BeginArray();
        foreach (var p in view.Processes)
        {
            w.BeginObject();
            w.Property("pid", p.Pid);
            w.Property("command", p.Command);
            w.Name("ids");
            w.BeginObject();
            foreach (var n in p.Namespaces)
                w.Property(n.Kind, n.Id);
            w.EndObject();
            Words(w, "host", p.Namespaces.Where(n => n.Host).Select(n => n.Kind));
            w.EndObject();
        }
        w.EndArray();
        w.Name("details");
        w.BeginArray();
        foreach (var ns in view.Namespaces)
        {
            w.BeginObject();
            w.Property("type", ns.Kind);
            w.Property("id", ns.Id);
            w.Property("host", ns.Host);
            w.Name("pids");
            w.BeginArray();
            foreach (var pid in ns.Pids)
                w.Number(pid);
            w.EndArray();
            Words(w, "images", ns.Images);
            Properties(w, "properties", ns.Properties);
            w.Name("objects");
            w.BeginArray();
            foreach (var o in ns.Objects)
            {
                w.BeginObject();
                w.Property("name", o.Name);
                Properties(w, "properties", o.Properties);
                w.EndObject();
            }
            w.EndArray();
            w.EndObject();
        }
        w.EndArray();
        w.EndObject();
    }

    // Values are strings; a device's addresses ("inet", which may repeat) are always an array.
    private static void Properties(GoJsonWriter w, string name, IReadOnlyList<KeyValuePair<string, string>> properties)
    {
        w.Name(name);
        w.BeginObject();
        foreach (var group in properties.GroupBy(p => p.Key))
        {
            var values = group.Select(p => p.Value).ToList();
            if (group.Key == "inet")
                Words(w, group.Key, values);
            else
                w.Property(group.Key, values[^1]);
        }
        w.EndObject();
    }

    private static void WriteSecurity(GoJsonWriter w, ProcessSecurity p)
    {
        w.BeginObject();
        w.Property("pid", p.Pid);
        w.Property("command", p.Command);
        w.Name("uids");
        w.BeginArray();
        foreach (var id in new[] { p.Uids.Real, p.Uids.Effective, p.Uids.Saved, p.Uids.Filesystem })
            w.Number(id);
        w.EndArray();
        w.Name("gids");
        w.BeginArray();
        foreach (var id in new[] { p.Gids.Real, p.Gids.Effective, p.Gids.Saved, p.Gids.Filesystem })
            w.Number(id);
        w.EndArray();
        w.Name("groups");
        w.BeginArray();
        foreach (var g in p.Groups)
            w.Number(g);
        w.EndArray();
        w.Name("capabilities");
        w.BeginObject();
        foreach (var set in p.CapabilitySets)
        {
            w.Name(set.Name);
            w.BeginObject();
            w.Property("mask", $"0x{set.Mask:x16}");
            Words(w, "names", set.Capabilities);
            w.EndObject();
        }
        w.EndObject();
        Words(w, "securebits", Capabilities.SecurebitsOf(p.Securebits));
        if (p.NoNewPrivs is { } nnp)
            w.Property("no_new_privs", nnp);
        w.Property("seccomp_mode", p.SeccompMode);
        w.Property("seccomp_filters", p.SeccompFilters);
        w.Property("seccomp_instructions", p.SeccompInstructions);
        w.Property("lsm", p.Lsm);
        if (p.LsmProfile != null)
            w.Property("lsm_profile", p.LsmProfile);
        if (p.LsmSockcreate != null)
            w.Property("lsm_sockcreate", p.LsmSockcreate);
        if (p.LoginUid is { } uid)
            w.Property("loginuid", uid);
        w.Name("threads_with_other_credentials");
        w.BeginArray();
        foreach (var t in p.ThreadsWithOtherCredentials)
            w.Number(t);
        w.EndArray();
        w.EndObject();
    }

    private static void WriteInventory(GoJsonWriter w, InventoryView v)
    {
        w.Name("inventory");
        w.BeginObject();
        if (v.ImageVersion is { } version)
            w.Property("img_version", version);
        if (v.CriuVersion != null)
        {
            w.Property("criu_version", v.CriuVersion);
            w.Property("criu_version_source", v.CriuVersionSource!);
        }
        if (v.RunId != null)
            w.Property("dump_criu_run_id", v.RunId);
        if (v.DumpUptime is { } uptime)
            w.Property("dump_uptime_us", (long)uptime);
        if (v.FdinfoPerId is { } perId)
            w.Property("fdinfo_per_id", perId);
        if (v.NsPerId is { } nsPerId)
            w.Property("ns_per_id", nsPerId);
        w.Name("root_ids");
        w.BeginObject();
        foreach (var (kind, id) in v.RootIds)
            w.Property(kind, id);
        w.EndObject();
        if (v.RootCgSet is { } cg)
            w.Property("root_cg_set", cg);
        if (v.Lsm != null)
            w.Property("lsm", v.Lsm);
        if (v.PreDumpMode != null)
            w.Property("pre_dump_mode", v.PreDumpMode);
        w.Property("network_lock", v.NetworkLock);
        if (v.TcpClose is { } tcpClose)
            w.Property("tcp_close", tcpClose);
        if (v.AllowUprobes is { } uprobes)
            w.Property("allow_uprobes", uprobes);
        if (v.Plugins != null)
            Words(w, "plugins", v.Plugins);
        w.Property("lazy_pages", (long)v.LazyPages);
        w.Property("parent_pages", (long)v.ParentPages);
        if (v.ParentLink != null)
            w.Property("parent_link", v.ParentLink);
        w.EndObject();
    }

    private static void WriteMemoryMap(GoJsonWriter w, ProcessMemoryMap p)
    {
        w.BeginObject();
        w.Property("pid", p.Pid);
        w.Property("command", p.Command);
        w.Property("executable", p.Executable);
        w.Property("page_size", p.PageSize);
        w.Property("dumped_pages", (long)p.DumpedPages);
        w.Property("parent_pages", (long)p.ParentPages);
        w.Property("lazy_pages", (long)p.LazyPages);
        w.Name("mappings");
        w.BeginArray();
        foreach (var m in p.Mappings)
        {
            w.BeginObject();
            w.Property("start", Hex(m.Start));
            w.Property("end", Hex(m.End));
            w.Property("perms", m.Permissions);
            w.Property("offset", (long)m.Offset);
            w.Property("device", m.Device);
            w.Property("inode", (long)m.Inode);
            w.Property("name", m.Name);
            w.Property("kind", m.Kind);
            Words(w, "status", VmaFlags.Status(m.Status));
            Words(w, "flags", VmaFlags.MapFlags(m.Flags));
            Words(w, "madvise", VmaFlags.Madvise(m.Madvise));
            w.Property("dumped_pages", (long)m.DumpedPages);
            w.Property("parent_pages", (long)m.ParentPages);
            w.Property("lazy_pages", (long)m.LazyPages);
            w.Property("pages_image", m.PagesImage);
            w.EndObject();
        }
        w.EndArray();
        w.Name("guards");
        w.BeginArray();
        foreach (var (start, end) in p.Guards)
        {
            w.BeginObject();
            w.Property("start", Hex(start));
            w.Property("end", Hex(end));
            w.EndObject();
        }
        w.EndArray();
        w.EndObject();
    }

    private static string Hex(ulong value) => "0x" + value.ToString("x", System.Globalization.CultureInfo.InvariantCulture);

    private static void Words(GoJsonWriter w, string name, IEnumerable<string> words)
    {
        w.Name(name);
        w.BeginArray();
        foreach (var word in words)
            w.String(word);
        w.EndArray();
    }

    private static void WriteProcessThreads(GoJsonWriter w, ProcessThreads p)
    {
        w.BeginObject();
        w.Property("pid", p.Pid);
        w.Property("ppid", p.Ppid);
        w.Property("pgid", p.Pgid);
        w.Property("sid", p.Sid);
        w.Property("command", p.Command);
        w.Property("task_state", ProcessTree.Name(p.State));
        if (p.ExitCode is { } code)
            w.Property("exit_code", code);
        if (p.StopSignal is { } signal)
            w.Property("stop_signal", Signals.Name((int)signal));
        SignalArray(w, "shared_pending_signals", p.SharedPending);
        w.Name("threads");
        w.BeginArray();
        foreach (var t in p.Threads)
        {
            w.BeginObject();
            w.Property("tid", t.Tid);
            w.Property("name", t.Name);
            SignalArray(w, "blocked_signals", t.Blocked);
            SignalArray(w, "pending_signals", t.Pending);
            w.OptionalProperty("sched_policy", t.SchedPolicy);
            if (t.SchedPriority is { } prio)
                w.Property("sched_priority", prio);
            if (t.Nice is { } nice)
                w.Property("nice", nice);
            w.Property("seccomp_mode", t.SeccompMode);
            w.Property("seccomp_filters", t.SeccompFilters);
            if (t.Registers is { } r)
                WriteRegisters(w, r);
            w.EndObject();
        }
        w.EndArray();
        w.EndObject();
    }

    private static void WriteRegisters(GoJsonWriter w, RegisterSet r)
    {
        w.Name("registers");
        w.BeginObject();
        w.Property("architecture", r.Architecture);
        if (r.Syscall is { } nr)
        {
            w.Property("syscall", nr);
            w.Property("restart_adjusted", r.RestartAdjusted);
        }
        Values(w, "general", r.General);
        Values(w, "fpu", r.Fpu);
        Values(w, "vector", r.Vector);
        w.EndObject();
    }

    private static void Values(GoJsonWriter w, string name, IReadOnlyList<RegisterValue> values)
    {
        w.Name(name);
        w.BeginObject();
        foreach (var v in values)
            w.Property(v.Name, v.Value);
        w.EndObject();
    }

    private static void SignalArray(GoJsonWriter w, string name, IReadOnlyList<int> signals)
    {
        w.Name(name);
        w.BeginArray();
        foreach (var s in signals)
            w.String(Signals.Name(s));
        w.EndArray();
    }
}
