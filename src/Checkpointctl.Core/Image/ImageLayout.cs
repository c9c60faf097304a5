namespace Checkpointctl.Core.Image;

/// <summary>File names, media types and annotation keys of image packagings (checkpoint-shapes.md §3, OCI image spec).</summary>
public static class ImageLayout
{
    public const string OciLayoutFile = "oci-layout";
    public const string IndexFile = "index.json";
    public const string DockerManifestFile = "manifest.json";
    public const string DockerRepositoriesFile = "repositories";
    public const string BlobsDirectory = "blobs";

    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciLayer = "application/vnd.oci.image.layer.v1.tar";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerLayer = "application/vnd.docker.image.rootfs.diff.tar";

    // containerd's native checkpoint image (core/images/mediatypes.go).
    public const string ContainerdMediaTypePrefix = "application/vnd.containerd.container.";
    public const string ContainerdCriuTar = "application/vnd.containerd.container.criu.checkpoint.criu.tar";
    public const string ContainerdCheckpointConfig = "application/vnd.containerd.container.checkpoint.config.v1+proto";

    public const string RefNameAnnotation = "org.opencontainers.image.ref.name";
    public const string ContainerdImageNameAnnotation = "io.containerd.image.name";
    public const string ContainerdCheckpointRuntimeAnnotation = "io.containerd.checkpoint.runtime";
    public const string ContainerdTaskImageNameAnnotation = "image.name";

    /// <summary>Largest JSON or protobuf blob read into memory (containerd's own limit for an index).</summary>
    public const int MaxMetadataBlobBytes = 4 << 20;

    /// <summary>Most descriptors in one index or manifest, and most members of an image container.</summary>
    public const int MaxDescriptors = 1024;

    public const int MaxMembers = 100_000;

    /// <summary>Nesting of indexes followed (containerd's checkpoint index is one level below index.json).</summary>
    public const int MaxIndexDepth = 4;
}
