using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Criu;
using Checkpointctl.Core.Model;

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

    /// <summary>Bytes the scan will deliver: present pages × page size (for progress).</summary>
    public static long PresentBytes(Pagemap pagemap) => (long)pagemap.PresentPages * pagemap.PageSize;

    /// <exception cref="CheckpointException">Unknown or dead PID (upstream's messages), missing or short images.</exception>
    public static void Run(string path, uint pid, IMemorySink sink)
    {
        var pagemapImage = ArchiveLayout.Image($"pagemap-{pid}.img");
        var scanned = false;
        var request = new ArchiveRequest
        {
            Hold = [.. CriuImages.ProcessTreeImages, pagemapImage, ArchiveLayout.Image($"mm-{pid}.img")],
            // Compressed input: the pages go by once; stream them to the sink if the pagemap came before them.
            Consumers = [new MemberConsumer(ArchiveLayout.Image("pages-*.img"), (member, data, archive) =>
            {
                if (archive.SupportsRandomAccess || scanned || !archive.Contains(pagemapImage))
                    return;
                var images = new CriuImages(archive);
                CheckCore(images, pid);
                var pagemap = images.Pagemap(pid);
                if (ArchiveLayout.Image(pagemap.PagesImageName) != member.Name)
                    return;
                Stream(pagemap, data, member.Size, sink);
                scanned = true;
            })],
        };
        using var archive = CheckpointArchive.Open(path, request);
        var images = new CriuImages(archive);
        var node = FindProcess(images, pid);
        if (scanned)
        {
            sink.End();
            return;
        }
        var pagemap = images.Pagemap(node.Pid);
        var pagesMember = ArchiveLayout.Image(pagemap.PagesImageName);
        if (!archive.Contains(pagesMember))
            throw CriuImages.Missing(pagemap.PagesImageName);
        if (archive.TryOpenRandomAccess(pagesMember) is { } pages)
        {
            Stream(pagemap, new RandomAccessStream(pages), pages.Length, sink);
        }
        else
        {
            // The pagemap came after its pages in a compressed archive: one more pass for the pages alone.
            using var second = CheckpointArchive.Open(path, new ArchiveRequest
            {
                Consumers = [new MemberConsumer(pagesMember, (member, data, _) => Stream(pagemap, data, member.Size, sink))],
                RequireCheckpointDirectory = false,
            });
        }
        sink.End();
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

    // Present runs occupy the pages file back to back, in pagemap order: one sequential read. Reading (and, for a
    // compressed archive, decompressing) runs on this thread while the sink works on another, so the slower of the
    // two sets the pace, not their sum.
    private static void Stream(Pagemap pagemap, Stream pages, long pagesLength, IMemorySink sink)
    {
        var expected = PresentBytes(pagemap);
        if (pagesLength < expected)
            throw new InvalidCheckpointException(
                $"{pagemap.PagesImageName}: {pagesLength} bytes, but {pagemap.Name} needs {expected} ({pagemap.PresentPages} pages of {pagemap.PageSize} bytes)");
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
            foreach (var run in pagemap.Runs)
            {
                if (!run.IsPresent)
                    continue;
                var address = run.Address;
                var remaining = run.PageCount * (ulong)pagemap.PageSize;
                while (remaining > 0)
                {
                    if (!free.TryTake(out var buffer, Timeout.Infinite))
                        break;
                    var n = (int)Math.Min(remaining, (ulong)buffer.Length);
                    try
                    {
                        pages.ReadExactly(buffer, 0, n);
                    }
                    catch (EndOfStreamException e)
                    {
                        throw new InvalidCheckpointException($"{pagemap.PagesImageName}: unexpected EOF", e);
                    }
                    filled.Add((address, buffer, n));
                    address += (ulong)n;
                    remaining -= (ulong)n;
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
