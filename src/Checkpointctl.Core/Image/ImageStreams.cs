using Checkpointctl.Core.Archive;

namespace Checkpointctl.Core.Image;

/// <summary>Bytes already read (peeked) from a stream, then the rest of it; disposing it disposes the rest.</summary>
internal sealed class ReplayStream(ReadOnlyMemory<byte> peeked, Stream rest) : ForwardReadStream
{
    private int _offset;

    public override int Read(Span<byte> buffer)
    {
        if (_offset < peeked.Length)
        {
            var n = Math.Min(buffer.Length, peeked.Length - _offset);
            peeked.Span.Slice(_offset, n).CopyTo(buffer);
            _offset += n;
            return n;
        }
        return rest.Read(buffer);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            rest.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>Records what is read from a stream (at most <paramref name="limit"/> bytes, then it ends), so it can be read again.</summary>
internal sealed class RecordingStream(Stream inner, int limit) : ForwardReadStream
{
    private readonly MemoryStream _recorded = new();

    public override int Read(Span<byte> buffer)
    {
        var room = (int)Math.Min(buffer.Length, limit - _recorded.Length);
        if (room <= 0)
            return 0;
        var n = inner.Read(buffer[..room]);
        _recorded.Write(buffer[..n]);
        return n;
    }

    /// <summary>Everything recorded, then the rest of the stream.</summary>
    public ReplayStream Replay() => new(_recorded.ToArray(), inner);
}

/// <summary>Reads through without ever closing the stream below (decompressors close what they read).</summary>
internal sealed class NonClosingStream(Stream inner) : ForwardReadStream
{
    public override int Read(Span<byte> buffer) => inner.Read(buffer);
}

/// <summary>Counts the bytes read, except while <see cref="Paused"/> (when a reader above counts them itself).</summary>
internal sealed class PausableCountingStream(Stream inner, ReadCounter counter) : ForwardReadStream
{
    public bool Paused { get; set; }

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        if (!Paused)
            counter.Add(n);
        return n;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            inner.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>A blob known by its size only (it went by in a stream); reading it is an error.</summary>
internal sealed class UnavailableData(string path, string name, long length) : RandomAccessData
{
    public override long Length => length;

    public override int ReadAt(long offset, Span<byte> destination) =>
        throw new InvalidCheckpointException($"{path}: {name} cannot be read again: the image was read from a stream");
}
