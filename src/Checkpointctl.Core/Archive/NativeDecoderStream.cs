using System.Runtime.InteropServices;

namespace Checkpointctl.Core.Archive;

/// <summary>
/// What the decoders of system libraries (liblzma, libzstd) share: the compressed source they own, read into a native
/// input buffer the library consumes in place, and the release of native memory on dispose or finalisation.
/// </summary>
internal abstract unsafe class NativeDecoderStream : ForwardReadStream
{
    protected const int InputSize = 128 << 10;

    private readonly Stream _source;

    protected NativeDecoderStream(Stream source)
    {
        _source = source;
        Input = (byte*)NativeMemory.Alloc(InputSize);
    }

    ~NativeDecoderStream() => Release();

    /// <summary>The native input buffer (<see cref="InputSize"/> bytes).</summary>
    protected byte* Input { get; private set; }

    /// <summary>True once the source has ended.</summary>
    protected bool SourceDone { get; private set; }

    /// <summary>Reads the next compressed bytes into <see cref="Input"/>: their count, 0 once the source has ended.</summary>
    protected int FillInput()
    {
        var n = _source.Read(new Span<byte>(Input, InputSize));
        SourceDone = n == 0;
        return n;
    }

    /// <summary>True when the library loads here and <paramref name="versionIsUsable"/> accepts its version.</summary>
    protected static bool LibraryLoads(Func<bool> versionIsUsable)
    {
        try
        {
            return versionIsUsable();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return false;
        }
    }

    /// <summary>Frees the library's decoder state (called once, also when the constructor failed).</summary>
    protected abstract void FreeDecoder();

    private void Release()
    {
        FreeDecoder();
        if (Input != null)
        {
            NativeMemory.Free(Input);
            Input = null;
        }
    }

    protected override void Dispose(bool disposing)
    {
        Release();
        if (disposing)
            _source.Dispose();
        base.Dispose(disposing);
    }
}
