using System.Text;
using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Criu;
using Checkpointctl.Core.Criu.Images;
using Checkpointctl.Core.Metadata;
using Checkpointctl.Core.Model;
using Checkpointctl.Core.Pod;

namespace Checkpointctl.Core.Analysis;

/// <summary>A process as <c>inspect</c> shows it.</summary>
public sealed class ProcessView
{
    /// <summary>The process ID.</summary>
    public required uint Pid { get; init; }

    /// <summary>The parent PID (0 for the root).</summary>
    public uint Ppid { get; init; }

    /// <summary>The command name (<c>comm</c>).</summary>
    public required string Command { get; init; }
    /// <summary>The task state.</summary>
    public required TaskState State { get; init; }

    /// <summary>The argv area with NUL bytes as spaces (trailing space kept, as upstream); null unless asked for.</summary>
    public string? Cmdline { get; init; }

    /// <summary>Environment sorted by ordinal key; null unless asked for.</summary>
    public IReadOnlyList<KeyValuePair<string, string>>? Environment { get; init; }

    /// <summary>Dumped memory (pagemap page counts × page size, as <c>memparse</c>); null unless asked for or without a pagemap.</summary>
    public long? MemorySize { get; init; }

    /// <summary>The children, in PID order.</summary>
    public List<ProcessView> Children { get; } = [];

    /// <summary>The state as <c>inspect</c> prints it.</summary>
    public string StateName => Model.ProcessTree.Name(State);
}

/// <summary>Everything <c>inspect</c> shows for one checkpoint.</summary>
public sealed class Inspection
{
    /// <summary>The checkpoint as given.</summary>
    public required string Path { get; init; }
    /// <summary>What the engine recorded about the container.</summary>
    public required ContainerInfo Container { get; init; }
    /// <summary>Sizes from the archive's headers.</summary>
    public required CheckpointSizes Sizes { get; init; }
    /// <summary>The options the checkpoint was read with (normalized).</summary>
    public required InspectOptions Options { get; init; }

    /// <summary>A Podman pre-checkpoint export: its sizes are those of <c>pre-checkpoint/</c>; it has no processes.</summary>
    public bool IsPreCheckpoint { get; init; }

    /// <summary>The checkpoint image the checkpoint was read from, or null for a plain checkpoint.</summary>
    public ImageDescription? Image { get; init; }
    /// <summary>CRIU's dump statistics; null unless asked for.</summary>
    public DumpStatsEntry? Stats { get; init; }
    /// <summary>The (PID-rooted) process tree; null unless asked for.</summary>
    public ProcessView? ProcessTree { get; init; }
    /// <summary>Each process's open files, in PID order; null unless asked for.</summary>
    public IReadOnlyList<(uint Pid, IReadOnlyList<OpenFile> Files)>? Files { get; init; }
    /// <summary>Each process's sockets, in PID order (processes without sockets left out); null unless asked for.</summary>
    public IReadOnlyList<(uint Pid, IReadOnlyList<SocketInfo> Sockets)>? Sockets { get; init; }

    /// <summary>With <c>--threads</c>: every process of the (PID-rooted) tree in PID order, dead ones included.</summary>
    public IReadOnlyList<ProcessThreads>? Threads { get; init; }

    /// <summary>With <c>--memory-map</c>: the alive and stopped processes of the (PID-rooted) tree in PID order.</summary>
    public IReadOnlyList<ProcessMemoryMap>? MemoryMaps { get; init; }

    /// <summary>With <c>--namespaces</c>.</summary>
    public NamespaceView? Namespaces { get; init; }

    /// <summary>With <c>--security</c>: the alive and stopped processes of the (PID-rooted) tree in PID order.</summary>
    public IReadOnlyList<ProcessSecurity>? Security { get; init; }

    /// <summary>With <c>--cgroups</c>: the alive and stopped processes of the (PID-rooted) tree in PID order.</summary>
    public CgroupView? Cgroups { get; init; }

    /// <summary>With <c>--inventory</c>.</summary>
    public InventoryView? Inventory { get; init; }

    /// <summary>With <c>--rootfs-diff</c>.</summary>
    public RootfsChanges? RootfsChanges { get; init; }

    /// <summary>With <c>--logs</c>.</summary>
    public LogCapture? Logs { get; init; }

    /// <summary>With <c>--mounts</c>: see <see cref="MountPoints.Of"/>; null when not asked for or nothing is recorded.</summary>
    public IReadOnlyList<MountPoint>? Mounts { get; init; }
    /// <summary>CRIU plugins and GPU images (shown only when <see cref="GpuState.IsPresent"/>).</summary>
    public GpuState Gpu { get; init; } = new();

    /// <summary>Bytes read from the archive file (compressed bytes for compressed input), all passes together.</summary>
    public long BytesRead { get; init; }

    /// <summary>Reads one checkpoint: one pass (two only for a compressed archive whose pages precede their pagemaps).</summary>
    /// <exception cref="CheckpointException">With upstream's wording for each part; a pod with several containers.</exception>
    public static Inspection Read(CheckpointInput input, InspectOptions options) => ReadAll(input, options).Items switch
    {
        [var one] => one.Value,
        var many => throw new MissingCheckpointDataException(
            $"pod checkpoint {input.Path} has {many.Count} containers ({string.Join(", ", many.Select(m => m.Container!.Name))}); select one with --container"),
    };

    /// <summary>
    /// Reads a checkpoint, or the containers of a pod checkpoint that <paramref name="containers"/> select (all without
    /// a selector), in the same single pass.
    /// </summary>
    /// <exception cref="CheckpointException">With upstream's wording for each part.</exception>
    public static CheckpointResults<Inspection> ReadAll(CheckpointInput input, InspectOptions options, IReadOnlyList<string>? containers = null)
    {
        options = options.Normalize();
        var gpuHeaders = new AmdGpuImageHeaders();
        var logs = options.Inventory || options.Logs ? new LogCapture(options.Logs ? options.LogTail : 0) : null;
        var rootfs = options.RootfsDiff ? new RootfsChanges() : null;
        return CheckpointSet.Read(input, options.ToRequest(gpuHeaders, logs, rootfs), options.PagesPlan, containers,
            root => Read(input.Path, root, options, gpuHeaders.Under(root.Root), logs?.Under(root.Root), rootfs?.Under(root.Root)));
    }

    private static Inspection Read(string path, CheckpointRoot checkpoint, InspectOptions options, AmdGpuImageHeaders gpuHeaders, LogCapture? logs,
        RootfsChanges? rootfs)
    {
        var pages = checkpoint.Pages;
        if (checkpoint.IsPreCheckpoint && (options.NeedsProcesses || options.Files || options.Sockets || options.Mounts))
        {
            throw new MissingCheckpointDataException(
                $"{path} is a pre-checkpoint export: pre-checkpoint/ holds the processes' memory at pre-dump time, no process tree, files or sockets "
                + "(memparse reads its memory)");
        }
        using var parents = new ParentChain { Explicit = options.Parent, Plan = ArgumentAreas.ForParent };
        var archive = pages.Archive;
        logs?.Complete(archive);
        var container = ContainerInfo.Read(archive, withNetwork: true);
        var images = new CriuImages(pages, parents, checkpoint.ImageSet);
        // containerd's checkpoint image has no CRIU statistics: --all shows none rather than failing (--stats still asks).
        var noStats = (options.OptionalStats || (options.All && archive.Image is { IsContainerdCheckpoint: true })) && !archive.Contains(ArchiveLayout.StatsDump);
        var stats = options.Stats && !noStats ? ReadStats(archive) : null;
        var gpu = Wrap("failed to get GPU state: ", () => GpuState.Read(images, gpuHeaders));
        ProcessNode? root = null;
        if (options.NeedsProcesses && !(options.OptionalProcessTree && !images.Has("pstree.img")))
        {
            root = Wrap("failed to get process tree: ", () => Model.ProcessTree.Build(images));
            if (options.Pid != 0)
                root = root.Find(options.Pid) ?? throw new MissingCheckpointDataException(
                    $"failed to get process tree: no process with PID {options.Pid} (use `inspect --ps-tree` to view all PIDs)");
        }
        var tree = root != null && options.PsTree ? Wrap("failed to get process tree: ", () => View(images, root, options)) : null;
        // Upstream lists files and sockets by PID (not in tree order).
        var withImages = root?.DepthFirst().Where(n => n.HasImages).OrderBy(n => n.Pid).ToList() ?? [];
        var files = options.Files
            ? Wrap("failed to get file descriptors: ", () => withImages.Select(n => (n.Pid, OpenFiles.Of(images, n.Pid))).ToList())
            : null;
        var sockets = options.Sockets
            ? Wrap("failed to get sockets: ", () => withImages.Select(n => (n.Pid, Model.Sockets.Of(images, n.Pid))).Where(s => s.Item2.Count > 0).ToList())
            : null;
        var byPid = root?.DepthFirst().OrderBy(n => n.Pid).ToList() ?? [];
        var threads = options.Threads
            ? Wrap("failed to get threads: ", () => byPid.Select(n => ThreadView.Of(images, n, options.Registers)).ToList())
            : null;
        var memoryMaps = options.MemoryMap
            ? Wrap("failed to get memory map: ", () => byPid.Where(n => n.HasImages).Select(n => Model.MemoryMap.Of(images, n)).ToList())
            : null;
        var namespaces = options.Namespaces ? Wrap("failed to get namespaces: ", () => NamespaceView.Read(images, byPid)) : null;
        var security = options.Security
            ? Wrap("failed to get security: ", () => byPid.Where(n => n.HasImages).Select(n => SecurityView.Of(images, n)).ToList())
            : null;
        var cgroups = options.Cgroups ? Wrap("failed to get cgroups: ", () => CgroupView.Read(images, byPid)) : null;
        var inventory = options.Inventory
            ? Wrap("failed to get inventory: ", () => InventoryView.Read(images, logs?.DumpLog,
                container.Annotations.FirstOrDefault(a => a.Key == CheckpointAnnotations.CriuVersion).Value))
            : null;
        if (rootfs != null)
            Wrap("failed to get root file system changes: ", () => { rootfs.ReadDeleted(archive); return rootfs; });
        return new Inspection
        {
            Path = path,
            Container = container,
            Sizes = archive.SizesOf(checkpoint.ImageSet),
            IsPreCheckpoint = checkpoint.IsPreCheckpoint,
            Options = options,
            Image = archive.Image,
            Stats = stats,
            ProcessTree = tree,
            Files = files,
            Sockets = sockets,
            Threads = threads,
            MemoryMaps = memoryMaps,
            Namespaces = namespaces,
            Security = security,
            Cgroups = cgroups,
            Inventory = inventory,
            RootfsChanges = rootfs,
            Logs = options.Logs ? logs : null,
            Mounts = options.Mounts ? Wrap("failed to get mounts: ", () => MountPoints.Of(container, images)) : null,
            Gpu = gpu,
            BytesRead = pages.BytesRead,
        };
    }

    private static DumpStatsEntry ReadStats(CheckpointArchive archive)
    {
        var bytes = archive.TryGetBytes(ArchiveLayout.StatsDump)
            ?? throw new MissingCheckpointDataException($"failed to get dump statistics: open {ArchiveLayout.StatsDump}: no such file or directory");
        return Wrap("failed to get dump statistics: ",
            () => CriuImages.ReadSingle(ArchiveLayout.StatsDump, bytes, CriuMagic.Stats, StatsEntry.Parser).Dump ?? new DumpStatsEntry());
    }

    private static ProcessView View(CriuImages images, ProcessNode node, InspectOptions options)
    {
        string? cmdline = null;
        IReadOnlyList<KeyValuePair<string, string>>? env = null;
        if (node.HasImages && options.PsTreeCmd)
        {
            cmdline = Wrap("failed to build JSON process tree node: failed to process command line arguments: ", () =>
            {
                var mm = images.Mm(node.Pid);
                var area = images.Memory(node.Pid).Read(mm.MmArgStart, mm.MmArgEnd);
                area.AsSpan().Replace((byte)0, (byte)' ');
                return Encoding.UTF8.GetString(area);
            });
        }
        if (node.HasImages && options.PsTreeEnv)
        {
            env = Wrap("failed to build JSON process tree node: ", () =>
            {
                var mm = images.Mm(node.Pid);
                return ParseEnvironment(images.Memory(node.Pid).Read(mm.MmEnvStart, mm.MmEnvEnd));
            });
        }
        long? memory = null;
        if (node.HasImages && options.ProcessMemory && images.Has($"pagemap-{node.Pid}.img"))
        {
            var pagemap = images.Pagemap(node.Pid);
            memory = checked((long)(pagemap.TotalPages * (ulong)pagemap.PageSize));
        }
        var view = new ProcessView
        {
            Pid = node.Pid, Ppid = node.Ppid, Command = node.Comm, State = node.State, Cmdline = cmdline, Environment = env, MemorySize = memory,
        };
        // Dead, zombie and unknown tasks show nothing below them, as upstream.
        if (node.State is TaskState.Alive or TaskState.Stopped)
        {
            foreach (var child in node.Children)
                view.Children.Add(View(images, child, options));
        }
        return view;
    }

    /// <summary>Splits the environment area on NUL (empty strings dropped) and each entry at its first <c>=</c>; last duplicate wins.</summary>
    /// <exception cref="InvalidCheckpointException"><c>invalid environment variable s</c> for an entry without a name.</exception>
    public static IReadOnlyList<KeyValuePair<string, string>> ParseEnvironment(ReadOnlySpan<byte> area)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        // Entry by entry: the area may be up to 64 MiB, so never one string of it and an index of every NUL.
        while (!area.IsEmpty)
        {
            var end = area.IndexOf((byte)0);
            var bytes = end < 0 ? area : area[..end];
            area = end < 0 ? [] : area[(end + 1)..];
            if (bytes.IsEmpty)
                continue;
            var entry = Encoding.UTF8.GetString(bytes);
            var eq = entry.IndexOf('=');
            if (eq <= 0)
                throw new InvalidCheckpointException($"invalid environment variable {entry}");
            map[entry[..eq]] = entry[(eq + 1)..];
        }
        return map.OrderBy(e => e.Key, StringComparer.Ordinal).ToList();
    }

    private static T Wrap<T>(string prefix, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (CheckpointException e) when (!e.Message.StartsWith(prefix, StringComparison.Ordinal))
        {
            throw new InvalidCheckpointException(prefix + e.Message, e);
        }
    }
}
