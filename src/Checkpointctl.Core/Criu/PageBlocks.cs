namespace Checkpointctl.Core.Criu;

/// <summary>
/// The compressed blocks of one present pagemap run (checkpoint-shapes.md §1.3): <see cref="BlockPages"/> pages per
/// block (the last may be shorter), each stored as 0 bytes (zeros), its full size (raw) or fewer (one LZ4 block).
/// </summary>
public sealed class PageBlocks
{
    private readonly uint[] _sizes;
    private readonly long[] _offsets;

    internal PageBlocks(int blockPages, uint[] storedSizes)
    {
        BlockPages = blockPages;
        _sizes = storedSizes;
        _offsets = new long[storedSizes.Length + 1];
        for (var i = 0; i < storedSizes.Length; i++)
            _offsets[i + 1] = _offsets[i] + storedSizes[i];
    }

    /// <summary>Pages per block: 1 in per-page mode, <c>region_pages</c> in region mode.</summary>
    public int BlockPages { get; }

    /// <summary>The number of blocks.</summary>
    public int Count => _sizes.Length;

    /// <summary>Bytes block <paramref name="block"/> takes in the pages file.</summary>
    public uint StoredSize(int block) => _sizes[block];

    /// <summary>Where block <paramref name="block"/> starts, from the start of the run's payload.</summary>
    public long Offset(int block) => _offsets[block];

    /// <summary>Σ stored sizes: the run's payload in the pages file.</summary>
    public long StoredLength => _offsets[^1];
}
