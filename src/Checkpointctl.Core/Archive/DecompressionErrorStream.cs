namespace Checkpointctl.Core.Archive;

/// <summary>A failure inside a decompressor (corrupt or truncated compressed data).</summary>
internal sealed class DecompressionException(string message, Exception inner) : Exception(message, inner);

/// <summary>
/// Wraps a decompressor so that its failures are told apart from tar format errors: every decompressor throws its own
/// exception types (InvalidDataException, ZstdException, ...), and a truncated stream must read as "unexpected EOF".
/// </summary>
internal sealed class DecompressionErrorStream(Stream inner, CompressionKind kind) : ForwardReadStream
{
    /// <summary>Opens the decompressor; some (bzip2) already decode the first block here, so failures are wrapped too.</summary>
    public static DecompressionErrorStream Open(Stream compressed, CompressionKind kind)
    {
        try
        {
            return new DecompressionErrorStream(Compression.Decompress(compressed, kind), kind);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw Wrap(e, kind);
        }
    }


    public override int Read(Span<byte> buffer)
    {
        try
        {
            return inner.Read(buffer);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw Wrap(e, kind);
        }
    }

    private static DecompressionException Wrap(Exception e, CompressionKind kind)
    {
        var message = e is EndOfStreamException || e.Message.Contains("truncat", StringComparison.OrdinalIgnoreCase)
            ? "unexpected EOF"
            : $"{kind.ToString().ToLowerInvariant()}: invalid compressed data ({e.Message.TrimEnd('.')})";
        return new DecompressionException(message, e);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            inner.Dispose();
        base.Dispose(disposing);
    }
}
