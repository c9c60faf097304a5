using Checkpointctl.Core.Criu.Images;

namespace Checkpointctl.Core.Criu;

/// <summary>Pagemap entry flags (format doc §3.2, checkpoint-shapes.md §1.2).</summary>
[Flags]
public enum PageFlags : uint
{
    /// <summary>No flag.</summary>
    None = 0,
    /// <summary>The pages are in the parent image set (PE_PARENT).</summary>
    Parent = 1,
    /// <summary>The pages are left for lazy restore (PE_LAZY).</summary>
    Lazy = 2,
    /// <summary>The pages are in this image set's pages file (PE_PRESENT).</summary>
    Present = 4,

    /// <summary>The run's payload starts at the next page boundary of the pages file (compressed dumps).</summary>
    PayloadAligned = 8,
}

/// <summary>A normalised run of pages: <see cref="PageCount"/> pages from <see cref="Address"/>.</summary>
/// <param name="FileOffsetInPages">Offset of the run's payload in <c>pages-&lt;id&gt;.img</c>, or -1 when the run has no data there.</param>
/// <param name="StoredLength">Bytes of the payload (compressed size for compressed runs); 0 without data.</param>
/// <param name="Blocks">The compressed blocks, or null for raw pages.</param>
/// <param name="Address">The first page's address.</param>
/// <param name="PageCount">The number of pages.</param>
/// <param name="Flags">Where the pages are.</param>
public readonly record struct PageRun(ulong Address, ulong PageCount, PageFlags Flags, long FileOffsetInPages, long StoredLength = 0, PageBlocks? Blocks = null)
{
    /// <summary>The pages are in this image set's pages file.</summary>
    public bool IsPresent => (Flags & PageFlags.Present) != 0;

    /// <summary>The pages are in the parent image set (incremental dumps).</summary>
    public bool IsInParent => !IsPresent && (Flags & PageFlags.Parent) != 0;
}

/// <summary>A decoded <c>pagemap-&lt;id&gt;.img</c>: the pages file id and its runs, normalised and located.</summary>
public sealed class Pagemap
{
    private Pagemap(string name, ulong pagesId, PageRun[] runs, int pageSize, ulong presentPages, long pagesFileLength)
    {
        Name = name;
        PagesId = pagesId;
        _runs = runs;
        PageSize = pageSize;
        PresentPages = presentPages;
        PagesFileLength = pagesFileLength;
    }

    /// <summary>The pagemap image's name.</summary>
    public string Name { get; }

    /// <summary>The N of <c>pages-N.img</c> (never the PID).</summary>
    public ulong PagesId { get; }

    private readonly PageRun[] _runs;

    /// <summary>The runs in ascending, non-overlapping address order.</summary>
    public IReadOnlyList<PageRun> Runs => _runs;

    /// <summary>The runs, for loops over hundreds of thousands of them (an incremental dump's).</summary>
    internal ReadOnlySpan<PageRun> RunSpan => _runs;

    /// <summary>The page size in bytes the dump was made with.</summary>
    public int PageSize { get; }

    /// <summary>Pages whose data is in this checkpoint's pages file.</summary>
    public ulong PresentPages { get; }

    /// <summary>Pages whose data is in this or a parent image set: what a scan of the process's memory delivers.</summary>
    public ulong DumpedPages => Runs.Where(r => r.IsPresent || r.IsInParent).Aggregate(0UL, (sum, r) => sum + r.PageCount);

    /// <summary>The parts of <paramref name="ranges"/> that are PE_PARENT runs here (to be looked up in the parent image set).</summary>
    public List<(ulong Start, ulong End)> ParentRanges(IEnumerable<(ulong Start, ulong End)> ranges) => [.. Overlaps(ranges, parent: true)];

    /// <summary>Pages of <paramref name="ranges"/> (page-aligned) that are present here.</summary>
    public ulong PresentPagesIn(IEnumerable<(ulong Start, ulong End)> ranges)
    {
        ulong pages = 0;
        foreach (var (start, end) in Overlaps(ranges, parent: false))
            pages += (end - start) / (ulong)PageSize;
        return pages;
    }

    // The overlaps of each range with the parent (or present) runs, found by a binary search per range: an incremental
    // dump and its parent both have a run every few pages, and a run-by-range loop would be quadratic in them.
    private IEnumerable<(ulong Start, ulong End)> Overlaps(IEnumerable<(ulong Start, ulong End)> ranges, bool parent)
    {
        foreach (var (start, end) in ranges)
        {
            for (var i = FirstRunEndingAfter(start); i < _runs.Length && _runs[i].Address < end; i++)
            {
                var run = _runs[i];
                if (parent ? !run.IsInParent : !run.IsPresent)
                    continue;
                var s = Math.Max(start, run.Address);
                var e = Math.Min(end, run.Address + run.PageCount * (ulong)PageSize);
                if (s < e)
                    yield return (s, e);
            }
        }
    }

    private int FirstRunEndingAfter(ulong address)
    {
        int lo = 0, hi = _runs.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_runs[mid].Address + _runs[mid].PageCount * (ulong)PageSize <= address)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    }

    /// <summary>Σ page counts over all runs (upstream's "MEMORY SIZE" counts these).</summary>
    public ulong TotalPages => Runs.Aggregate(0UL, (sum, r) => sum + r.PageCount);

    /// <summary>The length the pages file must have: every payload, with the padding before aligned ones.</summary>
    public long PagesFileLength { get; }

    /// <summary>Bytes the present pages take in the pages file (compressed size; padding not counted).</summary>
    public long StoredBytes => Runs.Sum(r => r.StoredLength);

    /// <summary>Some run is stored compressed.</summary>
    public bool IsCompressed => Runs.Any(r => r.Blocks != null);

    /// <summary>The pages file's member name inside <c>checkpoint/</c>.</summary>
    public string PagesImageName => $"pages-{PagesId}.img";

    /// <summary>
    /// Decodes a pagemap image, applying CRIU's compat rules (<c>nr_pages</c> vs <c>compat_nr_pages</c>, <c>in_parent</c>)
    /// and locating each present run's payload, compressed or not (checkpoint-shapes.md §1.4), checked by the rules of
    /// §1.6 against <paramref name="compression"/> (the inventory's settings; null when there is no inventory).
    /// </summary>
    /// <exception cref="InvalidCheckpointException">Bad framing, unaligned, overlapping or overflowing runs, bad compression metadata.</exception>
    public static Pagemap Decode(string name, ReadOnlyMemory<byte> image, int pageSize = 4096, PagesCompression? compression = null)
    {
        var reader = CriuImageReader.Open(name, image, CriuMagic.Pagemap);
        var head = reader.Read(PagemapHead.Parser);
        // An incremental dump's pagemap has a run for every few pages (hundreds of thousands): no list regrowth.
        var runs = new PageRun[reader.CountRemaining()];
        var count = 0;
        long fileOffset = 0;
        ulong present = 0;
        ulong previousEnd = 0;
        ulong total = 0;
        var e = new PagemapEntry();
        while (Next(reader, ref e, count))
        {
            var entry = count + 1;
            var pages = e.HasNrPages ? e.NrPages : e.CompatNrPages;
            var flags = e.HasFlags ? (PageFlags)e.Flags : PageFlags.None;
            if (e.HasInParent && e.InParent)
                flags |= PageFlags.Parent;
            else if (!e.HasFlags)
                flags = PageFlags.Present;
            var bytes = pages * (ulong)pageSize;
            if (e.Vaddr % (ulong)pageSize != 0)
                throw new InvalidCheckpointException($"{name}: entry {entry}: address 0x{e.Vaddr:x} is not page-aligned");
            if (pages > (1UL << 40) || e.Vaddr + bytes < e.Vaddr)
                throw new InvalidCheckpointException($"{name}: entry {entry}: {pages} pages at 0x{e.Vaddr:x} overflow the address space");
            if (count > 0 && e.Vaddr < previousEnd)
                throw new InvalidCheckpointException($"{name}: entry {entry}: address 0x{e.Vaddr:x} overlaps or precedes the previous run");
            previousEnd = e.Vaddr + bytes;
            // Disjoint runs never wrap this sum, but sizes are reported as long (memparse, inspect, diff).
            total += bytes;
            if (total > long.MaxValue)
                throw new InvalidCheckpointException($"{name}: entry {entry}: runs cover more than {long.MaxValue} bytes");
            var blocks = CompressedBlocks(name, entry, e, pages, flags, pageSize, compression);
            if ((flags & PageFlags.Present) == 0)
            {
                runs[count++] = new PageRun(e.Vaddr, pages, flags, -1);
                continue;
            }
            if ((flags & PageFlags.PayloadAligned) != 0)
                fileOffset = (fileOffset + pageSize - 1) / pageSize * pageSize;
            var length = blocks?.StoredLength ?? (long)bytes;
            runs[count++] = new PageRun(e.Vaddr, pages, flags, fileOffset, length, blocks);
            if (length > long.MaxValue - pageSize - fileOffset)
                throw new InvalidCheckpointException($"{name}: entry {entry}: present pages exceed any possible pages file");
            fileOffset += length;
            present += pages;
        }
        return new Pagemap(name, head.PagesId, runs, pageSize, present, fileOffset);
    }

    // The next entry, read into the same message as the last (cleared first): no object per entry. A fresh message now
    // and then, so that fields unknown to the schema do not pile up in it.
    private static bool Next(CriuImageReader reader, ref PagemapEntry e, int count)
    {
        if (count % 4096 == 0)
        {
            e = new PagemapEntry();
        }
        else
        {
            e.ClearVaddr();
            e.ClearCompatNrPages();
            e.ClearInParent();
            e.ClearFlags();
            e.ClearNrPages();
            e.CompressedSize.Clear();
            e.ClearTotalCompressedSize();
            e.ClearRegionPages();
        }
        return reader.TryReadInto(e);
    }

    // The rules of checkpoint-shapes.md §1.6 for one entry; its blocks when it is stored compressed, else null.
    private static PageBlocks? CompressedBlocks(string name, int entry, PagemapEntry e, ulong pages, PageFlags flags, int pageSize, PagesCompression? compression)
    {
        var hasMetadata = e.CompressedSize.Count > 0 || e.HasTotalCompressedSize || e.HasRegionPages;
        var isPresent = (flags & PageFlags.Present) != 0;
        var aligned = (flags & PageFlags.PayloadAligned) != 0;
        string Error(string what) => $"{name}: entry {entry}: {what}";
        if (aligned && !isPresent)
            throw new InvalidCheckpointException(Error("PE_PAYLOAD_ALIGNED without PE_PRESENT"));
        if (!hasMetadata && !aligned && compression is not { ImageVersion: PagesCompression.ImageVersion3 })
            return null;
        // Rules for image version 3 entries, which CRIU checks (older dumps are read as they always were).
        if (isPresent && (flags & PageFlags.Parent) != 0)
            throw new InvalidCheckpointException(Error("PE_PRESENT together with PE_PARENT"));
        if (pages == 0)
            throw new InvalidCheckpointException(Error("no pages"));
        if (!hasMetadata)
            return null;
        if (!isPresent)
            throw new InvalidCheckpointException(Error("compression metadata on an entry without PE_PRESENT"));
        if (e.CompressedSize.Count == 0)
            throw new InvalidCheckpointException(Error("total_compressed_size or region_pages without compressed_size"));
        var region = e.RegionPages > 0;
        var blockPages = region ? (ulong)e.RegionPages : 1;
        if (blockPages * (ulong)pageSize > PagesCompression.MaxRegionBytes)
            throw new InvalidCheckpointException(Error($"region of {e.RegionPages} pages is larger than {PagesCompression.MaxRegionBytes >> 20} MiB"));
        var blockCount = (pages + blockPages - 1) / blockPages;
        if ((ulong)e.CompressedSize.Count != blockCount)
            throw new InvalidCheckpointException(Error($"{e.CompressedSize.Count} compressed sizes for {blockCount} blocks"));
        var sizes = new uint[e.CompressedSize.Count];
        ulong sum = 0;
        for (var b = 0; b < sizes.Length; b++)
        {
            var blockBytes = Math.Min(blockPages, pages - (ulong)b * blockPages) * (ulong)pageSize;
            sizes[b] = e.CompressedSize[b];
            if (sizes[b] > blockBytes)
                throw new InvalidCheckpointException(Error($"block {b}: compressed size {sizes[b]} is larger than the block's {blockBytes} bytes"));
            sum += sizes[b];
        }
        if (e.HasTotalCompressedSize && e.TotalCompressedSize != sum)
            throw new InvalidCheckpointException(Error($"total_compressed_size {e.TotalCompressedSize} is not the sum of its compressed sizes ({sum})"));
        if (compression != null)
        {
            if (compression.Mode == PagesCompression.Off)
                throw new InvalidCheckpointException(Error("compressed, but inventory.img says pages are not compressed"));
            if (compression.Mode == PagesCompression.PerPage && region)
                throw new InvalidCheckpointException(Error("region blocks, but inventory.img says per-page compression"));
            if (compression.Mode == PagesCompression.Region && !region)
                throw new InvalidCheckpointException(Error("per-page blocks, but inventory.img says region compression"));
            if (region && blockPages * (ulong)pageSize != compression.RegionBytes)
                throw new InvalidCheckpointException(Error($"region of {blockPages} pages, but inventory.img says regions of {compression.RegionBytes} bytes"));
        }
        return new PageBlocks((int)blockPages, sizes);
    }

    /// <summary>
    /// Ranges of the pages file that hold the present pages of <c>[start, end)</c>: the pages, or the whole compressed
    /// blocks they are in (empty for more than a single read may take).
    /// </summary>
    public List<(long Offset, long Length)> FileRanges(ulong start, ulong end)
    {
        var ranges = new List<(long Offset, long Length)>();
        if (end <= start || end - start > ProcessMemory.MaxReadBytes)
            return ranges;
        var pageSize = (ulong)PageSize;
        // The last page of the address space must not wrap the loop around to address 0.
        for (var page = start / pageSize * pageSize; page < end; page = page > ulong.MaxValue - pageSize ? end : page + pageSize)
        {
            var index = FindRun(page);
            if (index < 0 || !Runs[index].IsPresent)
                continue;
            var (offset, length) = Locate(Runs[index], page);
            if (length == 0 || (ranges.Count > 0 && ranges[^1].Offset + ranges[^1].Length > offset))
                continue;
            if (ranges.Count > 0 && ranges[^1].Offset + ranges[^1].Length == offset)
                ranges[^1] = (ranges[^1].Offset, ranges[^1].Length + length);
            else
                ranges.Add((offset, length));
        }
        return ranges;
    }

    // Where the page at `page` of a present run is stored: the page itself, or its whole compressed block (none if zero).
    private (long Offset, long Length) Locate(PageRun run, ulong page)
    {
        var index = (page - run.Address) / (ulong)PageSize;
        if (run.Blocks is not { } blocks)
            return (run.FileOffsetInPages + (long)index * PageSize, PageSize);
        var block = (int)(index / (ulong)blocks.BlockPages);
        return (run.FileOffsetInPages + blocks.Offset(block), blocks.StoredSize(block));
    }

    /// <summary>Index of the run that holds <paramref name="address"/>, or -1.</summary>
    public int FindRun(ulong address)
    {
        var i = FirstRunEndingAfter(address);
        return i < _runs.Length && _runs[i].Address <= address ? i : -1;
    }

    /// <summary>Where the first run after <paramref name="address"/> (an address in no run) starts, or <see cref="ulong.MaxValue"/>.</summary>
    internal ulong NextRunAddress(ulong address)
    {
        var i = FirstRunEndingAfter(address);
        return i < _runs.Length ? _runs[i].Address : ulong.MaxValue;
    }
}
