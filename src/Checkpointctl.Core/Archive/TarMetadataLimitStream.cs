namespace Checkpointctl.Core.Archive;

/// <summary>
/// Sits under <see cref="System.Formats.Tar.TarReader"/> and refuses oversized tar metadata. TarReader reads a PAX
/// extended header or a GNU long name/link into one array of the size its header claims, with no limit (a few bytes
/// of a compressed archive could make it allocate 2 GiB). While the reader looks for the next entry
/// (<see cref="InHeader"/>) its only reads are header blocks, skipped data (at most 4 KiB per read) and such
/// metadata blocks, so one read of more than <see cref="MaxMetadataBytes"/> is refused before anything is read into
/// it. Member data is read outside <see cref="InHeader"/> and is not limited here. Seeks pass through.
/// </summary>
internal sealed class TarMetadataLimitStream(Stream inner, string path) : Stream
{
    /// <summary>Largest PAX header or GNU long name (Go's archive/tar and .NET's own later limit: 1 MiB).</summary>
    public const int MaxMetadataBytes = 1 << 20;

    /// <summary>Set while <c>TarReader.GetNextEntry</c> runs.</summary>
    public bool InHeader { get; set; }

    public override bool CanRead => true;
    public override bool CanSeek => inner.CanSeek;
    public override bool CanWrite => false;
    public override long Length => inner.Length;
    public override long Position { get => inner.Position; set => inner.Position = value; }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (InHeader && buffer.Length > MaxMetadataBytes)
            throw new InvalidCheckpointException($"archive/tar: header field too long ({path})");
        return inner.Read(buffer);
    }

    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
