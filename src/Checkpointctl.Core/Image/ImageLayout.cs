namespace Checkpointctl.Core.Image;

/// <summary>File names, media types and annotation keys of image packagings (checkpoint-shapes.md §3, OCI image spec).</summary>
public static class ImageLayout
{
    /// <summary>The OCI layout marker file.</summary>
    public const string OciLayoutFile = "oci-layout";
    /// <summary>The OCI image index.</summary>
    public const string IndexFile = "index.json";
    /// <summary>docker-archive's manifest.</summary>
    public const string DockerManifestFile = "manifest.json";
    /// <summary>docker-archive's repositories file.</summary>
    public const string DockerRepositoriesFile = "repositories";
    /// <summary>The OCI blobs directory.</summary>
    public const string BlobsDirectory = "blobs";

    /// <summary>Media type of an OCI image index.</summary>
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    /// <summary>Media type of an OCI image manifest.</summary>
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    /// <summary>Media type of an uncompressed OCI layer.</summary>
    public const string OciLayer = "application/vnd.oci.image.layer.v1.tar";
    /// <summary>Media type of a Docker manifest list.</summary>
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    /// <summary>Media type of a Docker image manifest.</summary>
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    /// <summary>Media type of an uncompressed Docker layer.</summary>
    public const string DockerLayer = "application/vnd.docker.image.rootfs.diff.tar";

    // containerd's native checkpoint image (core/images/mediatypes.go).
    /// <summary>Prefix of containerd's checkpoint media types.</summary>
    public const string ContainerdMediaTypePrefix = "application/vnd.containerd.container.";
    /// <summary>Media type of containerd's tar of CRIU images.</summary>
    public const string ContainerdCriuTar = "application/vnd.containerd.container.criu.checkpoint.criu.tar";
    /// <summary>Media type of containerd's checkpoint config (the OCI spec in a protobuf Any).</summary>
    public const string ContainerdCheckpointConfig = "application/vnd.containerd.container.checkpoint.config.v1+proto";

    /// <summary>The OCI annotation naming an image.</summary>
    public const string RefNameAnnotation = "org.opencontainers.image.ref.name";
    /// <summary>containerd's annotation naming an image.</summary>
    public const string ContainerdImageNameAnnotation = "io.containerd.image.name";
    /// <summary>containerd's annotation naming the runtime of a checkpoint.</summary>
    public const string ContainerdCheckpointRuntimeAnnotation = "io.containerd.checkpoint.runtime";
    /// <summary>containerd's annotation naming the base image of a checkpoint.</summary>
    public const string ContainerdTaskImageNameAnnotation = "image.name";

    /// <summary>Largest JSON or protobuf blob read into memory (containerd's own limit for an index).</summary>
    public const int MaxMetadataBlobBytes = 4 << 20;

    /// <summary>Most descriptors in one index or manifest, and most members of an image container.</summary>
    public const int MaxDescriptors = 1024;

    /// <summary>Most members of an image archive.</summary>
    public const int MaxMembers = 100_000;

    /// <summary>Nesting of indexes followed (containerd's checkpoint index is one level below index.json).</summary>
    public const int MaxIndexDepth = 4;
}
