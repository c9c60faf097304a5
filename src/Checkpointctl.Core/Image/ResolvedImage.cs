using Checkpointctl.Core.Archive;

namespace Checkpointctl.Core.Image;

/// <summary>
/// Where an image's checkpoint is: the blob holding it (the layer, or containerd's criu tar) and, for containerd's
/// checkpoint image, the blobs presented beside it (config as spec.dump, rw layer as rootfs-diff.tar).
/// </summary>
/// <param name="Compression">The compression the blob's media type declares; null when it declares none (docker-archive).</param>
/// <param name="Description">What the image is.</param>
/// <param name="CheckpointBlob">The blob holding the checkpoint.</param>
internal sealed record ResolvedImage(ImageDescription Description, string CheckpointBlob, CompressionKind? Compression)
{
    /// <summary>containerd: the checkpoint config blob (a protobuf Any holding the OCI spec), if any.</summary>
    public ImageDescriptor? Config { get; init; }

    /// <summary>containerd: the container's rw layer (gzip), if any.</summary>
    public string? RwLayerBlob { get; init; }
}
