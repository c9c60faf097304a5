using Checkpointctl.Core.Archive;

namespace Checkpointctl.Tests;

/// <summary>Hides seeking, as a pipe would.</summary>
public sealed class NonSeekableStream(Stream inner) : ForwardReadStream
{
    public override int Read(Span<byte> buffer) => inner.Read(buffer);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            inner.Dispose();
        base.Dispose(disposing);
    }
}
