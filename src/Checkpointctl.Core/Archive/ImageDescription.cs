namespace Checkpointctl.Core.Archive;

/// <summary>
/// The container image a checkpoint was read from (checkpoint-shapes.md §3), as its packaging describes it; the
/// checkpoint's own metadata (config.dump, spec.dump) stays authoritative for the container.
/// </summary>
/// <param name="Format">How the image is stored: <c>oci-archive</c>, <c>oci-dir</c> or <c>docker-archive</c>.</param>
/// <param name="Kind">What holds the checkpoint: <see cref="ArchiveInLayer"/> or <see cref="ContainerdCheckpoint"/>.</param>
/// <param name="Name">The image's name (reference) as the packaging records it, or "".</param>
/// <param name="Digest">Digest of the image's manifest (containerd: of its checkpoint index); "" for a docker-archive, which has none.</param>
/// <param name="Id">The image ID (digest of its config), or "" (containerd's checkpoint index has no config).</param>
public sealed record ImageDescription(string Format, string Kind, string Name, string Digest, string Id)
{
    /// <summary>The checkpoint archive is a layer of the image.</summary>
    public const string ArchiveInLayer = "archive in a layer";
    /// <summary>The image is containerd's checkpoint image (its CRIU images in a tar blob).</summary>
    public const string ContainerdCheckpoint = "containerd checkpoint";

    /// <summary>Annotations of the index(es) and the manifest, sorted by key (a manifest's value wins).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Annotations { get; init; } = [];

    /// <summary>Labels of the image config, sorted by key.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Labels { get; init; } = [];

    /// <summary>Media type of the blob the checkpoint was read from (the layer, or containerd's criu tar).</summary>
    public string LayerMediaType { get; init; } = "";

    /// <summary>containerd checkpoint: the base image named by the checkpoint index (the container's rootfs image).</summary>
    public string BaseImage { get; init; } = "";

    /// <summary>containerd checkpoint: the runtime named by the checkpoint index (e.g. <c>io.containerd.runc.v2</c>).</summary>
    public string Runtime { get; init; } = "";

    /// <summary>Whether the image is containerd's checkpoint image.</summary>
    public bool IsContainerdCheckpoint => Kind == ContainerdCheckpoint;
}
