using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Criu;
using Checkpointctl.Core.Criu.Images;

namespace Checkpointctl.Core.Model;

/// <summary>
/// Picks the few pages that hold each process's command line and environment out of the pages files while a
/// compressed archive streams past, so nothing else of the (possibly huge) pages files is kept.
/// It relies on <c>mm-*.img</c> and <c>pagemap-*.img</c> preceding <c>pages-*.img</c> in the archive, which is the
/// usual (sorted) order; what could not be captured is reported by <see cref="Covers"/> so the caller can
/// <see cref="Expect"/> those ranges and make a second pass with the same capture.
/// </summary>
public sealed class PageCapture
{
    private readonly Dictionary<string, SparseData> _captured = new(StringComparer.Ordinal);
    private Dictionary<string, List<(long Offset, long Length)>>? _fixedNeeds;

    /// <summary>A capture whose needs come from the mm and pagemap images held earlier in the same pass.</summary>
    public static PageCapture FromArgumentAreas() => new();

    /// <summary>From now on capture exactly these ranges per pages image (member name), e.g. in a second pass.</summary>
    public void Expect(Dictionary<string, List<(long Offset, long Length)>> needs) => _fixedNeeds = needs;

    /// <summary>The consumer to add to the archive request.</summary>
    public MemberConsumer Consumer => new(ArchiveLayout.Image("pages-*.img"), Consume);

    /// <summary>The captured part of a pages image, or null.</summary>
    public RandomAccessData? TryGet(string member) => _captured.GetValueOrDefault(member);

    /// <summary>True when every byte of the given ranges of <paramref name="member"/> was captured.</summary>
    public bool Covers(string member, IEnumerable<(long Offset, long Length)> ranges) =>
        _captured.TryGetValue(member, out var data) && ranges.All(r => data.Covers(r.Offset, r.Length));

    /// <summary>Page-aligned ranges of the pages file that hold <c>[start, end)</c> of a process's memory.</summary>
    public static List<(long Offset, long Length)> FileRanges(Pagemap pagemap, ulong start, ulong end)
    {
        var ranges = new List<(long Offset, long Length)>();
        if (end <= start || end - start > ProcessMemory.MaxReadBytes)
            return ranges;
        var pageSize = (ulong)pagemap.PageSize;
        // The last page of the address space must not wrap the loop around to address 0.
        for (var page = start / pageSize * pageSize; page < end; page = page > ulong.MaxValue - pageSize ? end : page + pageSize)
        {
            var index = pagemap.FindRun(page);
            if (index < 0 || !pagemap.Runs[index].IsPresent)
                continue;
            var run = pagemap.Runs[index];
            var offset = run.FileOffsetInPages + (long)(page - run.Address);
            if (ranges.Count > 0 && ranges[^1].Offset + ranges[^1].Length == offset)
                ranges[^1] = (ranges[^1].Offset, ranges[^1].Length + (long)pageSize);
            else
                ranges.Add((offset, (long)pageSize));
        }
        return ranges;
    }

    private void Consume(ArchiveMember member, Stream data, CheckpointArchive archive)
    {
        var needs = _fixedNeeds != null ? _fixedNeeds.GetValueOrDefault(member.Name) : NeedsFromHeldImages(member.Name, archive);
        // Registered even when nothing is needed from it (empty or unmapped ranges), so the pages image is known to
        // have gone by: reads of ranges that were not captured are then input errors, not a missing member.
        if (!_captured.TryGetValue(member.Name, out var sparse))
            _captured[member.Name] = sparse = new SparseData(member.Size);
        if (needs == null || needs.Count == 0)
            return;
        long position = 0;
        // Ranges may overlap (argv and environment often share a page): read only what is not read yet.
        foreach (var (offset, length) in needs.Where(n => n.Offset + n.Length <= member.Size).OrderBy(n => n.Offset))
        {
            var end = offset + length;
            if (end <= position)
                continue;
            var start = Math.Max(offset, position);
            Skip(data, start - position);
            var bytes = new byte[end - start];
            data.ReadExactly(bytes);
            sparse.Add(start, bytes);
            position = end;
        }
    }

    private static void Skip(Stream data, long count)
    {
        if (count == 0)
            return;
        if (data.CanSeek)
        {
            data.Seek(count, SeekOrigin.Current);
            return;
        }
        var buffer = new byte[Math.Min(count, 1 << 16)];
        while (count > 0)
        {
            var n = data.Read(buffer, 0, (int)Math.Min(buffer.Length, count));
            if (n == 0)
                throw new InvalidCheckpointException("unexpected EOF");
            count -= n;
        }
    }

    // Argument and environment areas of every process whose held pagemap points at this pages image.
    private static List<(long Offset, long Length)> NeedsFromHeldImages(string pagesMember, CheckpointArchive archive)
    {
        var needs = new List<(long Offset, long Length)>();
        var images = new CriuImages(archive);
        foreach (var pagemapMember in archive.MembersMatching(ArchiveLayout.Image("pagemap-*.img")).ToList())
        {
            var name = pagemapMember.Name[ArchiveLayout.CheckpointPrefix.Length..];
            if (!uint.TryParse(name["pagemap-".Length..^".img".Length], out var pid) || !images.Has($"mm-{pid}.img"))
                continue;
            try
            {
                var pagemap = images.Pagemap(pid);
                if (ArchiveLayout.Image(pagemap.PagesImageName) != pagesMember)
                    continue;
                var mm = images.Mm(pid);
                needs.AddRange(FileRanges(pagemap, mm.MmArgStart, mm.MmArgEnd));
                needs.AddRange(FileRanges(pagemap, mm.MmEnvStart, mm.MmEnvEnd));
            }
            catch (CheckpointException)
            {
                // A broken image is reported when the process is rendered; capturing just skips it.
            }
        }
        return needs;
    }
}

/// <summary>Random-access data of which only some ranges are present; reading elsewhere is an error.</summary>
internal sealed class SparseData(long length) : RandomAccessData
{
    private readonly SortedList<long, byte[]> _segments = [];

    public override long Length => length;

    public void Add(long offset, byte[] bytes) => _segments[offset] = bytes;

    public bool Covers(long offset, long count)
    {
        while (count > 0)
        {
            var n = Available(offset, out _, out _);
            if (n <= 0)
                return false;
            offset += n;
            count -= n;
        }
        return true;
    }

    public override int ReadAt(long offset, Span<byte> destination)
    {
        var n = (int)Math.Min(destination.Length, Available(offset, out var segment, out var start));
        if (n <= 0)
            throw new InvalidCheckpointException($"pages at offset {offset} were not captured from the archive");
        segment.AsSpan((int)(offset - start), n).CopyTo(destination);
        return n;
    }

    private long Available(long offset, out byte[] segment, out long start)
    {
        var keys = _segments.Keys;
        int lo = 0, hi = keys.Count - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (keys[mid] <= offset)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        // A later pass may add a short segment inside a longer one: take any earlier segment that still covers offset.
        for (var i = found; i >= 0; i--)
        {
            if (keys[i] + _segments.Values[i].Length > offset)
            {
                segment = _segments.Values[i];
                start = keys[i];
                return start + segment.Length - offset;
            }
        }
        segment = [];
        start = 0;
        return 0;
    }
}
