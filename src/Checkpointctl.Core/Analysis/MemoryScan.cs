using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Criu;
using Checkpointctl.Core.Model;
using Checkpointctl.Core.Pod;

namespace Checkpointctl.Core.Analysis;

/// <summary>Receives a process's dumped memory in address order, in chunks of whole pages.</summary>
public interface IMemorySink
{
    /// <summary>Called once before any data, with the process's pagemap.</summary>
    void Begin(Pagemap pagemap);

    /// <summary>The next chunk; a chunk whose address does not continue the previous one starts a new contiguous range.</summary>
    void Write(ulong address, ReadOnlySpan<byte> data);

    /// <summary>Called once after the last chunk, only when the whole scan succeeded.</summary>
    void End();
}

/// <summary>
/// Streams every dumped page of one process (PE_PRESENT runs, in pagemap order) to a sink, reading the pages file
/// once from start to end: in place in a plain tar or directory, or while a compressed archive streams past.
/// </summary>
public static class MemoryScan
{
    private const int ChunkBytes = 1 << 20;
    private const int BufferCount = 4;

    /// <summary>Bytes the scan will deliver: pages in this or a parent image set × page size (for progress).</summary>
    public static long PresentBytes(Pagemap pagemap) => (long)pagemap.DumpedPages * pagemap.PageSize;

    /// <exception cref="CheckpointException">Unknown or dead PID (upstream's messages), missing or short images.</exception>
    /// <param name="parent">The parent image set of an incremental dump (<c>--parent</c>), when it is not found from the dump.</param>
    /// <param name="only">Address ranges (sorted, disjoint) to deliver; null for all dumped memory.</param>
    /// <param name="containers">Of a pod checkpoint, the one container to read (needed when it has several).</param>
    /// <param name="input">The checkpoint.</param>
    /// <param name="pid">The process whose memory is delivered.</param>
    /// <param name="sink">Receives the memory.</param>
    public static void Run(CheckpointInput input, uint pid, IMemorySink sink, CheckpointInput? parent = null,
        IReadOnlyList<(ulong Start, ulong End)>? only = null, IReadOnlyList<string>? containers = null)
    {
        var pagemapImage = ArchiveLayout.Image($"pagemap-{pid}.img");
        var request = new ArchiveRequest
        {
            Hold = [.. CriuImages.ProcessTreeImages, pagemapImage, ArchiveLayout.Image($"mm-{pid}.img"), ArchiveLayout.Image("inventory.img")],
            AcceptPreCheckpoint = true,
        };
        // The process's pages member is read front to back; a streamed pass waits there while it is.
        var sequential = new PagesPlan { Sequential = (member, archive) => IsPagesOf(pid, member, archive) };
        using var set = CheckpointSet.Open(input, request, sequential, containers);
        var root = set.Single();
        var pages = root.Pages;
        // Parents are read in step with the dump, each in its own pass, front to back.
        using var parents = new ParentChain { Explicit = parent, Plan = _ => sequential };
        var images = new CriuImages(pages, parents, root.ImageSet);
        if (root.IsPreCheckpoint)
        {
            // Memory only: the PIDs are those of its pagemaps.
            if (!images.Has($"pagemap-{pid}.img"))
                throw new MissingCheckpointDataException($"no process with PID {pid} in pre-checkpoint export {pages.Archive.Path} (it holds the memory of PIDs {string.Join(", ", PreCheckpointPids(images))})");
            Stream(images.Memory(pid), sink, only);
            pages.Finish();
            sink.End();
            return;
        }
        // A streamed pass that waits at the pages has not seen pstree.img yet (it sorts after them): the PID's own core
        // must say it has memory before anything is shown; the tree is checked when the pass has ended.
        var treeChecked = pages.Archive.IsIndexComplete;
        if (treeChecked)
            FindProcess(images, pid);
        else
            CheckCore(images, pid);
        Stream(images.Memory(pid), sink, only);
        pages.Finish();
        if (!treeChecked)
            FindProcess(images, pid);
        sink.End();
    }

    /// <summary>The PIDs whose memory an image set holds (its <c>pagemap-PID.img</c>), ascending: all a pre-checkpoint export says of its processes.</summary>
    public static IReadOnlyList<uint> PreCheckpointPids(CriuImages images) =>
        [.. images.Archive.MembersMatching(images.Prefix + "pagemap-*.img")
            .Select(m => uint.TryParse(m.Name.AsSpan(images.Prefix.Length + "pagemap-".Length).TrimEnd(".img"), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out var pid) ? pid : 0)
            .Where(pid => pid != 0).Order()];

    // The pages member of the process's pagemap in the same image set (held before it, as usual).
    private static bool IsPagesOf(uint pid, ArchiveMember member, CheckpointArchive archive)
    {
        var prefix = member.Name[..(member.Name.LastIndexOf('/') + 1)];
        var images = new CriuImages(PageSource.Of(archive), prefix: prefix);
        return images.Has($"pagemap-{pid}.img") && prefix + images.Pagemap(pid).PagesImageName == member.Name;
    }

    /// <summary>The process, checked to exist and to have memory, with upstream's messages.</summary>
    public static ProcessNode FindProcess(CriuImages images, uint pid)
    {
        var node = ProcessTree.Build(images).Find(pid)
            ?? throw new MissingCheckpointDataException($"no process with PID {pid} (use `inspect --ps-tree` to view all PIDs)");
        if (!node.HasImages)
            throw new MissingCheckpointDataException($"process {pid} has no memory pages (task state is zombie or dead)");
        return node;
    }

    // Before streaming a compressed archive's pages (pstree comes later), the PID's own core must say it has memory.
    private static void CheckCore(CriuImages images, uint pid)
    {
        if (!images.Has($"core-{pid}.img"))
            throw new MissingCheckpointDataException($"no process with PID {pid} (use `inspect --ps-tree` to view all PIDs)");
        var state = ProcessTree.ToState(images.Core(pid).Tc?.TaskState ?? 0);
        if (state is not (TaskState.Alive or TaskState.Stopped))
            throw new MissingCheckpointDataException($"process {pid} has no memory pages (task state is zombie or dead)");
    }

    // Address ranges of present and parent runs, adjacent runs joined.
    private static List<(ulong Start, ulong End)> DumpedRanges(Pagemap pagemap)
    {
        var ranges = new List<(ulong Start, ulong End)>();
        foreach (var run in pagemap.RunSpan)
        {
            if (!run.IsPresent && !run.IsInParent)
                continue;
            var end = run.Address + run.PageCount * (ulong)pagemap.PageSize;
            if (ranges.Count > 0 && ranges[^1].End == run.Address)
                ranges[^1] = (ranges[^1].Start, end);
            else
                ranges.Add((run.Address, end));
        }
        return ranges;
    }

    // The parts of the dumped ranges inside the wanted ones (both sorted and disjoint), byte-precise.
    private static List<(ulong Start, ulong End)> Intersect(List<(ulong Start, ulong End)> dumped, IReadOnlyList<(ulong Start, ulong End)> wanted)
    {
        var result = new List<(ulong Start, ulong End)>();
        int i = 0, j = 0;
        while (i < dumped.Count && j < wanted.Count)
        {
            var start = Math.Max(dumped[i].Start, wanted[j].Start);
            var end = Math.Min(dumped[i].End, wanted[j].End);
            if (start < end)
                result.Add((start, end));
            if (dumped[i].End < wanted[j].End)
                i++;
            else
                j++;
        }
        return result;
    }

    // Memory is read in address order, which reads each pages file front to back (the dump's and its parents'). Reading (and, for a compressed
    // archive, decompressing) runs on this thread while the sink works on another, so the slower of the two sets the
    // pace, not their sum.
    private static void Stream(ProcessMemory memory, IMemorySink sink, IReadOnlyList<(ulong Start, ulong End)>? only)
    {
        var pagemap = memory.Pagemap;
        var ranges = only == null ? DumpedRanges(pagemap) : Intersect(DumpedRanges(pagemap), only);
        sink.Begin(pagemap);
        using var filled = new BlockingCollection<(ulong Address, byte[] Buffer, int Length)>(BufferCount);
        using var free = new BlockingCollection<byte[]>(BufferCount);
        for (var i = 0; i < BufferCount; i++)
            free.Add(new byte[ChunkBytes]);
        Exception? sinkError = null;
        var consumer = new Thread(() =>
        {
            try
            {
                foreach (var (address, buffer, length) in filled.GetConsumingEnumerable())
                {
                    sink.Write(address, buffer.AsSpan(0, length));
                    free.Add(buffer);
                }
            }
            catch (Exception e)
            {
                sinkError = e;
                free.CompleteAdding();
            }
        }) { IsBackground = true, Name = "memory sink" };
        consumer.Start();
        try
        {
            // Adjacent runs are read as one range, so a dump of many small runs (an incremental one) still fills whole buffers.
            foreach (var (start, end) in ranges)
            {
                var address = start;
                while (address < end)
                {
                    if (!free.TryTake(out var buffer, Timeout.Infinite))
                        break;
                    var n = (int)Math.Min(end - address, (ulong)buffer.Length);
                    memory.Read(address, buffer.AsMemory(0, n));
                    filled.Add((address, buffer, n));
                    address += (ulong)n;
                }
                if (sinkError != null)
                    break;
            }
        }
        finally
        {
            filled.CompleteAdding();
            consumer.Join();
        }
        if (sinkError != null)
            ExceptionDispatchInfo.Throw(sinkError);
    }
}
