namespace Checkpointctl.Core.Archive;

/// <summary>
/// The archive layer's messages for damage upstream also reports: upstream's text first (Go's <c>archive/tar: invalid
/// tar header</c>, <c>unexpected EOF</c>), then the archive and what we know about the place in parentheses.
/// </summary>
internal static class ArchiveErrors
{
    public static InvalidCheckpointException UnexpectedEof(string path, Exception? inner = null) => Create($"unexpected EOF ({path})", inner);

    /// <param name="offset">The header's offset in the (decompressed) tar stream, when known.</param>
    /// <param name="path">The archive.</param>
    /// <param name="inner">The tar reader's error.</param>
    public static InvalidCheckpointException InvalidHeader(string path, long? offset, Exception inner) =>
        new(offset is { } o ? $"archive/tar: invalid tar header ({path}, header at offset {o})" : $"archive/tar: invalid tar header ({path})", inner);

    /// <summary>
    /// Truncated or corrupt compressed data is upstream's <c>unexpected EOF</c> (its decompressors end the stream
    /// early); the decoder's reason follows. A limit of ours keeps our own message.
    /// </summary>
    public static InvalidCheckpointException Decompression(string path, DecompressionException e) => e.Failure switch
    {
        DecompressionFailure.Truncated => UnexpectedEof(path, e),
        DecompressionFailure.Corrupt => new($"unexpected EOF ({path}: {e.Message})", e),
        _ => new($"{path}: {e.Message}", e),
    };

    private static InvalidCheckpointException Create(string message, Exception? inner) => inner != null ? new(message, inner) : new(message);
}
