using Checkpointctl.Core.Metadata;
using Checkpointctl.Core.Pod;

namespace Checkpointctl.Core.Analysis;

/// <summary>The engine of a pod checkpoint as <c>show</c> and <c>inspect</c> name it.</summary>
public static class PodEngine
{
    /// <summary>As the pod's annotations name it (in the spelling of container engines), else the engines of its containers.</summary>
    public static string Name(PodCheckpoint pod, IEnumerable<ContainerInfo> containers) => pod.Engine.ToLowerInvariant() switch
    {
        "" => string.Join(", ", containers.Select(c => c.EngineName).Distinct()),
        "cri-o" or "crio" => "CRI-O",
        "containerd" => "containerd",
        "podman" or "libpod" => "Podman",
        _ => pod.Engine,
    };
}
