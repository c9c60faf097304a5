using Checkpointctl.Core.Archive;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Checkpointctl.Core.Image;

/// <summary>
/// containerd's native checkpoint image (checkpoint-shapes.md §3.3): an index whose descriptors are blobs by media
/// type. It is presented as a container archive, as containerd's CRI does: the criu tar below <c>checkpoint/</c>,
/// the checkpoint config's spec as <c>spec.dump</c>, the rw layer (still gzip) as <c>rootfs-diff.tar</c>; other
/// blobs (options, the base image) are not part of the checkpoint.
/// </summary>
internal static class ContainerdCheckpoint
{
    private const string SpecTypeUrlSuffix = "opencontainers/runtime-spec/1/Spec";

    public static ResolvedImage Resolve(ImageFiles files, ImageDescription description, SortedDictionary<string, string> annotations,
        IReadOnlyDictionary<string, string> index, IReadOnlyList<ImageDescriptor> descriptors)
    {
        var criu = AtMostOne(files, descriptors, ImageLayout.ContainerdCriuTar)
            ?? throw new MissingCheckpointDataException(
                $"checkpoint directory is missing in the archive file: {files.Path} (the containerd checkpoint image has no CRIU data: no {ImageLayout.ContainerdCriuTar} blob)");
        var config = AtMostOne(files, descriptors, ImageLayout.ContainerdCheckpointConfig);
        var rw = descriptors.Where(d => d.MediaType.StartsWith(ImageLayout.OciLayer, StringComparison.Ordinal)).ToList();
        if (rw.Count > 1)
            throw new InvalidCheckpointException($"{files.Path}: the containerd checkpoint image has {rw.Count} rw layers");
        ImageResolver.CheckSize(files, criu.BlobPath, criu.Size);
        if (config != null)
            ImageResolver.CheckSize(files, config.BlobPath, config.Size);
        if (rw.Count == 1)
            ImageResolver.CheckSize(files, rw[0].BlobPath, rw[0].Size);
        // The base image: the copied image descriptor's name (--image), else the index's (variant C: ref.name; T: image.name).
        var baseImage = descriptors.Where(d => d.MediaType is ImageLayout.OciManifest or ImageLayout.OciIndex or ImageLayout.DockerManifest or ImageLayout.DockerManifestList)
            .Select(d => d.Annotation(ImageLayout.RefNameAnnotation)).FirstOrDefault(n => n.Length > 0)
            ?? new[] { ImageLayout.RefNameAnnotation, ImageLayout.ContainerdTaskImageNameAnnotation }.Select(k => index.GetValueOrDefault(k, "")).FirstOrDefault(n => n.Length > 0, "");
        description = description with
        {
            Kind = ImageDescription.ContainerdCheckpoint,
            Annotations = annotations.ToList(),
            LayerMediaType = criu.MediaType,
            BaseImage = baseImage,
            Runtime = index.GetValueOrDefault(ImageLayout.ContainerdCheckpointRuntimeAnnotation, ""),
        };
        return new ResolvedImage(description, criu.BlobPath, CompressionKind.None) { Config = config, RwLayerBlob = rw.Count == 1 ? rw[0].BlobPath : null };
    }

    private static ImageDescriptor? AtMostOne(ImageFiles files, IReadOnlyList<ImageDescriptor> descriptors, string mediaType)
    {
        var found = descriptors.Where(d => d.MediaType == mediaType).ToList();
        return found.Count <= 1 ? found.FirstOrDefault()
            : throw new InvalidCheckpointException($"{files.Path}: the containerd checkpoint image has {found.Count} {mediaType} blobs");
    }

    /// <summary>The OCI runtime spec (JSON) a checkpoint config blob holds: the value of a protobuf Any of the spec's type.</summary>
    /// <exception cref="InvalidCheckpointException">Not such an Any.</exception>
    public static byte[] Spec(byte[] config, string what)
    {
        Any any;
        try
        {
            any = Any.Parser.ParseFrom(config);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidCheckpointException($"{what}: the checkpoint config is not a protobuf Any ({e.Message.TrimEnd('.')})", e);
        }
        if (!any.TypeUrl.EndsWith(SpecTypeUrlSuffix, StringComparison.Ordinal))
            throw new InvalidCheckpointException($"{what}: the checkpoint config holds \"{ImageJson.Printable(any.TypeUrl)}\", not an OCI runtime spec");
        return any.Value.ToByteArray();
    }
}
