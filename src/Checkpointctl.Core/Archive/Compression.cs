using System.IO.Compression;
using SharpCompress.Compressors.BZip2;
using SharpCompress.Compressors.Xz;
using ZstdSharp;

namespace Checkpointctl.Core.Archive;

public enum CompressionKind
{
    None,
    Gzip,
    Bzip2,
    Xz,
    Zstd,
}

/// <summary>Detects compression by magic bytes (never by file name) and opens a decompressing stream.</summary>
public static class Compression
{
    /// <summary>Bytes needed to recognise every supported format.</summary>
    public const int MagicLength = 6;

    public static CompressionKind Detect(ReadOnlySpan<byte> head) => head switch
    {
        [0x1F, 0x8B, 0x08, ..] => CompressionKind.Gzip,
        [0x42, 0x5A, 0x68, ..] => CompressionKind.Bzip2,
        [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00, ..] => CompressionKind.Xz,
        [0x28, 0xB5, 0x2F, 0xFD, ..] => CompressionKind.Zstd,
        _ => CompressionKind.None,
    };

    /// <summary>Wraps <paramref name="compressed"/> in a decompressor; takes ownership of it.</summary>
    public static Stream Decompress(Stream compressed, CompressionKind kind) => kind switch
    {
        CompressionKind.None => compressed,
        CompressionKind.Gzip => new GZipStream(compressed, CompressionMode.Decompress, leaveOpen: false),
        CompressionKind.Zstd => new DecompressionStream(compressed, bufferSize: 1 << 17, checkEndOfStream: true, leaveOpen: false),
        CompressionKind.Bzip2 => BZip2Stream.Create(compressed, SharpCompress.Compressors.CompressionMode.Decompress, decompressConcatenated: true, leaveOpen: false),
        CompressionKind.Xz => new XZStream(compressed),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
