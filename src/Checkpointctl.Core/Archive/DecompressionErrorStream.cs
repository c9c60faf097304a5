namespace Checkpointctl.Core.Archive;

/// <summary>A failure inside a decompressor (corrupt or truncated compressed data).</summary>
internal sealed class DecompressionException(string message, Exception inner) : Exception(message, inner);

/// <summary>
/// Wraps a decompressor so that its failures are told apart from tar format errors: every decompressor throws its own
/// exception types (InvalidDataException, ZstdException, ...), and a truncated stream must read as "unexpected EOF".
/// </summary>
internal sealed class DecompressionErrorStream(Stream inner, CompressionKind kind) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        try
        {
            return inner.Read(buffer);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var name = kind.ToString().ToLowerInvariant();
            var message = e is EndOfStreamException || e.Message.Contains("truncat", StringComparison.OrdinalIgnoreCase)
                ? "unexpected EOF"
                : $"{name}: invalid compressed data ({e.Message.TrimEnd('.')})";
            throw new DecompressionException(message, e);
        }
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            inner.Dispose();
        base.Dispose(disposing);
    }
}
