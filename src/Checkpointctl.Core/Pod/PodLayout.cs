namespace Checkpointctl.Core.Pod;

/// <summary>File names and limits of pod checkpoints (checkpoint-shapes.md §2).</summary>
public static class PodLayout
{
    /// <summary>Generation 1: the pod's options (format version, container name → directory, annotations).</summary>
    public const string PodOptions = "pod.options";

    /// <summary>Generation 1 (containerd): the pod sandbox configuration.</summary>
    public const string PodDump = "pod.dump";

    /// <summary>Generation 2: the manifest, written last by the runtime.</summary>
    public const string Manifest = "checkpoint-manifest.json";

    /// <summary>Generation 2: the pod sandbox configuration.</summary>
    public const string PodConfig = "pod-config.json";

    /// <summary>Where the kubelet stores pod checkpoints (KEP-5823 example; container checkpoints stay in <c>checkpoints/</c>).</summary>
    public const string KubeletDirectory = "/var/lib/kubelet/pod-checkpoints/";

    /// <summary>The largest manifest read (containerd's limit).</summary>
    public const long MaxManifestBytes = 16L << 20;

    /// <summary>The largest pod options or pod configuration read (containerd's limit for pod-config.json).</summary>
    public const long MaxPodFileBytes = 4L << 20;

    /// <summary>Most containers in one manifest (containerd's limit).</summary>
    public const int MaxContainers = 1024;

    /// <summary>Members that mark a pod checkpoint at the root of an archive, as globs so a streamed pass can still stop early.</summary>
    internal static IReadOnlyList<Archive.MemberPattern> Markers { get; } = ["pod.*", "checkpoint-manifest.*", "pod-config.*"];

    /// <summary>The pod annotations of generation 1 (<c>org.criu.checkpoint.*</c>).</summary>
    public const string EngineAnnotation = "org.criu.checkpoint.engine.name";
    /// <summary>The pod's name.</summary>
    public const string PodNameAnnotation = "org.criu.checkpoint.pod.name";
    /// <summary>The pod's namespace.</summary>
    public const string PodNamespaceAnnotation = "org.criu.checkpoint.pod.namespace";
    /// <summary>The pod's UID.</summary>
    public const string PodUidAnnotation = "org.criu.checkpoint.pod.uid";
    /// <summary>The pod sandbox's ID.</summary>
    public const string PodIdAnnotation = "org.criu.checkpoint.pod.id";
}
