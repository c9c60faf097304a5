using System.Runtime.InteropServices;

namespace Checkpointctl.Cli.Io;

/// <summary>
/// Writes to an inherited file descriptor with write(2), as Go and C programs do. Not a FileStream: on a regular file
/// FileStream writes with pwrite at a position of its own and leaves the descriptor's shared offset alone, so in
/// <c>{ checkpointctl …; checkpointctl …; } &gt; log</c> the second run would overwrite the first. Not
/// System.Console's stream either: it sets a terminal up (keypad mode sequences) on first use.
/// </summary>
internal sealed partial class DescriptorStream(int fd) : Stream
{
    private const int EINTR = 4;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override unsafe void Write(ReadOnlySpan<byte> buffer)
    {
        fixed (byte* start = buffer)
        {
            var done = 0;
            while (done < buffer.Length)
            {
                var n = SystemWrite(fd, start + done, buffer.Length - done);
                if (n < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == EINTR)
                        continue;
                    // The errno is the HResult, as .NET's own IOExceptions carry it on Unix (SystemErrors reads it).
                    throw new IOException($"write: errno {errno}", errno);
                }
                done += (int)n;
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint SystemWrite(int fd, byte* buffer, nint count);
}
