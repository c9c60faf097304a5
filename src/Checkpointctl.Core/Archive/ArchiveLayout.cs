namespace Checkpointctl.Core.Archive;

/// <summary>Names of the members of a container checkpoint archive (shared by Podman, CRI-O and containerd).</summary>
public static class ArchiveLayout
{
    public const string CheckpointDirectory = "checkpoint";
    public const string CheckpointPrefix = "checkpoint/";

    /// <summary>Podman's pre-dump directory (<c>podman container checkpoint -P</c>, checkpoint-shapes.md §4.2).</summary>
    public const string PreCheckpointDirectory = "pre-checkpoint";
    public const string PreCheckpointPrefix = "pre-checkpoint/";
    public const string ConfigDump = "config.dump";
    public const string SpecDump = "spec.dump";
    public const string NetworkStatus = "network.status";
    public const string StatsDump = "stats-dump";
    public const string RootFsDiffTar = "rootfs-diff.tar";
    public const string DeletedFiles = "deleted.files";
    public const string PagesPrefix = "pages-";
    public const string AmdgpuPagesPrefix = "amdgpu-pages-";

    // The AMD GPU plugin's other images (checkpoint-shapes.md §6.2); none has a CRIU magic.
    public const string AmdgpuPrefix = "amdgpu-";
    public const string AmdgpuKfdPrefix = "amdgpu-kfd-";
    public const string AmdgpuRenderNodePrefix = "amdgpu-renderD-";
    public const string AmdgpuDrmPagesPrefix = "amdgpu-drm-pages-";
    public const string AmdgpuDmabufPrefix = "amdgpu-dmabuf_";

    /// <summary>A pattern for <c>checkpoint/</c> members (<c>checkpoint/pagemap-*.img</c>) for those of <c>pre-checkpoint/</c>; null for others.</summary>
    public static MemberPattern? InPreCheckpoint(MemberPattern pattern) =>
        pattern.Text.StartsWith(CheckpointPrefix, StringComparison.Ordinal) ? (MemberPattern)(PreCheckpointPrefix + pattern.Text[CheckpointPrefix.Length..]) : null;

    /// <summary>The archive member name of a CRIU image, e.g. <c>checkpoint/pstree.img</c>.</summary>
    public static string Image(string imageName) => CheckpointPrefix + imageName;
}
