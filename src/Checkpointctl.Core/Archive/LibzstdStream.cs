using System.Runtime.InteropServices;

namespace Checkpointctl.Core.Archive;

/// <summary>
/// zstd decoding by the system's libzstd (the decoder behind <c>zstd -d</c>): a fifth less CPU than ZstdSharp's
/// managed port on a text-heavy archive, the same as <c>zstd -dc</c>. Reads concatenated and skippable frames as
/// <c>zstd -d</c> does, checks frame checksums, and refuses frames whose window is larger than
/// <see cref="WindowLogMax"/> (libzstd's and ZstdSharp's default limit, 128 MiB: <c>zstd --long=28</c> and above need it
/// raised on the command line too).
/// </summary>
internal sealed unsafe partial class LibzstdStream : NativeDecoderStream
{
    public const int WindowLogMax = 27;

    private const string Library = "libzstd.so.1";
    private const int WindowLogMaxParameter = 100;
    private const int WindowTooLarge = 16, MemoryAllocation = 64;

    private nint _context;
    private Buffer _in;
    // libzstd's hint after the last call: 0 when a frame has just ended (and all of it was flushed).
    private nuint _hint = 1;

    /// <summary>True when libzstd 1.4 or later (its advanced decoding API is stable since then) can be loaded here.</summary>
    public static bool IsAvailable { get; } = LibraryLoads(() => ZSTD_versionNumber() >= 10400);

    /// <summary>Decodes <paramref name="source"/>; takes ownership of it.</summary>
    public LibzstdStream(Stream source) : base(source)
    {
        _context = ZSTD_createDCtx();
        if (_context == 0)
        {
            Dispose();
            throw new OutOfMemoryException();
        }
        var result = ZSTD_DCtx_setParameter(_context, WindowLogMaxParameter, WindowLogMax);
        if (ZSTD_isError(result) != 0)
        {
            Dispose();
            throw Failure(result);
        }
    }

    /// <summary>What a frame whose window exceeds <see cref="WindowLogMax"/> is refused with, by either decoder.</summary>
    public static string WindowLimitMessage => $"the zstd frame needs a window larger than the {1 << (WindowLogMax - 20)} MiB limit";

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_context == 0, this);
        if (buffer.IsEmpty)
            return 0;
        fixed (byte* output = buffer)
        {
            var outBuffer = new Buffer { Data = output, Size = (nuint)buffer.Length };
            var input = _in;
            try
            {
                while (true)
                {
                    if (input.Position == input.Size && !SourceDone)
                        input = new Buffer { Data = Input, Size = (nuint)FillInput() };
                    var inputLeft = input.Size - input.Position;
                    if (inputLeft == 0 && _hint == 0)
                        return (int)outBuffer.Position;
                    var before = outBuffer.Position;
                    var result = ZSTD_decompressStream(_context, &outBuffer, &input);
                    if (ZSTD_isError(result) != 0)
                        throw Failure(result);
                    _hint = result;
                    // All input given and nothing more came out, yet the frame is not complete.
                    if (inputLeft == 0 && outBuffer.Position == before)
                        throw new EndOfStreamException("zstd data is truncated");
                    if (outBuffer.Position == outBuffer.Size || (outBuffer.Position > 0 && input.Position == input.Size))
                        return (int)outBuffer.Position;
                }
            }
            finally
            {
                _in = input;
            }
        }
    }

    private static Exception Failure(nuint result) => ZSTD_getErrorCode(result) switch
    {
        WindowTooLarge => new DecompressionLimitException(WindowLimitMessage),
        MemoryAllocation => new OutOfMemoryException(),
        _ => new InvalidDataException(Marshal.PtrToStringUTF8(ZSTD_getErrorName(result))),
    };

    protected override void FreeDecoder()
    {
        if (_context != 0)
        {
            ZSTD_freeDCtx(_context);
            _context = 0;
        }
    }

    /// <summary>libzstd's <c>ZSTD_inBuffer</c> and <c>ZSTD_outBuffer</c> (same layout).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Buffer
    {
        public byte* Data;
        public nuint Size;
        public nuint Position;
    }

    [LibraryImport(Library)]
    private static partial uint ZSTD_versionNumber();

    [LibraryImport(Library)]
    private static partial nint ZSTD_createDCtx();

    [LibraryImport(Library)]
    private static partial nuint ZSTD_freeDCtx(nint context);

    [LibraryImport(Library)]
    private static partial nuint ZSTD_DCtx_setParameter(nint context, int parameter, int value);

    [LibraryImport(Library)]
    private static partial nuint ZSTD_decompressStream(nint context, Buffer* output, Buffer* input);

    [LibraryImport(Library)]
    private static partial uint ZSTD_isError(nuint code);

    [LibraryImport(Library)]
    private static partial int ZSTD_getErrorCode(nuint code);

    [LibraryImport(Library)]
    private static partial nint ZSTD_getErrorName(nuint code);
}
