using Checkpointctl.Core.Archive;

namespace Checkpointctl.Core.Analysis.CoreDump;

/// <summary>
/// A pages member of a streamed archive as random-access data that is read forward only: reads skip ahead and never
/// go back, which is how memory read in address order reads its pages.
/// </summary>
internal sealed class ForwardPages(string name, Stream stream, long length) : RandomAccessData
{
    private readonly byte[] _skip = new byte[1 << 16];
    private long _position;

    public override long Length => length;

    public override int ReadAt(long offset, Span<byte> destination)
    {
        if (offset < _position)
            throw new InvalidCheckpointException($"{name}: pages read out of order at offset {offset} (already past {_position})");
        if (offset >= length)
            return 0;
        while (_position < offset)
        {
            var skipped = stream.Read(_skip, 0, (int)Math.Min(_skip.Length, offset - _position));
            if (skipped == 0)
                throw new EndOfStreamException();
            _position += skipped;
        }
        var n = stream.Read(destination[..(int)Math.Min(destination.Length, length - offset)]);
        _position += n;
        return n;
    }
}
