namespace Checkpointctl.Core.Archive;

/// <summary>Names of the members of a container checkpoint archive (shared by Podman, CRI-O and containerd).</summary>
public static class ArchiveLayout
{
    /// <summary>The directory of the CRIU images.</summary>
    public const string CheckpointDirectory = "checkpoint";
    /// <summary>Prefix of the CRIU images' member names.</summary>
    public const string CheckpointPrefix = "checkpoint/";

    /// <summary>Podman's pre-dump directory (<c>podman container checkpoint -P</c>, checkpoint-shapes.md §4.2).</summary>
    public const string PreCheckpointDirectory = "pre-checkpoint";
    /// <summary>Prefix of Podman's pre-dump images.</summary>
    public const string PreCheckpointPrefix = "pre-checkpoint/";
    /// <summary>The container's configuration as the engine wrote it (JSON).</summary>
    public const string ConfigDump = "config.dump";
    /// <summary>The container's OCI runtime spec (JSON).</summary>
    public const string SpecDump = "spec.dump";
    /// <summary>Podman's network status (JSON).</summary>
    public const string NetworkStatus = "network.status";
    /// <summary>CRIU's dump statistics image.</summary>
    public const string StatsDump = "stats-dump";
    /// <summary>The container's changed files, as a tar.</summary>
    public const string RootFsDiffTar = "rootfs-diff.tar";
    /// <summary>The files deleted in the container (JSON list).</summary>
    public const string DeletedFiles = "deleted.files";
    /// <summary>Prefix of CRIU's pages files.</summary>
    public const string PagesPrefix = "pages-";
    /// <summary>Prefix of the AMD GPU plugin's memory pages files.</summary>
    public const string AmdgpuPagesPrefix = "amdgpu-pages-";

    // The AMD GPU plugin's other images (checkpoint-shapes.md §6.2); none has a CRIU magic.
    /// <summary>Prefix of every AMD GPU plugin image.</summary>
    public const string AmdgpuPrefix = "amdgpu-";
    /// <summary>Prefix of the AMD GPU plugin's KFD (device) images.</summary>
    public const string AmdgpuKfdPrefix = "amdgpu-kfd-";
    /// <summary>Prefix of the AMD GPU plugin's render node images.</summary>
    public const string AmdgpuRenderNodePrefix = "amdgpu-renderD-";
    /// <summary>Prefix of the AMD GPU plugin's DRM pages images.</summary>
    public const string AmdgpuDrmPagesPrefix = "amdgpu-drm-pages-";
    /// <summary>Prefix of the AMD GPU plugin's dma-buf images.</summary>
    public const string AmdgpuDmabufPrefix = "amdgpu-dmabuf_";

    /// <summary>A pattern for <c>checkpoint/</c> members (<c>checkpoint/pagemap-*.img</c>) for those of <c>pre-checkpoint/</c>; null for others.</summary>
    public static MemberPattern? InPreCheckpoint(MemberPattern pattern) =>
        pattern.Text.StartsWith(CheckpointPrefix, StringComparison.Ordinal) ? (MemberPattern)(PreCheckpointPrefix + pattern.Text[CheckpointPrefix.Length..]) : null;

    /// <summary>The archive member name of a CRIU image, e.g. <c>checkpoint/pstree.img</c>.</summary>
    public static string Image(string imageName) => CheckpointPrefix + imageName;
}
