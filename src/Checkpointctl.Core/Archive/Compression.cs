using System.IO.Compression;
using SharpCompress.Compressors.BZip2;
using SharpCompress.Compressors.Xz;
using ZstdSharp;
using ZstdSharp.Unsafe;

namespace Checkpointctl.Core.Archive;

/// <summary>A compression format of checkpoint archives.</summary>
public enum CompressionKind
{
    /// <summary>An uncompressed tar.</summary>
    None,
    /// <summary>gzip.</summary>
    Gzip,
    /// <summary>bzip2.</summary>
    Bzip2,
    /// <summary>xz.</summary>
    Xz,
    /// <summary>zstd.</summary>
    Zstd,
}

/// <summary>Detects compression by magic bytes (never by file name) and opens a decompressing stream.</summary>
public static class Compression
{
    /// <summary>Bytes needed to recognise every supported format.</summary>
    public const int MagicLength = 6;

    /// <summary>The compression of data starting with <paramref name="head"/> (at least <see cref="MagicLength"/> bytes when available).</summary>
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
        CompressionKind.Zstd => LibzstdStream.IsAvailable ? new LibzstdStream(compressed) : ManagedZstd(compressed),
        CompressionKind.Bzip2 => Libbz2Stream.IsAvailable ? new Libbz2Stream(compressed) : ManagedBzip2(compressed),
        CompressionKind.Xz => LiblzmaXzStream.IsAvailable ? new LiblzmaXzStream(compressed) : ManagedXz(compressed),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>ZstdSharp's decoder, where libzstd is missing; it refuses windows over 128 MiB like libzstd.</summary>
    internal static Stream ManagedZstd(Stream compressed) => new ManagedZstdStream(compressed);

    /// <summary>SharpCompress's bzip2 decoder, where libbz2 is missing.</summary>
    internal static Stream ManagedBzip2(Stream compressed) => new BoundedReadStream(
        BZip2Stream.Create(compressed, SharpCompress.Compressors.CompressionMode.Decompress, decompressConcatenated: true, leaveOpen: false));

    /// <summary>SharpCompress's xz decoder, where liblzma is missing.</summary>
    internal static Stream ManagedXz(Stream compressed) =>
        new BoundedReadStream(new ConcatenatedXzStream(compressed as ReadAheadStream ?? new ReadAheadStream([], compressed)));
}

/// <summary>ZstdSharp's stream, its refusal of a large window told apart from corrupt data as libzstd's is.</summary>
internal sealed class ManagedZstdStream(Stream compressed) : ForwardReadStream
{
    private readonly DecompressionStream _inner = new(compressed, bufferSize: 1 << 17, checkEndOfStream: true, leaveOpen: false);

    public override int Read(Span<byte> buffer)
    {
        try
        {
            return _inner.Read(buffer);
        }
        catch (ZstdException e) when (e.Code == ZSTD_ErrorCode.ZSTD_error_frameParameter_windowTooLarge)
        {
            throw new DecompressionLimitException(LibzstdStream.WindowLimitMessage);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _inner.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>
/// Passes reads on in pieces of at most 128 KiB. SharpCompress's decoders copy through a temporary array as large as
/// the request (XZStream via Stream's Read(Span) fallback): a 256 MiB held member cost 512 MiB, and the pool kept it.
/// </summary>
internal sealed class BoundedReadStream(Stream inner) : ForwardReadStream
{
    private const int MaxRead = 128 << 10;

    public override int Read(Span<byte> buffer) => inner.Read(buffer[..Math.Min(buffer.Length, MaxRead)]);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            inner.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>
/// xz data made of several streams one after another (<c>cat a.xz b.xz</c>, which <c>xz -d</c> reads as one), each
/// optionally followed by stream padding (null bytes, a multiple of four); SharpCompress's XZStream reads only one.
/// </summary>
internal sealed class ConcatenatedXzStream(ReadAheadStream source) : ForwardReadStream
{
    private XZStream _current = new(source);

    public override int Read(Span<byte> buffer)
    {
        while (true)
        {
            var n = _current.Read(buffer);
            if (n > 0 || buffer.IsEmpty)
                return n;
            var padding = 0;
            while (source.PeekByte() == 0)
            {
                source.ReadByte();
                padding++;
            }
            if (padding % 4 != 0)
                throw new InvalidDataException("xz stream padding is not a multiple of four bytes");
            if (source.PeekByte() < 0)
                return 0;
            _current = new XZStream(source);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            source.Dispose();
        base.Dispose(disposing);
    }
}
