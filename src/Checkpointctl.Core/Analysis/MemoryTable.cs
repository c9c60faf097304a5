using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Model;
using Checkpointctl.Core.Pod;

namespace Checkpointctl.Core.Analysis;

/// <summary>One row of <c>memparse</c>'s size table.</summary>
/// <param name="MemorySize">Dumped pages (Σ pagemap page counts × page size); reads no pages.</param>
/// <param name="SharedMemorySize">Σ sizes of the process's MAP_SHARED mappings.</param>
/// <param name="StoredSize">Bytes its pages take in the pages file (compressed size, padding not counted).</param>
/// <param name="Compressed">Some of its pages are stored compressed.</param>
/// <param name="PagesPerLevel">Its dumped pages in the dump, then (incremental dumps) in its parent, grandparent….</param>
/// <param name="Pid">The process ID.</param>
/// <param name="Name">The command name.</param>
/// <param name="PreDump">From a pre-checkpoint export: memory only (no name, no mappings, so no shared memory size).</param>
public sealed record ProcessMemorySize(uint Pid, string Name, long MemorySize, long SharedMemorySize, long StoredSize = 0, bool Compressed = false,
    IReadOnlyList<ulong>? PagesPerLevel = null, bool PreDump = false);

/// <summary>A row of <c>memparse</c>'s table with filters: a selected mapping of a process and the memory dumped in it.</summary>
/// <param name="MemorySize">Bytes of the range that the process's pagemap covers (as upstream's MEMORY SIZE counts pages).</param>
/// <param name="Pid">The process ID.</param>
/// <param name="Name">The command name.</param>
/// <param name="Range">The selected part of the mapping.</param>
public sealed record MappingMemorySize(uint Pid, string Name, SelectedRange Range, long MemorySize);

/// <summary>The process memory size table of <c>memparse</c> without <c>--pid</c>.</summary>
public static class MemoryTable
{
    private const uint MapShared = 0x01;

    // Where a process's dumped pages live: present in the dump, then what each parent holds of the rest.
    private static List<ulong> PagesPerLevel(CriuImages images, uint pid)
    {
        var pagemap = images.Pagemap(pid);
        var inParent = pagemap.ParentRanges([(0, ulong.MaxValue)]);
        var counts = new List<ulong> { pagemap.PresentPages };
        for (var level = images; inParent.Count > 0;)
        {
            level = level.Parent();
            var parentMap = level.Pagemap(pid);
            counts.Add(parentMap.PresentPagesIn(inParent));
            inParent = parentMap.ParentRanges(inParent);
        }
        return counts;
    }

    /// <summary>The archive members the table needs.</summary>
    public static ArchiveRequest Request { get; } = new()
    {
        Hold = [.. CriuImages.ProcessTreeImages, .. CriuImages.MemoryMapImages],
        AcceptPreCheckpoint = true,
    };

    /// <summary>With filters: the selected mappings of every alive or stopped process, by PID then address; no pages are read.</summary>
    public static IReadOnlyList<MappingMemorySize> ReadMappings(CheckpointInput input, MemoryFilter filter)
    {
        using var set = CheckpointSet.Open(input, new ArchiveRequest { Hold = MemoryMap.Images }, PagesPlan.None);
        return Mappings(set.Single().Pages, filter);
    }

    /// <summary>The selected mappings of a checkpoint, or of each container of a pod checkpoint <paramref name="containers"/> select, from one pass.</summary>
    public static CheckpointResults<IReadOnlyList<MappingMemorySize>> ReadAllMappings(CheckpointInput input, MemoryFilter filter,
        IReadOnlyList<string>? containers = null) =>
        CheckpointSet.Read(input, new ArchiveRequest { Hold = MemoryMap.Images }, PagesPlan.None, containers, root => Mappings(root.Pages, filter));

    private static IReadOnlyList<MappingMemorySize> Mappings(PageSource pages, MemoryFilter filter)
    {
        var images = new CriuImages(pages);
        var rows = new List<MappingMemorySize>();
        foreach (var node in ProcessTree.Build(images).DepthFirst().Where(n => n.HasImages).OrderBy(n => n.Pid))
        {
            var pagemap = images.Has($"pagemap-{node.Pid}.img") ? images.Pagemap(node.Pid) : null;
            foreach (var range in filter.Select(MemoryMap.Of(images, node)))
                rows.Add(new MappingMemorySize(node.Pid, node.Comm, range, pagemap == null ? 0 : CoveredBytes(pagemap, range.Start, range.End)));
        }
        return rows;
    }

    // Bytes of [start, end) inside the pagemap's runs, whatever their flags (upstream's MEMORY SIZE counts every run).
    private static long CoveredBytes(Criu.Pagemap pagemap, ulong start, ulong end)
    {
        ulong bytes = 0;
        foreach (var run in pagemap.Runs)
        {
            var s = Math.Max(start, run.Address);
            var e = Math.Min(end, run.Address + run.PageCount * (ulong)pagemap.PageSize);
            if (s < e)
                bytes += e - s;
        }
        return checked((long)bytes);
    }

    /// <summary>Rows of alive and stopped processes in PID order (a dead or zombie process and its subtree are left out).</summary>
    /// <param name="parent">The parent image set of an incremental dump (<c>--parent</c>), when it is not found from the dump.</param>
    /// <param name="input">The checkpoint.</param>
    public static IReadOnlyList<ProcessMemorySize> Read(CheckpointInput input, CheckpointInput? parent = null)
    {
        using var set = CheckpointSet.Open(input, Request, PagesPlan.None);
        return Read(set.Single(), parent);
    }

    /// <summary>The rows of a checkpoint, or of each container of a pod checkpoint <paramref name="containers"/> select, from one pass.</summary>
    public static CheckpointResults<IReadOnlyList<ProcessMemorySize>> ReadAll(CheckpointInput input, CheckpointInput? parent = null,
        IReadOnlyList<string>? containers = null) =>
        CheckpointSet.Read(input, Request, PagesPlan.None, containers, root => Read(root, parent));

    private static IReadOnlyList<ProcessMemorySize> Read(CheckpointRoot checkpoint, CheckpointInput? parent)
    {
        using var parents = new ParentChain { Explicit = parent };
        var images = new CriuImages(checkpoint.Pages, parents, checkpoint.ImageSet);
        if (checkpoint.IsPreCheckpoint)
        {
            return MemoryScan.PreCheckpointPids(images).Select(pid =>
            {
                var pagemap = images.Pagemap(pid);
                return new ProcessMemorySize(pid, "", checked((long)(pagemap.TotalPages * (ulong)pagemap.PageSize)), 0, pagemap.StoredBytes,
                    pagemap.IsCompressed, PagesPerLevel(images, pid), PreDump: true);
            }).ToList();
        }
        var root = ProcessTree.Build(images);
        var rows = new List<ProcessMemorySize>();
        Walk(root);
        return rows.OrderBy(r => r.Pid).ToList();

        void Walk(ProcessNode node)
        {
            if (!node.HasImages)
                return;
            var pagemap = images.Pagemap(node.Pid);
            long shared = 0;
            foreach (var v in images.Vmas(node.Pid).Where(v => (v.Flags & MapShared) != 0 && v.End >= v.Start))
            {
                // Real mappings are disjoint; hostile ones must not wrap the sum into a small or negative size.
                if (v.End - v.Start > (ulong)(long.MaxValue - shared))
                    throw new InvalidCheckpointException($"mm-{node.Pid}.img: shared mappings cover more than {long.MaxValue} bytes");
                shared += (long)(v.End - v.Start);
            }
            rows.Add(new ProcessMemorySize(node.Pid, node.Comm, checked((long)(pagemap.TotalPages * (ulong)pagemap.PageSize)), shared,
                pagemap.StoredBytes, pagemap.IsCompressed, PagesPerLevel(images, node.Pid)));
            foreach (var child in node.Children)
                Walk(child);
        }
    }
}
