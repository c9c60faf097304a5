using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Model;

namespace Checkpointctl.Core.Analysis;

/// <summary>What <c>inspect</c> shows; <see cref="Normalize"/> applies the implications between flags.</summary>
public sealed record InspectOptions
{
    public bool Stats { get; init; }
    public bool Mounts { get; init; }
    public bool PsTree { get; init; }
    public bool PsTreeCmd { get; init; }
    public bool PsTreeEnv { get; init; }
    public bool Files { get; init; }
    public bool Sockets { get; init; }
    public bool Metadata { get; init; }
    public bool All { get; init; }

    /// <summary>Root the process tree (and the files and sockets lists) at this PID; 0 for the whole tree.</summary>
    public uint Pid { get; init; }

    /// <summary>Compute <see cref="ProcessView.MemorySize"/> for each process (reads mm and pagemap images, no pages).</summary>
    public bool ProcessMemory { get; init; }

    /// <summary>A checkpoint without <c>pstree.img</c> has no process tree (and no files or sockets) instead of an error.</summary>
    public bool OptionalProcessTree { get; init; }

    /// <summary>The parent image set of an incremental dump (<c>--parent</c>), when it is not found from the dump itself.</summary>
    public CheckpointInput? Parent { get; init; }

    public bool NeedsMemory => PsTreeCmd || PsTreeEnv;

    /// <summary>The pages these options read: the argument and environment areas, or none.</summary>
    public PagesPlan PagesPlan => NeedsMemory ? ArgumentAreas.Plan : PagesPlan.None;

    /// <summary><c>--all</c> turns on everything; a PID, files, sockets, cmd or env turn on the process tree.</summary>
    public InspectOptions Normalize()
    {
        var o = All ? this with { Stats = true, Mounts = true, PsTreeCmd = true, PsTreeEnv = true, Files = true, Sockets = true, Metadata = true } : this;
        return o with { PsTree = o.PsTree || o.Pid != 0 || o.PsTreeCmd || o.PsTreeEnv || o.Files || o.Sockets || o.ProcessMemory };
    }

    /// <summary>
    /// The archive members these options need, pages aside (see <see cref="PagesPlan"/>); GPU images only as far as
    /// <paramref name="gpu"/> reads their headers.
    /// </summary>
    public ArchiveRequest ToRequest(AmdGpuImageHeaders? gpu = null)
    {
        var hold = new List<MemberPattern> { ArchiveLayout.ConfigDump, ArchiveLayout.SpecDump, ArchiveLayout.NetworkStatus };
        hold.AddRange(GpuState.DetailImages);
        if (Stats)
            hold.Add(ArchiveLayout.StatsDump);
        if (Mounts)
            hold.Add(MountPoints.Images);
        if (PsTree)
            hold.AddRange(CriuImages.ProcessTreeImages);
        if (NeedsMemory || ProcessMemory)
            hold.AddRange(CriuImages.MemoryMapImages);
        if (Files)
            hold.AddRange(CriuImages.FileImages);
        if (Sockets)
            hold.AddRange(CriuImages.SocketImages);
        return new ArchiveRequest
        {
            Hold = hold.Distinct().ToList(),
            Consumers = gpu?.Consumers ?? [],
            NeedIndex = true,
        };
    }
}
