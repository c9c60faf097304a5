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

    /// <summary>
    /// The annotations <c>build</c> writes (upstream's eight, even when empty), sorted by key; upstream writes them in
    /// Go map order.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>> ForImage(ContainerInfo info) =>
        new Dictionary<string, string>
        {
            [EngineName] = info.EngineName,
            [ContainerName] = info.Name,
            [PodName] = info.Pod,
            [PodNamespace] = info.Namespace,
            [RootfsImageUserRequested] = info.Config.RootfsImage,
            [RootfsImageName] = info.Config.RootfsImageName,
            [RootfsImageId] = info.Config.RootfsImageRef,
            [RuntimeName] = info.Config.Runtime,
        }.OrderBy(a => a.Key, StringComparer.Ordinal).ToList();
}
