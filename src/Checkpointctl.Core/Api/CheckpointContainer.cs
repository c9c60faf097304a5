using Checkpointctl.Core.Analysis;
using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Criu;
using Checkpointctl.Core.Metadata;
using Checkpointctl.Core.Pod;

namespace Checkpointctl.Core.Api;

/// <summary>One checkpointed container: its metadata, sizes and processes, and access to their memory.</summary>
public sealed class CheckpointContainer
{
    private readonly string _path;
    private readonly CheckpointInput? _parent;

    internal CheckpointContainer(string path, PodContainer? podContainer, Inspection inspection, CheckpointInput? parent)
    {
        _path = path;
        _parent = parent;
        PodContainer = podContainer;
        Info = inspection.Container;
        Sizes = inspection.Sizes;
        Image = inspection.Image;
        Processes = CheckpointProcess.List(inspection);
    }

    /// <summary>The container's name: the pod's name for it, else the engine's (empty for a bare CRIU dump).</summary>
    public string Name => PodContainer?.Name ?? Info.Name;

    /// <summary>Where a pod checkpoint keeps this container; null for a container checkpoint.</summary>
    public PodContainer? PodContainer { get; }

    /// <summary>What the engine recorded: engine, ID, image, runtime, creation time, network, annotations.</summary>
    public ContainerInfo Info { get; }

    /// <summary>Sizes of the checkpoint, its memory pages and root file system changes, from the archive's headers.</summary>
    public CheckpointSizes Sizes { get; }

    /// <summary>The checkpoint image the container was read from, or null for a checkpoint archive or directory.</summary>
    public ImageDescription? Image { get; }

    /// <summary>The processes, parents before children, children in PID order; empty when the checkpoint has no process tree.</summary>
    public IReadOnlyList<CheckpointProcess> Processes { get; }

    /// <summary>
    /// Reads the memory of process <paramref name="pid"/> at <paramref name="address"/> into
    /// <paramref name="destination"/>. Pages the checkpoint does not hold (never dumped: untouched anonymous memory,
    /// unchanged file contents) read as zeros. Each call reads the checkpoint again up to the process's pages (in place
    /// in a plain archive or directory; a compressed archive is decompressed once up to the end of its pages file).
    /// </summary>
    /// <returns>How many bytes of <paramref name="destination"/> the checkpoint holds.</returns>
    /// <exception cref="CheckpointException">Unknown or dead PID (no memory), damaged pages.</exception>
    public long ReadMemory(uint pid, ulong address, Span<byte> destination)
    {
        destination.Clear();
        if (destination.IsEmpty)
            return 0;
        var end = address + (ulong)destination.Length;
        if (end < address)
            throw new ArgumentOutOfRangeException(nameof(destination), "the range passes the end of the address space");
        var copy = new MemoryCopy(address, new byte[destination.Length]);
        MemoryScan.Run(_path, pid, copy, _parent, [(address, end)], Selector);
        copy.Buffer.CopyTo(destination);
        return copy.Held;
    }

    /// <summary>
    /// Searches the memory of process <paramref name="pid"/> for <paramref name="text"/> (its Latin-1 bytes; as in
    /// <c>memparse --search</c>, non-printable bytes of memory read as <c>?</c>).
    /// </summary>
    /// <param name="context">Bytes of memory shown around each match in <see cref="MemoryMatch.Text"/>.</param>
    /// <exception cref="CheckpointException">Unknown or dead PID, damaged pages, a context out of range.</exception>
    /// <param name="pid">The process.</param>
    /// <param name="text">The text to find.</param>
    public IReadOnlyList<MemoryMatch> Search(uint pid, string text, int context = 0) => Search(pid, MemorySearch.Literal(text, context));

    /// <summary>
    /// Runs <paramref name="search"/> (<see cref="MemorySearch.Literal"/>, <see cref="MemorySearch.ForRegex(string, int)"/>
    /// or <see cref="MemorySearch.Hex"/>) over the memory of process <paramref name="pid"/>; matches across page
    /// boundaries are found. A <see cref="MemorySearch"/> is used once.
    /// </summary>
    /// <exception cref="CheckpointException">Unknown or dead PID, damaged pages, too many matches.</exception>
    public IReadOnlyList<MemoryMatch> Search(uint pid, MemorySearch search)
    {
        ArgumentNullException.ThrowIfNull(search);
        MemoryScan.Run(_path, pid, search, _parent, containers: Selector);
        return search.Matches;
    }

    private IReadOnlyList<string>? Selector => PodContainer == null ? null : [PodContainer.Name];

    /// <summary>Copies the delivered chunks that fall into one address range.</summary>
    private sealed class MemoryCopy(ulong start, byte[] buffer) : IMemorySink
    {
        public byte[] Buffer => buffer;
        public long Held { get; private set; }

        public void Begin(Pagemap pagemap)
        {
        }

        public void Write(ulong address, ReadOnlySpan<byte> data)
        {
            var from = Math.Max(address, start);
            var to = Math.Min(address + (ulong)data.Length, start + (ulong)buffer.Length);
            if (from >= to)
                return;
            data.Slice((int)(from - address), (int)(to - from)).CopyTo(buffer.AsSpan((int)(from - start)));
            Held += (long)(to - from);
        }

        public void End()
        {
        }
    }
}
