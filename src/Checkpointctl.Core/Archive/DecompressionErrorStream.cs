namespace Checkpointctl.Core.Archive;

/// <summary>A failure inside a decompressor (corrupt or truncated compressed data).</summary>
internal sealed class DecompressionException(string message, Exception inner) : Exception(message, inner);

/// <summary>
/// Wraps a decompressor so that its failures are told apart from tar format errors: every decompressor throws its own
/// exception types (InvalidDataException, ZstdException, ...), and a truncated stream must read as "unexpected EOF".
/// </summary>
internal sealed class DecompressionErrorStream(Stream inner, CompressionKind kind) : ForwardReadStream
{

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

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            inner.Dispose();
        base.Dispose(disposing);
    }
}
