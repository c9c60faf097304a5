namespace Checkpointctl.Core.Pod;

/// <summary>The shape of a pod checkpoint (checkpoint-shapes.md §2.1).</summary>
public enum PodGeneration
{
    /// <summary><c>pod.options</c> and one directory per container (CRI-O #9758, containerd #12932), as a tar or a directory.</summary>
    One = 1,

    /// <summary>A directory with <c>checkpoint-manifest.json</c>, <c>pod-config.json</c> and one archive per container (KEP-5823).</summary>
    Two = 2,
}
