using System.Globalization;
using Checkpointctl.Core.Model;

namespace Checkpointctl.Core.Analysis;

/// <summary>What <c>diff</c> compares besides processes and memory, which it always compares.</summary>
public sealed record DiffOptions
{
    /// <summary>Compare command lines (a changed one makes a process modified).</summary>
    public bool PsTreeCmd { get; init; }

    /// <summary>Compare environments (variables added, removed or changed make a process modified).</summary>
    public bool PsTreeEnv { get; init; }

    /// <summary>Compare open files.</summary>
    public bool Files { get; init; }
    /// <summary>Compare sockets.</summary>
    public bool Sockets { get; init; }

    /// <summary>The parent image set of incremental checkpoints (<c>--parent</c>), used by either side that has pages in a parent.</summary>
    public Archive.CheckpointInput? Parent { get; init; }

    /// <summary>What each checkpoint is read with: process tree (if present), memory sizes, and the selected extras.</summary>
    public InspectOptions ToInspectOptions() => new()
    {
        PsTree = true,
        OptionalProcessTree = true,
        ProcessMemory = true,
        PsTreeCmd = PsTreeCmd,
        PsTreeEnv = PsTreeEnv,
        Files = Files,
        Sockets = Sockets,
        Parent = Parent,
    };
}

/// <summary>The two checkpoints are of different containers (their IDs differ); the message has three lines.</summary>
public sealed class DifferentContainersException(string message) : CheckpointException(message);

/// <summary>Creation time and total size of one side.</summary>
public sealed record DiffSide(string Created, long TotalSize);

/// <summary>One field of a process that differs: <c>command</c>, <c>cmdline</c>, <c>ppid</c> or <c>state</c>.</summary>
public sealed record FieldChange(string Field, string Old, string New);

/// <summary>Environment variables added, removed and changed, each sorted by ordinal name.</summary>
public sealed record EnvironmentChanges(
    IReadOnlyList<KeyValuePair<string, string>> Added,
    IReadOnlyList<KeyValuePair<string, string>> Removed,
    IReadOnlyList<(string Name, string Old, string New)> Changed)
{
    /// <summary>No variable was added, removed or changed.</summary>
    public bool IsEmpty => Added.Count == 0 && Removed.Count == 0 && Changed.Count == 0;
}

/// <summary>A process in a diff list; fields from B, or from A for a removed process.</summary>
/// <param name="Cmdline">Only with <c>--ps-tree-cmd</c>.</param>
/// <param name="Changes">What changed (modified processes only), in the order command, cmdline, ppid, state.</param>
/// <param name="Environment">Environment changes (modified processes with <c>--ps-tree-env</c> only).</param>
/// <param name="Pid">The process ID.</param>
/// <param name="Command">The command name.</param>
public sealed record ProcessDiffEntry(
    uint Pid,
    string Command,
    string? Cmdline,
    IReadOnlyList<FieldChange> Changes,
    EnvironmentChanges? Environment);

/// <summary>An open file in a diff list.</summary>
/// <param name="Fd">The fd number, or null for cwd and root.</param>
/// <param name="FdLabel">Upstream's label: <c>REG 3</c>, <c>cwd</c>, <c>root</c>.</param>
/// <param name="Deleted">Deleted while open (see <see cref="OpenFile.Deleted"/>); <paramref name="Path"/> has no suffix.</param>
/// <param name="Pid">The process ID.</param>
/// <param name="Type">The fd type name (<c>REG</c>, <c>PIPE</c> …), empty for cwd and root.</param>
/// <param name="Path">The path or upstream's description of a non-file fd.</param>
public sealed record FileDiffEntry(uint Pid, int? Fd, string FdLabel, string Type, string Path, bool Deleted = false)
{
    /// <summary>The path as trees show it, with <c> (deleted)</c> for a deleted file.</summary>
    public string DisplayPath => Deleted ? Path + " (deleted)" : Path;
}

/// <summary>A socket in a diff list (from B, or from A for a removed one); <paramref name="OldState"/> for a modified one.</summary>
public sealed record SocketDiffEntry(uint Pid, SocketInfo Socket, string? OldState = null);

/// <summary>A process whose dumped memory size differs; a side without the process (or without memory) counts as 0.</summary>
public sealed record ProcessMemoryChange(uint Pid, string Command, long OldBytes, long NewBytes)
{
    /// <summary>The growth in bytes (negative when the process shrank).</summary>
    public long ChangeBytes => NewBytes - OldBytes;
}

/// <summary>The processes only in B (added), only in A (removed), in both but different (modified) and the same (unchanged), each in PID order.</summary>
/// <param name="Added">Processes only in B.</param>
/// <param name="Removed">Processes only in A.</param>
/// <param name="Modified">Processes in both whose compared fields differ.</param>
/// <param name="Unchanged">Processes in both that are the same.</param>
public sealed record ProcessChanges(
    IReadOnlyList<ProcessDiffEntry> Added,
    IReadOnlyList<ProcessDiffEntry> Removed,
    IReadOnlyList<ProcessDiffEntry> Modified,
    IReadOnlyList<ProcessDiffEntry> Unchanged)
{
    /// <summary>A process was added, removed or modified.</summary>
    public bool HasChanges => Added.Count + Removed.Count + Modified.Count > 0;
}

/// <summary>The open files only in B (added), only in A (removed) and in both (unchanged).</summary>
/// <param name="Added">Files only in B.</param>
/// <param name="Removed">Files only in A.</param>
/// <param name="Unchanged">Files in both.</param>
public sealed record FileChanges(IReadOnlyList<FileDiffEntry> Added, IReadOnlyList<FileDiffEntry> Removed, IReadOnlyList<FileDiffEntry> Unchanged);

/// <summary>The sockets only in B (added), only in A (removed), in both with another state (modified) and the same (unchanged).</summary>
/// <param name="Added">Sockets only in B.</param>
/// <param name="Removed">Sockets only in A.</param>
/// <param name="Modified">Sockets in both whose state changed.</param>
/// <param name="Unchanged">Sockets in both that are the same.</param>
public sealed record SocketChanges(
    IReadOnlyList<SocketDiffEntry> Added,
    IReadOnlyList<SocketDiffEntry> Removed,
    IReadOnlyList<SocketDiffEntry> Modified,
    IReadOnlyList<SocketDiffEntry> Unchanged);

/// <summary>Total pages-size difference (tar headers, as upstream) and per-process dumped-memory differences.</summary>
public sealed record MemoryChanges(long SizeChangeBytes, IReadOnlyList<ProcessMemoryChange> Processes)
{
    /// <summary><see cref="SizeChangeBytes"/> in MiB.</summary>
    public double SizeChangeMegabytes => SizeChangeBytes / 1024.0 / 1024.0;
}

/// <summary>
/// The differences between two checkpoints of one container, computed from their <see cref="Inspection"/> models.
/// Every list is in a fixed order: PID, then fd, then socket key.
/// </summary>
public sealed class CheckpointDiff
{
    /// <summary>What was compared besides processes and memory.</summary>
    public required DiffOptions Options { get; init; }
    /// <summary>The ID of the container both checkpoints are of.</summary>
    public required string ContainerId { get; init; }
    /// <summary>The container's name (from B).</summary>
    public required string ContainerName { get; init; }
    /// <summary>The container's image (from B).</summary>
    public required string Image { get; init; }
    /// <summary>The first checkpoint's creation time and size.</summary>
    public required DiffSide A { get; init; }
    /// <summary>The second checkpoint's creation time and size.</summary>
    public required DiffSide B { get; init; }
    /// <summary>Processes added, removed, modified and unchanged.</summary>
    public required ProcessChanges Processes { get; init; }
    /// <summary>Open files added, removed and unchanged; null unless <see cref="DiffOptions.Files"/>.</summary>
    public FileChanges? Files { get; init; }
    /// <summary>The change of the pages size and of each process's dumped memory.</summary>
    public required MemoryChanges Memory { get; init; }
    /// <summary>Sockets added, removed, modified and unchanged; null unless <see cref="DiffOptions.Sockets"/>.</summary>
    public SocketChanges? Sockets { get; init; }

    /// <summary>B's process tree (for the annotated tree of <c>--show-unchanged</c>); null without pstree.img.</summary>
    public ProcessView? TreeB { get; init; }

    /// <summary>Reads both checkpoints and compares them.</summary>
    /// <exception cref="CheckpointException"><c>failed to load checkpointA: …</c>, <c>failed to load checkpointB: …</c>,
    /// or <see cref="DifferentContainersException"/>.</exception>
    public static CheckpointDiff Read(string pathA, string pathB, DiffOptions options)
    {
        var inspect = options.ToInspectOptions();
        var a = Load(pathA, inspect, "checkpointA");
        var b = Load(pathB, inspect, "checkpointB");
        return Compare(a, b, options);
    }

    private static Inspection Load(string path, InspectOptions options, string which) => Load(which, () => Inspection.Read(path, options));

    internal static T Load<T>(string which, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is CheckpointException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidCheckpointException($"failed to load {which}: {e.Message}", e);
        }
    }

    /// <summary>Compares two inspections of the same container.</summary>
    /// <exception cref="DifferentContainersException">The container IDs differ.</exception>
    public static CheckpointDiff Compare(Inspection a, Inspection b, DiffOptions options) => Compare(a, b, options, sameContainer: true);

    /// <summary>Compares two inspections; <paramref name="sameContainer"/> false for containers paired by name (a pod's).</summary>
    public static CheckpointDiff Compare(Inspection a, Inspection b, DiffOptions options, bool sameContainer)
    {
        if (sameContainer && a.Container.Config.Id != b.Container.Config.Id)
        {
            throw new DifferentContainersException(
                $"checkpoints are from different containers:\n  A: {a.Container.Name} ({a.Container.Config.Id})\n  B: {b.Container.Name} ({b.Container.Config.Id})");
        }
        var processesA = Flatten(a.ProcessTree);
        var processesB = Flatten(b.ProcessTree);
        return new CheckpointDiff
        {
            Options = options,
            ContainerId = a.Container.Config.Id,
            ContainerName = a.Container.Name,
            Image = a.Container.Config.RootfsImageName,
            A = new DiffSide(a.Container.Created, a.Sizes.CheckpointSize),
            B = new DiffSide(b.Container.Created, b.Sizes.CheckpointSize),
            Processes = CompareProcesses(processesA, processesB, options),
            Files = options.Files ? CompareFiles(a, b) : null,
            Memory = new MemoryChanges(b.Sizes.MemoryPagesSize - a.Sizes.MemoryPagesSize, CompareMemory(processesA, processesB)),
            Sockets = options.Sockets ? CompareSockets(a, b) : null,
            TreeB = b.ProcessTree,
        };
    }

    /// <summary>Upstream's summary: the container line, then a line per kind of change that is not empty.</summary>
    public string Summary
    {
        get
        {
            var lines = new List<string> { $"Checkpoint comparison for container {ContainerName}" };
            if (Processes.HasChanges)
                lines.Add($"Processes: +{Processes.Added.Count} -{Processes.Removed.Count} ~{Processes.Modified.Count}");
            if (Files is { } f && f.Added.Count + f.Removed.Count > 0)
                lines.Add($"Files: +{f.Added.Count} -{f.Removed.Count}");
            if (Sockets is { } s && s.Added.Count + s.Removed.Count + s.Modified.Count > 0)
                lines.Add($"Sockets: +{s.Added.Count} -{s.Removed.Count}" + (s.Modified.Count > 0 ? $" ~{s.Modified.Count}" : ""));
            if (Memory.SizeChangeBytes != 0)
                lines.Add($"Memory: {Megabytes(Memory.SizeChangeBytes, signed: true)} MB");
            return string.Join('\n', lines);
        }
    }

    /// <summary>
    /// <paramref name="bytes"/>/1024/1024 with two decimals, rounded half to even on the exact value as Go's <c>%.2f</c>
    /// does (so 128 KiB is <c>0.12</c>); <paramref name="signed"/> adds <c>+</c> to a non-negative value (Go's <c>%+.2f</c>).
    /// </summary>
    public static string Megabytes(long bytes, bool signed = false)
    {
        const long mib = 1024 * 1024;
        var hundredths = (Int128)bytes * 100;
        var negative = hundredths < 0;
        var magnitude = negative ? -hundredths : hundredths;
        var q = magnitude / mib;
        var r = magnitude % mib;
        if (r * 2 > mib || (r * 2 == mib && q % 2 == 1))
            q++;
        var text = (q / 100).ToString(CultureInfo.InvariantCulture) + "." + ((int)(q % 100)).ToString("00", CultureInfo.InvariantCulture);
        return (negative ? "-" : signed ? "+" : "") + text;
    }

    // --- processes -----------------------------------------------------------------------------------------------

    private static SortedDictionary<uint, ProcessView> Flatten(ProcessView? root)
    {
        var map = new SortedDictionary<uint, ProcessView>();
        if (root == null)
            return map;
        var stack = new Stack<ProcessView>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            var p = stack.Pop();
            map[p.Pid] = p;
            foreach (var child in p.Children)
                stack.Push(child);
        }
        return map;
    }

    private static ProcessChanges CompareProcesses(SortedDictionary<uint, ProcessView> a, SortedDictionary<uint, ProcessView> b, DiffOptions options)
    {
        List<ProcessDiffEntry> added = [], removed = [], modified = [], unchanged = [];
        foreach (var (pid, pb) in b)
        {
            if (!a.TryGetValue(pid, out var pa))
            {
                added.Add(Entry(pb, options, [], null));
                continue;
            }
            var changes = new List<FieldChange>();
            if (pa.Command != pb.Command)
                changes.Add(new FieldChange("command", pa.Command, pb.Command));
            if (options.PsTreeCmd && (pa.Cmdline ?? "") != (pb.Cmdline ?? ""))
                changes.Add(new FieldChange("cmdline", pa.Cmdline ?? "", pb.Cmdline ?? ""));
            if (pa.Ppid != pb.Ppid)
                changes.Add(new FieldChange("ppid", pa.Ppid.ToString(CultureInfo.InvariantCulture), pb.Ppid.ToString(CultureInfo.InvariantCulture)));
            if (pa.State != pb.State)
                changes.Add(new FieldChange("state", pa.StateName, pb.StateName));
            // A side without an environment (a dead or zombie task) is not compared; its state change says enough.
            var env = options.PsTreeEnv && pa.Environment != null && pb.Environment != null
                ? CompareEnvironments(pa.Environment, pb.Environment)
                : null;
            if (env is { IsEmpty: true })
                env = null;
            (changes.Count > 0 || env != null ? modified : unchanged).Add(Entry(pb, options, changes, env));
        }
        foreach (var (pid, pa) in a)
        {
            if (!b.ContainsKey(pid))
                removed.Add(Entry(pa, options, [], null));
        }
        return new ProcessChanges(added, removed, modified, unchanged);
    }

    private static ProcessDiffEntry Entry(ProcessView p, DiffOptions options, IReadOnlyList<FieldChange> changes, EnvironmentChanges? env) =>
        new(p.Pid, p.Command, options.PsTreeCmd ? p.Cmdline : null, changes, env);

    /// <summary>Variables only in <paramref name="b"/>, only in <paramref name="a"/>, and in both with different values.</summary>
    public static EnvironmentChanges CompareEnvironments(IReadOnlyList<KeyValuePair<string, string>> a, IReadOnlyList<KeyValuePair<string, string>> b)
    {
        var mapA = ToMap(a);
        var mapB = ToMap(b);
        var added = new List<KeyValuePair<string, string>>();
        var changed = new List<(string, string, string)>();
        foreach (var (k, vb) in mapB)
        {
            if (!mapA.TryGetValue(k, out var va))
                added.Add(new(k, vb));
            else if (va != vb)
                changed.Add((k, va, vb));
        }
        var removed = mapA.Where(e => !mapB.ContainsKey(e.Key)).ToList();
        return new EnvironmentChanges(added, removed, changed);
    }

    private static SortedDictionary<string, string> ToMap(IReadOnlyList<KeyValuePair<string, string>> env)
    {
        var map = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in env)
            map[k] = v;
        return map;
    }

    private static List<ProcessMemoryChange> CompareMemory(SortedDictionary<uint, ProcessView> a, SortedDictionary<uint, ProcessView> b)
    {
        var changes = new List<ProcessMemoryChange>();
        foreach (var pid in a.Keys.Union(b.Keys).Order())
        {
            a.TryGetValue(pid, out var pa);
            b.TryGetValue(pid, out var pb);
            var oldBytes = pa?.MemorySize ?? 0;
            var newBytes = pb?.MemorySize ?? 0;
            if (oldBytes != newBytes)
                changes.Add(new ProcessMemoryChange(pid, (pb ?? pa)!.Command, oldBytes, newBytes));
        }
        return changes;
    }

    // --- files ---------------------------------------------------------------------------------------------------

    private static FileChanges CompareFiles(Inspection a, Inspection b)
    {
        var filesA = FileEntries(a);
        var filesB = FileEntries(b);
        var keysA = filesA.Select(FileKey).ToHashSet();
        var keysB = filesB.Select(FileKey).ToHashSet();
        return new FileChanges(
            filesB.Where(f => !keysA.Contains(FileKey(f))).ToList(),
            filesA.Where(f => !keysB.Contains(FileKey(f))).ToList(),
            filesB.Where(f => keysA.Contains(FileKey(f))).ToList());
    }

    // Upstream's identity: PID, fd label and path; a file deleted since A (or no longer deleted) is removed and added.
    private static (uint, string, string, bool) FileKey(FileDiffEntry f) => (f.Pid, f.FdLabel, f.Path, f.Deleted);

    private static List<FileDiffEntry> FileEntries(Inspection inspection) =>
        (inspection.Files ?? [])
            .SelectMany(p => p.Files.Select((f, i) => (Entry: new FileDiffEntry(p.Pid, f.Fd, f.FdLabel, f.Type, f.Path, f.Deleted), Index: i)))
            .OrderBy(e => e.Entry.Pid)
            .ThenBy(e => e.Entry.Fd.HasValue ? 0 : 1)
            .ThenBy(e => e.Entry.Fd ?? 0)
            .ThenBy(e => e.Index)
            .Select(e => e.Entry)
            .ToList();

    // --- sockets -------------------------------------------------------------------------------------------------

    private static SocketChanges CompareSockets(Inspection a, Inspection b)
    {
        var socketsA = SocketEntries(a);
        var socketsB = SocketEntries(b);
        // Same-key sockets of a process (e.g. several unnamed UNIX sockets) are paired in fd order.
        var pending = new Dictionary<(uint, string), Queue<SocketDiffEntry>>();
        foreach (var s in socketsA)
        {
            var key = (s.Pid, SocketKey(s.Socket));
            if (!pending.TryGetValue(key, out var queue))
                pending[key] = queue = new Queue<SocketDiffEntry>();
            queue.Enqueue(s);
        }
        List<SocketDiffEntry> added = [], modified = [], unchanged = [];
        var matched = new HashSet<SocketDiffEntry>(ReferenceEqualityComparer.Instance);
        foreach (var s in socketsB)
        {
            if (pending.TryGetValue((s.Pid, SocketKey(s.Socket)), out var queue) && queue.Count > 0)
            {
                var old = queue.Dequeue();
                matched.Add(old);
                if (old.Socket.State != s.Socket.State)
                    modified.Add(s with { OldState = old.Socket.State });
                else
                    unchanged.Add(s);
            }
            else
            {
                added.Add(s);
            }
        }
        var removed = socketsA.Where(s => !matched.Contains(s)).ToList();
        return new SocketChanges(added, removed, modified, unchanged);
    }

    /// <summary>A socket's identity within its process: protocol, type, UNIX address, local and peer address and port.</summary>
    public static string SocketKey(SocketInfo s) =>
        string.Join('\0', s.Protocol, s.Type, s.Address, s.Source, s.SourcePort.ToString(CultureInfo.InvariantCulture),
            s.Destination, s.DestinationPort.ToString(CultureInfo.InvariantCulture));

    private static List<SocketDiffEntry> SocketEntries(Inspection inspection) =>
        (inspection.Sockets ?? [])
            .SelectMany(p => p.Sockets.Select(s => new SocketDiffEntry(p.Pid, s)))
            .OrderBy(s => s.Pid)
            .ThenBy(s => s.Socket.Fd)
            .ThenBy(s => SocketKey(s.Socket), StringComparer.Ordinal)
            .ToList();
}
