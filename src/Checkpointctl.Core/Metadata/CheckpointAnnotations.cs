namespace Checkpointctl.Core.Metadata;

/// <summary>
/// The <c>org.criu.checkpoint.*</c> image annotation keys of upstream's <c>lib</c> package, which CRI-O, containerd and
/// Podman look for on an image made from a checkpoint.
/// </summary>
public static class CheckpointAnnotations
{
    public const string EngineName = "org.criu.checkpoint.engine.name";
    public const string EngineVersion = "org.criu.checkpoint.engine.version";
    public const string ContainerName = "org.criu.checkpoint.container.name";
    public const string PodName = "org.criu.checkpoint.pod.name";
    public const string PodId = "org.criu.checkpoint.pod.id";
    public const string PodNamespace = "org.criu.checkpoint.pod.namespace";
    public const string PodUid = "org.criu.checkpoint.pod.uid";
    public const string RootfsImageName = "org.criu.checkpoint.rootfsImageName";
    public const string RootfsImageUserRequested = "org.criu.checkpoint.rootfsImageUserRequested";
    public const string RootfsImageSha = "org.criu.checkpoint.rootfsImageSha";
    public const string RootfsImageId = "org.criu.checkpoint.rootfsImageID";
    public const string RawImageName = "org.criu.checkpoint.rawImageName";
    public const string RuntimeName = "org.criu.checkpoint.runtime.name";
    public const string RuntimeVersion = "org.criu.checkpoint.runtime.version";
    public const string CriuVersion = "org.criu.checkpoint.criu.version";
    public const string ConmonVersion = "org.criu.checkpoint.conmon.version";
    public const string HostArch = "org.criu.checkpoint.host.arch";
    public const string HostKernel = "org.criu.checkpoint.host.kernel";
    public const string CgroupVersion = "org.criu.checkpoint.cgroup.version";
    public const string DistributionName = "org.criu.checkpoint.distribution.name";
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
