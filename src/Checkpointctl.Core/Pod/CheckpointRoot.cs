using Checkpointctl.Core.Archive;

namespace Checkpointctl.Core.Pod;

/// <summary>One checkpoint root a command reads: the input itself (<see cref="Container"/> null) or one container of a pod.</summary>
/// <param name="Pages">Its members, named as in a container archive, and its pages.</param>
/// <param name="Root">
/// Where its members are in the pass that read them (<c>0f3c…-k8s_counter_…/</c> in a pod archive, else empty): what
/// consumers of that pass saw in front of the names.
/// </param>
/// <param name="Container">The pod's container, or null for a container checkpoint.</param>
/// <param name="ImageSet">
/// The directory of its CRIU images: <c>checkpoint/</c>, or <c>pre-checkpoint/</c> for a Podman pre-checkpoint export
/// (memory only) read by a command that accepts one.
/// </param>
public sealed record CheckpointRoot(PodContainer? Container, PageSource Pages, string Root = "", string ImageSet = ArchiveLayout.CheckpointPrefix)
{
    /// <summary>A Podman pre-checkpoint export: pagemaps and pages at pre-dump time, no process tree, files or sockets.</summary>
    public bool IsPreCheckpoint => ImageSet == ArchiveLayout.PreCheckpointPrefix;
}
