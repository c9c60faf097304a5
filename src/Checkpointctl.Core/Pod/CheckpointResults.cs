namespace Checkpointctl.Core.Pod;

/// <summary>What a command computed for one input: for the checkpoint itself, or for each selected container of a pod.</summary>
/// <param name="Path">The input as given by the user.</param>
/// <param name="Pod">The pod, or null for a container checkpoint (then <paramref name="Items"/> has one entry).</param>
/// <param name="Items">The results, one per container.</param>
public sealed record CheckpointResults<T>(string Path, PodCheckpoint? Pod, IReadOnlyList<ContainerResult<T>> Items)
{
    /// <summary>
    /// True when the input reads as one container checkpoint: a container checkpoint, or a pod of which exactly one
    /// container was selected (its output is then that of the container's own checkpoint).
    /// </summary>
    public bool IsSingleContainer(bool selected) => Pod == null || (selected && Items.Count == 1);
}

/// <summary>The result for one checkpoint root: the input itself (<paramref name="Container"/> null) or a container of a pod.</summary>
public sealed record ContainerResult<T>(Pod.PodContainer? Container, T Value);
