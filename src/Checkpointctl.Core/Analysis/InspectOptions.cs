using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Metadata;
using Checkpointctl.Core.Model;

namespace Checkpointctl.Core.Analysis;

/// <summary>What <c>inspect</c> shows; <see cref="Normalize"/> applies the implications between flags.</summary>
public sealed record InspectOptions
{
    /// <summary>CRIU's dump statistics (<c>--stats</c>).</summary>
    public bool Stats { get; init; }
    /// <summary>The container's mounts (<c>--mounts</c>).</summary>
    public bool Mounts { get; init; }
    /// <summary>The process tree (<c>--ps-tree</c>).</summary>
    public bool PsTree { get; init; }
    /// <summary>The process tree with command lines (<c>--ps-tree-cmd</c>; reads the argument pages).</summary>
    public bool PsTreeCmd { get; init; }
    /// <summary>The process tree with environments (<c>--ps-tree-env</c>; reads the environment pages).</summary>
    public bool PsTreeEnv { get; init; }
    /// <summary>Each process's open files (<c>--files</c>).</summary>
    public bool Files { get; init; }
    /// <summary>Each process's sockets (<c>--sockets</c>).</summary>
    public bool Sockets { get; init; }
    /// <summary>The pod and annotations of the container (<c>--metadata</c>).</summary>
    public bool Metadata { get; init; }
    /// <summary>Everything upstream's <c>--all</c> shows.</summary>
    public bool All { get; init; }

    /// <summary>Each thread's names, signals, scheduling and seccomp mode (<c>--threads</c>).</summary>
    public bool Threads { get; init; }

    /// <summary>The threads view with every thread's registers (<c>--registers</c>).</summary>
    public bool Registers { get; init; }

    /// <summary>Each process's mappings as <c>/proc/PID/maps</c> lines with their page counts (<c>--memory-map</c>).</summary>
    public bool MemoryMap { get; init; }

    /// <summary>Each process's namespace IDs and what the namespace images record (<c>--namespaces</c>).</summary>
    public bool Namespaces { get; init; }

    /// <summary>Each process's credentials, capabilities, securebits, seccomp and LSM label (<c>--security</c>).</summary>
    public bool Security { get; init; }

    /// <summary>Each process's cgroup set, and the paths and recorded properties (limits) of its cgroups (<c>--cgroups</c>).</summary>
    public bool Cgroups { get; init; }

    /// <summary>What CRIU recorded about the dump (<c>--inventory</c>).</summary>
    public bool Inventory { get; init; }

    /// <summary>The files changed and deleted in the container (<c>--rootfs-diff</c>).</summary>
    public bool RootfsDiff { get; init; }

    /// <summary>The container log and dump.log's warnings and errors (<c>--logs</c>).</summary>
    public bool Logs { get; init; }

    /// <summary>Last lines of the container log shown with <see cref="Logs"/>; negative for all.</summary>
    public int LogTail { get; init; } = DefaultLogTail;

    /// <summary>The container log lines <c>--logs</c> shows without <c>--tail</c>.</summary>
    public const int DefaultLogTail = 20;

    /// <summary>Everything upstream's <c>--all</c> shows plus every view of this tool.</summary>
    public bool Everything { get; init; }

    /// <summary>Root the process tree (and the files and sockets lists) at this PID; 0 for the whole tree.</summary>
    public uint Pid { get; init; }

    /// <summary>Compute <see cref="ProcessView.MemorySize"/> for each process (reads mm and pagemap images, no pages).</summary>
    public bool ProcessMemory { get; init; }

    /// <summary>A checkpoint without <c>pstree.img</c> has no process tree (and no files or sockets) instead of an error.</summary>
    public bool OptionalProcessTree { get; init; }

    /// <summary>A checkpoint without <c>stats-dump</c> has no statistics (<see cref="Inspection.Stats"/> null) instead of an error.</summary>
    public bool OptionalStats { get; init; }

    /// <summary>The parent image set of an incremental dump (<c>--parent</c>), when it is not found from the dump itself.</summary>
    public CheckpointInput? Parent { get; init; }

    /// <summary>Command lines or environments are asked for, so argument pages are read.</summary>
    public bool NeedsMemory => PsTreeCmd || PsTreeEnv;

    /// <summary>A view that lists processes is asked for, so the process tree is read (and shown only with <see cref="PsTree"/>).</summary>
    public bool NeedsProcesses => PsTree || Threads || MemoryMap || Namespaces || Security || Cgroups;

    /// <summary>The pages these options read: the argument and environment areas, or none.</summary>
    public PagesPlan PagesPlan => NeedsMemory ? ArgumentAreas.Plan : PagesPlan.None;

    /// <summary><c>--all</c> turns on everything; a PID, files, sockets, cmd or env turn on the process tree.</summary>
    public InspectOptions Normalize()
    {
        var o = Everything ? this with { All = true, Threads = true, Registers = true, MemoryMap = true, Namespaces = true, Security = true, Cgroups = true, Inventory = true, RootfsDiff = true, Logs = true } : this;
        o = o.All ? o with { Stats = true, Mounts = true, PsTreeCmd = true, PsTreeEnv = true, Files = true, Sockets = true, Metadata = true } : o;
        o = o with { Threads = o.Threads || o.Registers };
        return o with { PsTree = o.PsTree || o.Pid != 0 || o.PsTreeCmd || o.PsTreeEnv || o.Files || o.Sockets || o.ProcessMemory };
    }

    /// <summary>
    /// The archive members these options need, pages aside (see <see cref="PagesPlan"/>); GPU images only as far as
    /// <paramref name="gpu"/> reads their headers.
    /// </summary>
    public ArchiveRequest ToRequest(AmdGpuImageHeaders? gpu = null, LogCapture? logs = null, RootfsChanges? rootfs = null)
    {
        var hold = new List<MemberPattern> { ArchiveLayout.ConfigDump, ArchiveLayout.SpecDump, ArchiveLayout.NetworkStatus };
        hold.AddRange(GpuState.DetailImages);
        if (Stats)
            hold.Add(ArchiveLayout.StatsDump);
        if (Mounts)
            hold.Add(MountPoints.Images);
        if (PsTree)
            hold.AddRange(CriuImages.ProcessTreeImages);
        if (Threads)
            hold.AddRange(ThreadView.Images);
        if (MemoryMap)
            hold.AddRange(Model.MemoryMap.Images);
        if (Namespaces)
            hold.AddRange(NamespaceView.Images);
        if (Security)
            hold.AddRange(SecurityView.Images);
        if (Cgroups)
            hold.AddRange(CgroupView.Images);
        if (Inventory)
            hold.AddRange(InventoryView.Images);
        if (rootfs != null)
            hold.Add(RootfsChanges.DeletedFiles);
        if (NeedsMemory || ProcessMemory)
            hold.AddRange(CriuImages.MemoryMapImages);
        if (Files)
            hold.AddRange(CriuImages.FileImages);
        if (Sockets)
            hold.AddRange(CriuImages.SocketImages);
        return new ArchiveRequest
        {
            Hold = hold.Distinct().ToList(),
            Consumers = [.. gpu?.Consumers ?? [], .. logs?.Consumers ?? [], .. rootfs != null ? [rootfs.Consumer] : Array.Empty<MemberConsumer>()],
            NeedIndex = true,
            // Its overview, statistics and inventory; anything about processes is refused with what it is.
            AcceptPreCheckpoint = true,
        };
    }
}
