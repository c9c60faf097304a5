using Checkpointctl.Core.Archive;
using K4os.Compression.LZ4;

namespace Checkpointctl.Core.Criu;

/// <summary>
/// Reads a process's dumped memory by virtual address from its pagemap and pages file: raw pages, or compressed
/// blocks decoded one at a time (the last one kept, checkpoint-shapes.md §1.5). The pages file is whatever the page
/// source serves; reads in address order read it front to back, so a streamed pages member serves them too.
/// Runs are found by binary search; only PE_PRESENT runs occupy the pages file (format doc §3.3). Raw pages are read
/// ahead for the whole request, so many small runs (an incremental dump's) cost one read per image set, not one per run.
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
    private byte[] _raw = [];
    private long _rawStart = -1;
    private int _rawLength;
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
    public void Read(ulong address, Span<byte> destination) => Read(address, destination, address + (ulong)destination.Length);

    // `horizon` is the end of the reader's whole request: raw pages up to it are read from the pages file in one read, so
    // a request of many small runs (an incremental dump keeps its pages between its parent's) costs one read per level.
    private void Read(ulong address, Span<byte> destination, ulong horizon)
    {
        var pageSize = (ulong)Pagemap.PageSize;
        while (!destination.IsEmpty)
        {
            var index = Pagemap.FindRun(address);
            int chunk;
            if (index < 0)
            {
                // Up to the next run (or the end of the request) is a hole.
                var next = NextRunAddress(address);
                if (_level != null)
                    throw new InvalidCheckpointException($"{_level}{Pagemap.Name}: page 0x{address:x} is missing in the parent pagemap");
                chunk = (int)Math.Min((ulong)destination.Length, next - address);
                destination[..chunk].Clear();
            }
            else
            {
                var run = Pagemap.Runs[index];
                var runEnd = run.Address + run.PageCount * pageSize;
                chunk = (int)Math.Min((ulong)destination.Length, runEnd - address);
                if (run.IsInParent && _openParent != null)
                    (_parent ??= _openParent()).Read(address, destination[..chunk], horizon);
                else if (!run.IsPresent)
                    destination[..chunk].Clear();
                else if (run.Blocks == null)
                    ReadRaw(index, run.FileOffsetInPages + (long)(address - run.Address), destination[..chunk], horizon);
                else
                    ReadBlocks(index, run, address - run.Address, destination[..chunk]);
            }
            address += (ulong)chunk;
            destination = destination[chunk..];
        }
    }

    // Raw pages at `at` in the pages file, from the read-ahead window; a miss refills it with the stored pages of the runs
    // from `runIndex` up to `horizon` (at most ReadAheadBytes, only bytes the data holds: a captured member has only
    // the planned ranges).
    private void ReadRaw(int runIndex, long at, Span<byte> destination, ulong horizon)
    {
        if (at < _rawStart || at + destination.Length > _rawStart + _rawLength)
        {
            var end = Math.Max(at + destination.Length, RawEnd(runIndex, horizon, at + ReadAheadBytes));
            // Whole-buffer reads go straight to the destination (no copy).
            if (destination.Length >= ReadAheadBytes || !_pages.Holds(at, end - at))
            {
                _pages.ReadExactlyAt(at, destination);
                return;
            }
            if (_raw.Length < end - at)
                _raw = new byte[ReadAheadBytes];
            _pages.ReadExactlyAt(at, _raw.AsSpan(0, (int)(end - at)));
            _rawStart = at;
            _rawLength = (int)(end - at);
        }
        _raw.AsSpan((int)(at - _rawStart), destination.Length).CopyTo(destination);
    }

    // End in the pages file of the raw present pages of runs from `runIndex` that start before `horizon`, capped at `limit`.
    private long RawEnd(int runIndex, ulong horizon, long limit)
    {
        var pageSize = (ulong)Pagemap.PageSize;
        long end = 0;
        for (var i = runIndex; i < Pagemap.Runs.Count && end < limit; i++)
        {
            var run = Pagemap.Runs[i];
            if (run.Address >= horizon)
                break;
            if (run.IsPresent && run.Blocks == null)
                end = run.FileOffsetInPages + (long)(Math.Min(run.PageCount, (horizon - run.Address + pageSize - 1) / pageSize) * pageSize);
        }
        return Math.Min(end, limit);
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

    private ulong NextRunAddress(ulong address)
    {
        foreach (var run in Pagemap.Runs)
        {
            if (run.Address > address)
                return run.Address;
        }
        return ulong.MaxValue;
    }
}
