using Checkpointctl.Core.Analysis;
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
