namespace Checkpointctl.Core.Archive;

/// <summary>
/// A member of a streamed archive as random-access data that may only be read forward: reads skip ahead and never go
/// back. Pages are laid out in address order, so reading memory in address order reads its pages this way.
/// Decompression and tar errors come out in the archive's words.
/// </summary>
internal sealed class ForwardData(Stream stream, long length, CheckpointArchive archive) : RandomAccessData
{
    private byte[]? _skip;
    private long _position;

    public override long Length => length;

    public override int ReadAt(long offset, Span<byte> destination)
    {
        if (offset < _position)
            throw new InvalidCheckpointException($"{archive.Path}: pages read out of order at offset {offset} (already past {_position})");
        if (offset >= length)
            return 0;
        Skip(offset - _position);
        var want = (int)Math.Min(destination.Length, length - offset);
        int n;
        try
        {
            n = stream.ReadAtLeast(destination[..want], want, throwOnEndOfStream: true);
        }
        catch (Exception e) when (e is not CheckpointException)
        {
            // The archive's own translation of decompression, tar and I/O errors (spans cannot enter its lambda).
            return archive.Guard<int>(() => throw e);
        }
        _position += n;
        return n;
    }

    private void Skip(long count)
    {
        _skip ??= new byte[1 << 16];
        while (count > 0)
        {
            var n = archive.Guard(() => stream.Read(_skip, 0, (int)Math.Min(_skip.Length, count)));
            if (n == 0)
                throw ArchiveErrors.UnexpectedEof(archive.Path);
            count -= n;
            _position += n;
        }
    }
}
