using Checkpointctl.Core.Archive;

namespace Checkpointctl.Core.Image;

/// <summary>
/// Hands the archive layer the checkpoint root of a resolved image: an uncompressed blob is a window of the image,
/// indexed and read in place; a gzip or zstd layer is streamed once. Reads of the image's own files are counted
/// with the checkpoint's.
/// </summary>
internal static class CheckpointRootOpener
{
    public static CheckpointArchive Open(ImageFiles files, ResolvedImage image, ArchiveRequest request)
    {
        var blob = files.Open(image.CheckpointBlob);
        var compression = Compression(files, image, blob);
        var layout = Layout(files, image);
        var archive = compression == CompressionKind.None
            ? CheckpointArchive.ReadInPlace(files.Path, blob, request, layout)
            : CheckpointArchive.Read(files.Path, new RandomAccessStream(blob.Uncounted()), request, layout);
        archive.BytesRead.Include(files.BytesRead);
        archive.Image = image.Description;
        return archive;
    }

    /// <summary>What the layers above see: the blob as it is, or containerd's blobs as a container archive.</summary>
    public static RootLayout Layout(ImageFiles files, ResolvedImage image)
    {
        if (!image.Description.IsContainerdCheckpoint)
            return RootLayout.Plain;
        var extra = new List<(string, RandomAccessData)>();
        if (image.Config != null)
            extra.Add((ArchiveLayout.SpecDump, RandomAccessData.FromMemory(ContainerdCheckpoint.Spec(ImageResolver.ReadBlob(files, image.Config), files.Path))));
        if (image.RwLayerBlob != null)
            extra.Add((ArchiveLayout.RootFsDiffTar, files.Open(image.RwLayerBlob)));
        return new RootLayout { MemberPrefix = ArchiveLayout.CheckpointPrefix, Extra = extra };
    }

    // The compression of the blob's bytes, which must be what its media type declares.
    private static CompressionKind Compression(ImageFiles files, ResolvedImage image, RandomAccessData blob)
    {
        Span<byte> head = stackalloc byte[Archive.Compression.MagicLength];
        var n = blob.ReadAt(0, head);
        var actual = Archive.Compression.Detect(head[..Math.Max(n, 0)]);
        if (image.Compression is { } declared && declared != actual)
            throw new InvalidCheckpointException(
                $"{files.Path}: {image.CheckpointBlob} is {Describe(actual)} data, but its media type {image.Description.LayerMediaType} says {Describe(declared)}");
        if (actual is not (CompressionKind.None or CompressionKind.Gzip or CompressionKind.Zstd))
            throw new InvalidCheckpointException($"{files.Path}: {image.CheckpointBlob} is {Describe(actual)} data; image layers are tar, gzip or zstd");
        return actual;
    }

    private static string Describe(CompressionKind kind) => kind == CompressionKind.None ? "uncompressed" : kind.ToString().ToLowerInvariant();
}
