namespace Checkpointctl.Core.Archive;

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
