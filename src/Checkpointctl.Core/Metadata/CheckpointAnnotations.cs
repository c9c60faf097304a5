namespace Checkpointctl.Core.Metadata;

/// <summary>
/// The <c>org.criu.checkpoint.*</c> image annotation keys of upstream's <c>lib</c> package, which CRI-O, containerd and
/// Podman look for on an image made from a checkpoint.
/// </summary>
public static class CheckpointAnnotations
{
    /// <summary>The engine that made the checkpoint.</summary>
    public const string EngineName = "org.criu.checkpoint.engine.name";
    /// <summary>The engine's version.</summary>
    public const string EngineVersion = "org.criu.checkpoint.engine.version";
    /// <summary>The container's name.</summary>
    public const string ContainerName = "org.criu.checkpoint.container.name";
    /// <summary>The pod's name.</summary>
    public const string PodName = "org.criu.checkpoint.pod.name";
    /// <summary>The pod sandbox's ID.</summary>
    public const string PodId = "org.criu.checkpoint.pod.id";
    /// <summary>The pod's namespace.</summary>
    public const string PodNamespace = "org.criu.checkpoint.pod.namespace";
    /// <summary>The pod's UID.</summary>
    public const string PodUid = "org.criu.checkpoint.pod.uid";
    /// <summary>The container's image name.</summary>
    public const string RootfsImageName = "org.criu.checkpoint.rootfsImageName";
    /// <summary>The image name as the user gave it.</summary>
    public const string RootfsImageUserRequested = "org.criu.checkpoint.rootfsImageUserRequested";
    /// <summary>The image's digest.</summary>
    public const string RootfsImageSha = "org.criu.checkpoint.rootfsImageSha";
    /// <summary>The image's ID.</summary>
    public const string RootfsImageId = "org.criu.checkpoint.rootfsImageID";
    /// <summary>The raw image name (Podman).</summary>
    public const string RawImageName = "org.criu.checkpoint.rawImageName";
    /// <summary>The OCI runtime's name.</summary>
    public const string RuntimeName = "org.criu.checkpoint.runtime.name";
    /// <summary>The OCI runtime's version.</summary>
    public const string RuntimeVersion = "org.criu.checkpoint.runtime.version";
    /// <summary>The CRIU version that made the checkpoint.</summary>
    public const string CriuVersion = "org.criu.checkpoint.criu.version";
    /// <summary>conmon's version (Podman).</summary>
    public const string ConmonVersion = "org.criu.checkpoint.conmon.version";
    /// <summary>The checkpointing host's architecture.</summary>
    public const string HostArch = "org.criu.checkpoint.host.arch";
    /// <summary>The checkpointing host's kernel release.</summary>
    public const string HostKernel = "org.criu.checkpoint.host.kernel";
    /// <summary>The checkpointing host's cgroup version.</summary>
    public const string CgroupVersion = "org.criu.checkpoint.cgroup.version";
    /// <summary>The checkpointing host's distribution.</summary>
    public const string DistributionName = "org.criu.checkpoint.distribution.name";
    /// <summary>The checkpointing host's distribution version.</summary>
    public const string DistributionVersion = "org.criu.checkpoint.distribution.version";

    /// <summary>Podman's keys (Podman 4.3 and later, <c>libpod/define/annotations.go</c>); Podman restores an image that has <c>runtime.name</c>.</summary>
    public const string PodmanPrefix = "io.podman.annotations.checkpoint.";

    /// <summary>CRI-O's keys (<c>internal/annotations/checkpoint.go</c>); CRI-O restores an image that has <c>name</c>.</summary>
    public const string CrioPrefix = "io.kubernetes.cri-o.annotations.checkpoint.";

    /// <summary>
    /// The annotations <c>build</c> writes, sorted by key: upstream's eight <c>org.criu.checkpoint.*</c> keys (even when
    /// empty; containerd reads them from the index), and the keys the checkpoint's own engine reads to accept an image
    /// as a checkpoint: Podman's set for a Podman checkpoint, CRI-O's for a CRI-O one. Upstream writes only the eight,
    /// so neither Podman nor CRI-O restores its images.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>> ForImage(ContainerInfo info, string architecture)
    {
        var annotations = new Dictionary<string, string>
        {
            [EngineName] = info.EngineName,
            [ContainerName] = info.Name,
            [PodName] = info.Pod,
            [PodNamespace] = info.Namespace,
            [RootfsImageUserRequested] = info.Config.RootfsImage,
            [RootfsImageName] = info.Config.RootfsImageName,
            [RootfsImageId] = info.Config.RootfsImageRef,
            [RuntimeName] = info.Config.Runtime,
        };
        switch (info.Engine)
        {
            case ContainerEngine.Podman:
                annotations[PodmanPrefix + "name"] = info.Name;
                annotations[PodmanPrefix + "rawImageName"] = info.Config.RawImageName;
                annotations[PodmanPrefix + "rootfsImageID"] = info.Config.RootfsImageId;
                annotations[PodmanPrefix + "rootfsImageName"] = info.Config.RootfsImageName;
                annotations[PodmanPrefix + "runtime.name"] = info.Config.Runtime;
                annotations[PodmanPrefix + "host.arch"] = architecture;
                break;
            case ContainerEngine.CriO:
                annotations[CrioPrefix + "name"] = info.Name;
                annotations[CrioPrefix + "rawImageName"] = info.Config.RootfsImage;
                annotations[CrioPrefix + "rootfsImageID"] = info.Config.RootfsImageRef;
                annotations[CrioPrefix + "rootfsImageName"] = info.Config.RootfsImageName;
                break;
        }
        return annotations.OrderBy(a => a.Key, StringComparer.Ordinal).ToList();
    }
}
