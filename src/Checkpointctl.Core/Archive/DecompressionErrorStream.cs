namespace Checkpointctl.Core.Archive;

/// <summary>Why a decompressor failed.</summary>
internal enum DecompressionFailure
{
    Truncated,
    Corrupt,
    /// <summary>The data needs more than a limit of ours (xz decoder memory).</summary>
    Limit,
}

/// <summary>A failure inside a decompressor (corrupt or truncated compressed data, or one of our limits).</summary>
internal sealed class DecompressionException(DecompressionFailure failure, string message, Exception inner) : Exception(message, inner)
{
    public DecompressionFailure Failure { get; } = failure;
}

/// <summary>Thrown by a decoder when the data needs more than a limit of ours; the message says which.</summary>
internal sealed class DecompressionLimitException(string message) : Exception(message);

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
        var name = kind.ToString().ToLowerInvariant();
        if (e is EndOfStreamException || e.Message.Contains("truncat", StringComparison.OrdinalIgnoreCase))
            return new DecompressionException(DecompressionFailure.Truncated, "unexpected EOF", e);
        if (e is DecompressionLimitException)
            return new DecompressionException(DecompressionFailure.Limit, $"{name}: {e.Message}", e);
        // The decoder's own words (a library's exception text) are not shown; which decoder failed is.
        return new DecompressionException(DecompressionFailure.Corrupt, $"{name}: invalid compressed data", e);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            inner.Dispose();
        base.Dispose(disposing);
    }
}
