using Checkpointctl.Core.Archive;
using Microsoft.Win32.SafeHandles;

namespace Checkpointctl.Core.Image;

/// <summary>
/// Opens a checkpoint image (checkpoint-shapes.md §3) — an oci-archive or docker-archive tar, an OCI layout
/// directory, an image tar read from a stream — and hands back its checkpoint root as a <see cref="CheckpointArchive"/>
/// (with <see cref="CheckpointArchive.Image"/> describing the image), read with the caller's request like any
/// checkpoint: an uncompressed layer in place, a gzip or zstd layer streamed once.
/// </summary>
public static class CheckpointImageReader
{
    /// <summary>
    /// Opens <paramref name="path"/> when it is an image (decided by its first tar member, or for a directory by
    /// <c>oci-layout</c> + <c>index.json</c> or <c>manifest.json</c>); null when it is not one (or cannot be opened:
    /// the checkpoint reader then says why).
    /// </summary>
    /// <exception cref="CheckpointException">It is an image, but not a readable checkpoint image.</exception>
    public static CheckpointArchive? TryOpen(string path, ArchiveRequest request)
    {
        if (!Path.Exists(path) && ImageReference.Split(path) is var (image, reference))
            return TryOpen(image, request, reference);
        return TryOpen(path, request, reference: null);
    }

    // An image file or directory, and the image named in it (null: its only one).
    private static CheckpointArchive? TryOpen(string path, ArchiveRequest request, string? reference)
    {
        if (Directory.Exists(path))
            return ImageSniffer.IsImageDirectory(path) ? OpenFiles(new DirectoryImageFiles(path) { Reference = reference }, request) : null;
        if (!File.Exists(path) || !FileKind.IsRegularFileOrDirectory(path))
            return null;
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        try
        {
            var length = RandomAccess.GetLength(handle);
            var whole = new FileSegmentData(handle, 0, length, new ReadCounter());
            if (!ImageSniffer.IsImageMember(ImageSniffer.FirstMemberName(new RandomAccessStream(whole))))
            {
                handle.Dispose();
                return null;
            }
            if (IsCompressed(whole))
                return ImageStreamReader.Read(path, new FileStream(handle, FileAccess.Read, bufferSize: 0), request, reference);
            return OpenFiles(new TarImageFiles(path, counter => new FileSegmentData(handle, 0, length, counter), handle) { Reference = reference }, request);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>True when <paramref name="path"/> is a checkpoint image rather than a checkpoint (see <see cref="TryOpen(string, ArchiveRequest)"/>).</summary>
    public static bool IsImage(string path)
    {
        if (!Path.Exists(path) && ImageReference.Split(path) is var (image, _))
            path = image;
        if (Directory.Exists(path))
            return ImageSniffer.IsImageDirectory(path);
        if (!File.Exists(path) || !FileKind.IsRegularFileOrDirectory(path))
            return false;
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
            return ImageSniffer.IsImageMember(ImageSniffer.FirstMemberName(file));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Reads a checkpoint or a checkpoint image from a stream, telling them apart by the first member. A seekable
    /// stream of an uncompressed image is read in place; any other image in one pass (see <see cref="ImageStreamReader"/>).
    /// The stream is disposed with the archive.
    /// </summary>
    public static CheckpointArchive Read(string displayPath, Stream stream, ArchiveRequest request)
    {
        if (!stream.CanSeek)
        {
            var recording = new RecordingStream(stream, 8 << 20);
            var isImage = ImageSniffer.IsImageMember(ImageSniffer.FirstMemberName(recording));
            var replay = recording.Replay();
            return isImage ? ImageStreamReader.Read(displayPath, replay, request) : CheckpointArchive.Read(displayPath, replay, request);
        }
        try
        {
            var start = stream.Position;
            var image = ImageSniffer.IsImageMember(ImageSniffer.FirstMemberName(stream));
            stream.Position = start;
            if (!image)
                return CheckpointArchive.Read(displayPath, stream, request);
            var whole = new StreamSegmentData(stream, start, stream.Length - start, new ReadCounter());
            if (IsCompressed(whole))
                return ImageStreamReader.Read(displayPath, stream, request);
            return OpenFiles(new TarImageFiles(displayPath, counter => new StreamSegmentData(stream, start, stream.Length - start, counter), stream), request);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens an image tar that is a window of a larger input (e.g. a container's image inside a pod checkpoint): read
    /// in place when uncompressed, else in one pass. Reads are counted by <paramref name="tar"/>; the caller keeps it open.
    /// </summary>
    public static CheckpointArchive Open(string displayPath, RandomAccessData tar, ArchiveRequest request) => IsCompressed(tar)
        ? ImageStreamReader.Read(displayPath, new RandomAccessStream(tar), request)
        : OpenFiles(new TarImageFiles(displayPath, _ => tar), request);

    /// <summary>An image file or directory resolved to its checkpoint blob, read in place (for <c>build</c>, which copies it).</summary>
    /// <exception cref="CheckpointException">Not a readable checkpoint image, or a compressed image tar (which has no place to read in).</exception>
    internal static (ImageFiles Files, ResolvedImage Image) Resolve(string path)
    {
        string? reference = null;
        if (!Path.Exists(path) && ImageReference.Split(path) is var (image, named))
            (path, reference) = (image, named);
        ImageFiles files;
        if (Directory.Exists(path))
        {
            files = new DirectoryImageFiles(path);
        }
        else
        {
            var handle = SystemErrors.OpenRead(path);
            var length = RandomAccess.GetLength(handle);
            if (IsCompressed(new FileSegmentData(handle, 0, length, new ReadCounter())))
            {
                handle.Dispose();
                throw new CheckpointException($"{path}: a compressed image archive cannot be read in place; decompress it first");
            }
            files = new TarImageFiles(path, counter => new FileSegmentData(handle, 0, length, counter), handle);
        }
        files.Reference = reference;
        try
        {
            return (files, ImageResolver.Resolve(files));
        }
        catch
        {
            files.Dispose();
            throw;
        }
    }

    private static CheckpointArchive OpenFiles(ImageFiles files, ArchiveRequest request)
    {
        try
        {
            var archive = CheckpointRootOpener.Open(files, ImageResolver.Resolve(files), request);
            archive.Own(files);
            return archive;
        }
        catch
        {
            files.Dispose();
            throw;
        }
    }

    private static bool IsCompressed(RandomAccessData data)
    {
        Span<byte> head = stackalloc byte[Compression.MagicLength];
        var n = data.ReadAt(0, head);
        return Compression.Detect(head[..Math.Max(n, 0)]) != CompressionKind.None;
    }
}
