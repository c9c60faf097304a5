using Checkpointctl.Core.Criu.Images;

namespace Checkpointctl.Core.Criu;

/// <summary>Pagemap entry flags (format doc §3.2).</summary>
[Flags]
public enum PageFlags : uint
{
    None = 0,
    Parent = 1,
    Lazy = 2,
    Present = 4,
}

/// <summary>A normalised run of pages: <see cref="PageCount"/> pages from <see cref="Address"/>.</summary>
/// <param name="FileOffsetInPages">Offset of the run's first page in <c>pages-&lt;id&gt;.img</c>, or -1 when the run has no data there.</param>
public readonly record struct PageRun(ulong Address, ulong PageCount, PageFlags Flags, long FileOffsetInPages)
{
    public bool IsPresent => (Flags & PageFlags.Present) != 0;
}

/// <summary>A decoded <c>pagemap-&lt;id&gt;.img</c>: the pages file id and its runs, normalised and located.</summary>
public sealed class Pagemap
{
    private Pagemap(string name, ulong pagesId, PageRun[] runs, int pageSize, ulong presentPages)
    {
        Name = name;
        PagesId = pagesId;
        Runs = runs;
        PageSize = pageSize;
        PresentPages = presentPages;
    }

    public string Name { get; }

    /// <summary>The N of <c>pages-N.img</c> (never the PID).</summary>
    public ulong PagesId { get; }

    /// <summary>The runs in ascending, non-overlapping address order.</summary>
    public IReadOnlyList<PageRun> Runs { get; }

    public int PageSize { get; }

    /// <summary>Pages whose data is in this checkpoint's pages file.</summary>
    public ulong PresentPages { get; }

    /// <summary>Σ page counts over all runs (upstream's "MEMORY SIZE" counts these).</summary>
    public ulong TotalPages => Runs.Aggregate(0UL, (sum, r) => sum + r.PageCount);

    /// <summary>The pages file's member name inside <c>checkpoint/</c>.</summary>
    public string PagesImageName => $"pages-{PagesId}.img";

    /// <summary>Decodes a pagemap image, applying CRIU's compat rules (<c>nr_pages</c> vs <c>compat_nr_pages</c>, <c>in_parent</c>).</summary>
    /// <exception cref="InvalidCheckpointException">Bad framing, unaligned, overlapping or overflowing runs.</exception>
    public static Pagemap Decode(string name, ReadOnlyMemory<byte> image, int pageSize = 4096)
    {
        var reader = CriuImageReader.Open(name, image, CriuMagic.Pagemap);
        var head = reader.Read(PagemapHead.Parser);
        var runs = new List<PageRun>();
        long fileOffset = 0;
        ulong present = 0;
        ulong previousEnd = 0;
        ulong total = 0;
        while (reader.TryRead(PagemapEntry.Parser, out var e))
        {
            var pages = e.HasNrPages ? e.NrPages : e.CompatNrPages;
            var flags = e.HasFlags ? (PageFlags)e.Flags : PageFlags.None;
            if (e.HasInParent && e.InParent)
                flags |= PageFlags.Parent;
            else if (!e.HasFlags)
                flags = PageFlags.Present;
            var bytes = pages * (ulong)pageSize;
            if (e.Vaddr % (ulong)pageSize != 0)
                throw new InvalidCheckpointException($"{name}: entry {runs.Count + 1}: address 0x{e.Vaddr:x} is not page-aligned");
            if (pages > (1UL << 40) || e.Vaddr + bytes < e.Vaddr)
                throw new InvalidCheckpointException($"{name}: entry {runs.Count + 1}: {pages} pages at 0x{e.Vaddr:x} overflow the address space");
            if (runs.Count > 0 && e.Vaddr < previousEnd)
                throw new InvalidCheckpointException($"{name}: entry {runs.Count + 1}: address 0x{e.Vaddr:x} overlaps or precedes the previous run");
            previousEnd = e.Vaddr + bytes;
            // Disjoint runs never wrap this sum, but sizes are reported as long (memparse, inspect, diff).
            total += bytes;
            if (total > long.MaxValue)
                throw new InvalidCheckpointException($"{name}: entry {runs.Count + 1}: runs cover more than {long.MaxValue} bytes");
            var isPresent = (flags & PageFlags.Present) != 0;
            runs.Add(new PageRun(e.Vaddr, pages, flags, isPresent ? fileOffset : -1));
            if (isPresent)
            {
                if ((long)bytes > long.MaxValue - fileOffset)
                    throw new InvalidCheckpointException($"{name}: entry {runs.Count}: present pages exceed any possible pages file");
                fileOffset += (long)bytes;
                present += pages;
            }
        }
        return new Pagemap(name, head.PagesId, [.. runs], pageSize, present);
    }

    /// <summary>Ranges of the pages file that hold the present pages of <c>[start, end)</c> (empty for more than a single read may take).</summary>
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
            var run = Runs[index];
            var offset = run.FileOffsetInPages + (long)(page - run.Address);
            if (ranges.Count > 0 && ranges[^1].Offset + ranges[^1].Length == offset)
                ranges[^1] = (ranges[^1].Offset, ranges[^1].Length + (long)pageSize);
            else
                ranges.Add((offset, (long)pageSize));
        }
        return ranges;
    }

    /// <summary>Index of the run that holds <paramref name="address"/>, or -1.</summary>
    public int FindRun(ulong address)
    {
        int lo = 0, hi = Runs.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var run = Runs[mid];
            if (address < run.Address)
                hi = mid - 1;
            else if (address - run.Address >= run.PageCount * (ulong)PageSize)
                lo = mid + 1;
            else
                return mid;
        }
        return -1;
    }
}
