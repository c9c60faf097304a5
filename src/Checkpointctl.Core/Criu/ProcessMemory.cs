using Checkpointctl.Core.Archive;
using K4os.Compression.LZ4;

namespace Checkpointctl.Core.Criu;

/// <summary>
/// Reads a process's dumped memory by virtual address from its pagemap and pages file: raw pages, or compressed
/// blocks decoded one at a time (the last one kept, checkpoint-shapes.md §1.5). The pages file is whatever the page
/// source serves; reads in address order read it front to back, so a streamed pages member serves them too.
/// Only PE_PRESENT runs occupy the pages file (format doc §3.3). Raw pages are not read run by run: a request's runs
/// are gathered per image set and read with one scatter read each, straight into the destination, so the many small
/// runs of an incremental dump and its parent cost one system call per level, not one per run or a copy.
/// </summary>
public sealed class ProcessMemory
{
    /// <summary>Largest single read, so a hostile <c>mm_env_end</c> cannot make us allocate gigabytes.</summary>
    public const int MaxReadBytes = 64 << 20;

    // Compressed bytes are read for several blocks at once, up to this much (fewer system calls for per-page blocks).
    private const int ReadAheadBytes = 1 << 20;

    private readonly RandomAccessData _pages;
    private readonly Func<ProcessMemory>? _openParent;
    private readonly string? _level;
    private ProcessMemory? _parent;

    // Raw pages of the current request still to be read: where in the pages file, where in the destination, how many bytes.
    private readonly List<(long Offset, int At, int Length)> _pending = [];
    private readonly List<(long Offset, Memory<byte> Buffer)> _segments = [];
    private int _lastRun;
    private byte[] _compressed = [];
    private long _compressedStart = -1;
    private int _compressedLength;
    private byte[] _decoded = [];
    private (int Run, int Block) _decodedBlock = (-1, -1);

    /// <param name="parent">Opens the same process's memory in the parent image set, for PE_PARENT runs (incremental dumps).</param>
    /// <param name="level">Set for a parent image set (named in messages): there a page no run covers is an error, as in CRIU.</param>
    /// <param name="pagemap">The process's pagemap.</param>
    /// <param name="pages">The pages file.</param>
    public ProcessMemory(Pagemap pagemap, RandomAccessData pages, Func<ProcessMemory>? parent = null, string? level = null)
    {
        Pagemap = pagemap;
        _pages = pages;
        _openParent = parent;
        _level = level;
        var expected = pagemap.PagesFileLength;
        if (pages.Length < expected)
            throw new InvalidCheckpointException(pagemap.IsCompressed
                ? $"{pagemap.PagesImageName}: {pages.Length} bytes, but {pagemap.Name} needs {expected} (compressed)"
                : $"{pagemap.PagesImageName}: {pages.Length} bytes, but {pagemap.Name} needs {expected} ({pagemap.PresentPages} pages of {pagemap.PageSize} bytes)");
    }

    /// <summary>The process's pagemap.</summary>
    public Pagemap Pagemap { get; }

    /// <summary>
    /// Reads <c>[start, end)</c>. Pages in a parent image set are read from it; bytes never dumped or lazy read as
    /// zeros, as the kernel would show untouched anonymous memory.
    /// </summary>
    public byte[] Read(ulong start, ulong end)
    {
        if (end < start)
            throw new InvalidCheckpointException($"invalid memory range 0x{start:x}-0x{end:x}");
        if (end - start > MaxReadBytes)
            throw new InvalidCheckpointException($"memory range 0x{start:x}-0x{end:x} is larger than {MaxReadBytes >> 20} MiB");
        var buffer = new byte[end - start];
        Read(start, buffer);
        return buffer;
    }

    /// <summary>Fills <paramref name="destination"/> with memory from <paramref name="address"/> (holes as zeros).</summary>
    public void Read(ulong address, Memory<byte> destination)
    {
        try
        {
            Gather(address, destination, 0, destination);
            Flush(destination);
        }
        finally
        {
            Discard();
        }
    }

    // Fills destination[at..] from `address` on: holes and compressed pages at once, raw pages noted in _pending (of
    // this level or a parent's) to be read by Flush.
    private void Gather(ulong address, Memory<byte> whole, int at, Memory<byte> destination)
    {
        var pageSize = (ulong)Pagemap.PageSize;
        while (!destination.IsEmpty)
        {
            var index = FindRun(address);
            int chunk;
            if (index < 0)
            {
                // Up to the next run (or the end of the request) is a hole.
                var next = Pagemap.NextRunAddress(address);
                if (_level != null)
                    throw new InvalidCheckpointException($"{_level}{Pagemap.Name}: page 0x{address:x} is missing in the parent pagemap");
                chunk = (int)Math.Min((ulong)destination.Length, next - address);
                destination.Span[..chunk].Clear();
            }
            else
            {
                var run = Pagemap.RunSpan[index];
                var runEnd = run.Address + run.PageCount * pageSize;
                chunk = (int)Math.Min((ulong)destination.Length, runEnd - address);
                if (run.IsInParent && _openParent != null)
                    (_parent ??= _openParent()).Gather(address, whole, at, destination[..chunk]);
                else if (!run.IsPresent)
                    destination.Span[..chunk].Clear();
                else if (run.Blocks == null)
                    Defer(run.FileOffsetInPages + (long)(address - run.Address), at, chunk);
                else
                {
                    // The pages file is read in order: raw pages noted before these blocks first.
                    ReadPending(whole);
                    ReadBlocks(index, run, address - run.Address, destination.Span[..chunk]);
                }
            }
            address += (ulong)chunk;
            at += chunk;
            destination = destination[chunk..];
        }
    }

    // Pages that follow the previous ones both in the pages file and in the destination extend them.
    private void Defer(long offset, int at, int length)
    {
        if (_pending.Count > 0 && _pending[^1] is var (o, a, l) && o + l == offset && a + l == at)
            _pending[^1] = (o, a, l + length);
        else
            _pending.Add((offset, at, length));
    }

    private void Flush(Memory<byte> whole)
    {
        ReadPending(whole);
        _parent?.Flush(whole);
    }

    private void ReadPending(Memory<byte> whole)
    {
        if (_pending.Count == 0)
            return;
        foreach (var (offset, at, length) in _pending)
            _segments.Add((offset, whole.Slice(at, length)));
        try
        {
            _pages.ReadScatter(_segments);
        }
        finally
        {
            _pending.Clear();
            _segments.Clear();
        }
    }

    private void Discard()
    {
        _pending.Clear();
        _parent?.Discard();
    }

    // The run holding `address`: memory is read in address order, so usually the run found last or the one after it.
    private int FindRun(ulong address)
    {
        var runs = Pagemap.RunSpan;
        for (var i = _lastRun; i < runs.Length && i <= _lastRun + 1; i++)
        {
            if (address >= runs[i].Address && address - runs[i].Address < runs[i].PageCount * (ulong)Pagemap.PageSize)
                return _lastRun = i;
        }
        var index = Pagemap.FindRun(address);
        if (index >= 0)
            _lastRun = index;
        return index;
    }

    // Bytes [offset, offset + destination.Length) of a compressed run, block by block.
    private void ReadBlocks(int runIndex, PageRun run, ulong offset, Span<byte> destination)
    {
        var blocks = run.Blocks!;
        var stride = (ulong)blocks.BlockPages * (ulong)Pagemap.PageSize;
        var lastBlock = (int)((offset + (ulong)destination.Length - 1) / stride);
        while (!destination.IsEmpty)
        {
            var block = (int)(offset / stride);
            var inBlock = (int)(offset - (ulong)block * stride);
            var blockBytes = (int)(Math.Min((ulong)blocks.BlockPages, run.PageCount - (ulong)block * (ulong)blocks.BlockPages) * (ulong)Pagemap.PageSize);
            var n = Math.Min(destination.Length, blockBytes - inBlock);
            var stored = (int)blocks.StoredSize(block);
            var at = run.FileOffsetInPages + blocks.Offset(block);
            if (stored == 0)
                destination[..n].Clear();
            else if (stored == blockBytes)
                Compressed(at, stored, run, blocks, lastBlock).Slice(inBlock, n).CopyTo(destination);
            else if (_decodedBlock == (runIndex, block))
                _decoded.AsSpan(inBlock, n).CopyTo(destination);
            else if (n == blockBytes)
                Decode(runIndex, block, Compressed(at, stored, run, blocks, lastBlock), destination[..n]);
            else
            {
                // Part of a block: decode it whole and keep it for the reads that follow.
                if (_decoded.Length < blockBytes)
                    _decoded = new byte[blockBytes];
                _decodedBlock = (-1, -1);
                Decode(runIndex, block, Compressed(at, stored, run, blocks, lastBlock), _decoded.AsSpan(0, blockBytes));
                _decodedBlock = (runIndex, block);
                _decoded.AsSpan(inBlock, n).CopyTo(destination);
            }
            offset += (ulong)n;
            destination = destination[n..];
        }
    }

    // The stored bytes of one block, read together with the following blocks up to the last this read needs.
    private ReadOnlySpan<byte> Compressed(long at, int stored, PageRun run, PageBlocks blocks, int lastBlock)
    {
        if (at < _compressedStart || at + stored > _compressedStart + _compressedLength)
        {
            var end = run.FileOffsetInPages + blocks.Offset(lastBlock + 1);
            var length = (int)Math.Max(stored, Math.Min(end - at, ReadAheadBytes));
            if (_compressed.Length < length)
                _compressed = new byte[Math.Max(length, Math.Min(2 * _compressed.Length, ReadAheadBytes))];
            _pages.ReadExactlyAt(at, _compressed.AsSpan(0, length));
            _compressedStart = at;
            _compressedLength = length;
        }
        return _compressed.AsSpan((int)(at - _compressedStart), stored);
    }

    private void Decode(int runIndex, int block, ReadOnlySpan<byte> source, Span<byte> target)
    {
        var n = LZ4Codec.Decode(source, target);
        if (n != target.Length)
        {
            throw new InvalidCheckpointException(
                $"{Pagemap.Name}: entry {runIndex + 1}: block {block}: {source.Length} bytes are not an LZ4 block of {target.Length} bytes");
        }
    }
}
