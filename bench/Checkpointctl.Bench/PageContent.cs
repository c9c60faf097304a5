using System.Buffers.Binary;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Checkpointctl.Bench;

/// <summary>
/// Deterministic, semi-compressible page content: the first half of each 4 KiB page is xorshift64 output seeded from
/// the page index, the second half repeats an environment-like text line. Any page can be produced on its own.
/// </summary>
internal static class PageContent
{
    public const int PageSize = 4096;
    private const int RandomBytes = PageSize / 2;

    public static void Fill(long pageIndex, Span<byte> page)
    {
        // splitmix64 of the index as the seed, so neighbouring pages do not share a stream; never zero.
        var state = (ulong)pageIndex + 0x9E3779B97F4A7C15UL;
        state = (state ^ (state >> 30)) * 0xBF58476D1CE4E5B9UL;
        state = (state ^ (state >> 27)) * 0x94D049BB133111EBUL;
        state ^= state >> 31;
        state |= 1;
        for (var i = 0; i < RandomBytes; i += 8)
        {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            BinaryPrimitives.WriteUInt64LittleEndian(page[i..], state);
        }
        var line = Encoding.ASCII.GetBytes($"PATH=/usr/bin:/bin marker page={pageIndex:x8} HOME=/root TERM=xterm\n");
        for (var i = RandomBytes; i < PageSize; i += line.Length)
            line.AsSpan(0, Math.Min(line.Length, PageSize - i)).CopyTo(page[i..]);
    }
}

/// <summary>
/// Read-only, seekable view of <c>[file segment][generated pages]</c>: the original pages image followed by the
/// appended pages, produced on demand (never more than one page buffered).
/// </summary>
internal sealed class ExtendedPagesStream(SafeFileHandle source, long sourceOffset, long sourceLength, long extraPages) : Stream
{
    private readonly byte[] _page = new byte[PageContent.PageSize];
    private long _cachedPage = -1;
    private long _position;

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => sourceLength + extraPages * PageContent.PageSize;

    public override long Position
    {
        get => _position;
        set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var total = 0;
        while (buffer.Length > 0 && _position < Length)
        {
            int n;
            if (_position < sourceLength)
            {
                var want = (int)Math.Min(buffer.Length, sourceLength - _position);
                n = RandomAccess.Read(source, buffer[..want], sourceOffset + _position);
                if (n == 0)
                    throw new EndOfStreamException("fixture ended inside the pages image");
            }
            else
            {
                var generated = _position - sourceLength;
                var page = generated / PageContent.PageSize;
                var within = (int)(generated % PageContent.PageSize);
                if (page != _cachedPage)
                {
                    PageContent.Fill(page, _page);
                    _cachedPage = page;
                }
                n = Math.Min(buffer.Length, PageContent.PageSize - within);
                _page.AsSpan(within, n).CopyTo(buffer);
            }
            _position += n;
            total += n;
            buffer = buffer[n..];
        }
        return total;
    }

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => Length + offset,
    };

    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
