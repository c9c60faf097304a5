using Microsoft.Win32.SafeHandles;

namespace Checkpointctl.Core.Archive;

/// <summary>Read-only random access to a member's bytes, without holding them all in memory.</summary>
public abstract class RandomAccessData
{
    /// <summary>The data's length in bytes.</summary>
    public abstract long Length { get; }

    /// <summary>Reads up to <c>destination.Length</c> bytes at <paramref name="offset"/>; returns the count read (0 at the end).</summary>
    public abstract int ReadAt(long offset, Span<byte> destination);

    /// <summary>Reads exactly <c>destination.Length</c> bytes or throws <see cref="InvalidCheckpointException"/>.</summary>
    public void ReadExactlyAt(long offset, Span<byte> destination)
    {
        CheckRange(offset, destination.Length);
        while (!destination.IsEmpty)
        {
            var n = ReadAt(offset, destination);
            if (n <= 0)
                throw new InvalidCheckpointException("unexpected EOF");
            offset += n;
            destination = destination[n..];
        }
    }

    /// <summary>
    /// Fills each buffer with the bytes at its offset. Segments come in ascending offset order without overlaps (memory
    /// is read in address order), so data that can only be read forward serves them too.
    /// </summary>
    public virtual void ReadScatter(IReadOnlyList<(long Offset, Memory<byte> Buffer)> segments)
    {
        foreach (var (offset, buffer) in segments)
            ReadExactlyAt(offset, buffer.Span);
    }

    /// <summary>Throws unless <c>[offset, offset + length)</c> lies within the data.</summary>
    protected void CheckRange(long offset, int length)
    {
        if (offset < 0 || offset > Length || length > Length - offset)
            throw new InvalidCheckpointException($"read of {length} bytes at offset {offset} is past the end ({Length} bytes)");
    }

    /// <summary>Data held in memory.</summary>
    public static RandomAccessData FromMemory(ReadOnlyMemory<byte> bytes) => new MemoryData(bytes);

    /// <summary>The bytes <paramref name="offset"/> to <paramref name="offset"/> + <paramref name="length"/> (a member of a tar read in place).</summary>
    public RandomAccessData Slice(long offset, long length)
    {
        if (offset < 0 || length < 0 || offset > Length || length > Length - offset)
            throw new InvalidCheckpointException($"a window of {length} bytes at offset {offset} is past the end ({Length} bytes)");
        return new SliceData(this, offset, length);
    }

    /// <summary>The same bytes, read without adding to any read counter (when a reader above counts them itself).</summary>
    internal virtual RandomAccessData Uncounted() => this;

    private sealed class SliceData(RandomAccessData inner, long start, long length) : RandomAccessData
    {
        public override long Length => length;

        public override int ReadAt(long offset, Span<byte> destination)
        {
            if (offset >= length)
                return 0;
            return inner.ReadAt(start + offset, destination[..(int)Math.Min(destination.Length, length - offset)]);
        }

        public override void ReadScatter(IReadOnlyList<(long Offset, Memory<byte> Buffer)> segments)
        {
            foreach (var (offset, buffer) in segments)
                CheckRange(offset, buffer.Length);
            inner.ReadScatter(segments.Select(s => (start + s.Offset, s.Buffer)).ToList());
        }

        internal override RandomAccessData Uncounted() => new SliceData(inner.Uncounted(), start, length);
    }

    private sealed class MemoryData(ReadOnlyMemory<byte> bytes) : RandomAccessData
    {
        public override long Length => bytes.Length;

        public override int ReadAt(long offset, Span<byte> destination)
        {
            if (offset >= bytes.Length)
                return 0;
            var n = (int)Math.Min(destination.Length, bytes.Length - offset);
            bytes.Span.Slice((int)offset, n).CopyTo(destination);
            return n;
        }
    }
}

/// <summary>A window of a file, read with positional reads (no shared file position, safe to share).</summary>
internal sealed class FileSegmentData(SafeFileHandle handle, long start, long length, ReadCounter counter) : RandomAccessData
{
    // Segments this close in the file are read by one system call, the bytes between them into Gap (never looked at).
    private const int MaxGapBytes = 64 << 10;

    // Well below the kernel's IOV_MAX (1024) buffers per preadv.
    private const int MaxBuffers = 512;

    private static readonly byte[] Gap = new byte[MaxGapBytes];

    // One list per reading thread, reused: a list per call would be garbage enough to grow the heap by tens of MiB.
    [ThreadStatic]
    private static List<Memory<byte>>? t_buffers;

    public override long Length => length;

    public override int ReadAt(long offset, Span<byte> destination)
    {
        if (offset >= length)
            return 0;
        var want = (int)Math.Min(destination.Length, length - offset);
        var n = RandomAccess.Read(handle, destination[..want], start + offset);
        counter.Add(n);
        return n;
    }

    /// <summary>
    /// One preadv per stretch of nearby segments, straight into their buffers: an incremental dump's level holds every
    /// few pages of a range, which would otherwise cost a system call per run or a copy through a read-ahead buffer.
    /// </summary>
    public override void ReadScatter(IReadOnlyList<(long Offset, Memory<byte> Buffer)> segments)
    {
        var buffers = t_buffers ??= [];
        buffers.Clear();
        long stretchStart = 0, stretchEnd = 0;
        foreach (var (offset, buffer) in segments)
        {
            CheckRange(offset, buffer.Length);
            if (buffers.Count > 0 && (offset < stretchEnd || offset - stretchEnd > MaxGapBytes || buffers.Count >= MaxBuffers - 1))
            {
                ReadStretch(stretchStart, buffers);
                buffers.Clear();
            }
            if (buffers.Count == 0)
                stretchStart = offset;
            else if (offset > stretchEnd)
                buffers.Add(Gap.AsMemory(0, (int)(offset - stretchEnd)));
            buffers.Add(buffer);
            stretchEnd = offset + buffer.Length;
        }
        if (buffers.Count > 0)
            ReadStretch(stretchStart, buffers);
        buffers.Clear();
    }

    // preadv may read less than asked (a signal, a file that shrank): go on from where it stopped.
    private void ReadStretch(long offset, List<Memory<byte>> buffers)
    {
        var first = 0;
        while (first < buffers.Count)
        {
            var n = RandomAccess.Read(handle, first == 0 ? buffers : buffers.GetRange(first, buffers.Count - first), start + offset);
            counter.Add(n);
            if (n <= 0)
                throw new InvalidCheckpointException("unexpected EOF");
            offset += n;
            for (; first < buffers.Count && n >= buffers[first].Length; first++)
                n -= buffers[first].Length;
            if (n > 0)
                buffers[first] = buffers[first][(int)n..];
        }
    }

    internal override RandomAccessData Uncounted() => new FileSegmentData(handle, start, length, new ReadCounter());
}

/// <summary>A window of a seekable stream that is not a file (tests, embedding programs).</summary>
internal sealed class StreamSegmentData(Stream stream, long start, long length, ReadCounter counter) : RandomAccessData
{
    public override long Length => length;

    public override int ReadAt(long offset, Span<byte> destination)
    {
        if (offset >= length)
            return 0;
        var want = (int)Math.Min(destination.Length, length - offset);
        lock (stream)
        {
            stream.Position = start + offset;
            var n = stream.Read(destination[..want]);
            counter.Add(n);
            return n;
        }
    }

    internal override RandomAccessData Uncounted() => new StreamSegmentData(stream, start, length, new ReadCounter());
}

/// <summary>Counts the bytes read from an archive file, so tools and benchmarks can prove how little was read.</summary>
public sealed class ReadCounter
{
    private long _bytes;
    private ReadCounter[] _included = [];

    /// <summary>Bytes counted here and by every included counter.</summary>
    public long Bytes => Interlocked.Read(ref _bytes) + _included.Sum(c => c.Bytes);

    /// <summary>Counts <paramref name="n"/> more bytes read.</summary>
    public void Add(long n) => Interlocked.Add(ref _bytes, n);

    /// <summary>Counts <paramref name="other"/>'s bytes here too (an image's own reads under the checkpoint read from it).</summary>
    public void Include(ReadCounter other)
    {
        if (other != this)
            _included = [.. _included, other];
    }
}

/// <summary>Passes reads through and counts them.</summary>
internal sealed class CountingStream(Stream inner, ReadCounter counter) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => inner.CanSeek;
    public override bool CanWrite => false;
    public override long Length => inner.Length;
    public override long Position { get => inner.Position; set => inner.Position = value; }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        counter.Add(n);
        return n;
    }

    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            inner.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>
/// Serves bytes already peeked from an unseekable stream, then the rest of it through a read-ahead buffer: SharpCompress's
/// bzip2 and xz decoders read a byte at a time, which unbuffered costs a system call per compressed byte. Reads larger
/// than the buffer (gzip, zstd) go straight through.
/// </summary>
internal sealed class ReadAheadStream : ForwardReadStream
{
    private const int BufferSize = 1 << 16;
    private readonly byte[] _buffer = new byte[BufferSize];
    private readonly Stream _rest;
    private int _start, _end;
    private long _consumed;

    public ReadAheadStream(ReadOnlySpan<byte> peeked, Stream rest)
    {
        peeked.CopyTo(_buffer);
        _end = peeked.Length;
        _rest = rest;
    }

    // Readable (bytes consumed so far) because some decompressors (SharpCompress's xz) ask for it.
    public override long Position { get => _consumed; set => throw new NotSupportedException(); }

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
            return 0;
        if (_start == _end)
        {
            if (buffer.Length >= BufferSize)
            {
                var direct = _rest.Read(buffer);
                _consumed += direct;
                return direct;
            }
            if (!Fill())
                return 0;
        }
        var n = Math.Min(buffer.Length, _end - _start);
        _buffer.AsSpan(_start, n).CopyTo(buffer);
        _start += n;
        _consumed += n;
        return n;
    }

    public override int ReadByte()
    {
        if (_start == _end && !Fill())
            return -1;
        _consumed++;
        return _buffer[_start++];
    }

    /// <summary>The next byte without consuming it, or -1 at the end.</summary>
    public int PeekByte() => _start < _end || Fill() ? _buffer[_start] : -1;

    private bool Fill()
    {
        _start = 0;
        _end = _rest.Read(_buffer);
        return _end > 0;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _rest.Dispose();
        base.Dispose(disposing);
    }
}
