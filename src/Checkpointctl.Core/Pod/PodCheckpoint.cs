namespace Checkpointctl.Core.Pod;

/// <summary>A pod checkpoint: what its own files say about the pod, and its containers in the pod's order.</summary>
public sealed class PodCheckpoint
{
    /// <summary>The path as given by the user.</summary>
    public required string Path { get; init; }

    /// <summary>Generation 1 (<c>pod.options</c>) or 2 (a manifest).</summary>
    public required PodGeneration Generation { get; init; }

    /// <summary>The <c>version</c> of <c>pod.options</c> (generation 1) or of the manifest (generation 2).</summary>
    public required int FormatVersion { get; init; }

    /// <summary>The pod's name.</summary>
    public string Name { get; init; } = "";
    /// <summary>The pod's namespace.</summary>
    public string Namespace { get; init; } = "";
    /// <summary>The pod's UID.</summary>
    public string Uid { get; init; } = "";

    /// <summary>The pod sandbox's ID (annotation <c>org.criu.checkpoint.pod.id</c>, or the manifest's <c>sandboxId</c>).</summary>
    public string SandboxId { get; init; } = "";

    /// <summary>The engine as the pod's annotations name it (<c>cri-o</c>, <c>containerd</c>); empty when they do not.</summary>
    public string Engine { get; init; } = "";

    /// <summary>The <c>org.criu.checkpoint.*</c> annotations of <c>pod.options</c>, by ordinal key.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Annotations { get; init; } = [];

    /// <summary>The containers in the pod's order.</summary>
    public required IReadOnlyList<PodContainer> Containers { get; init; }

    /// <summary>
    /// The containers <paramref name="selectors"/> name (name, key, directory or archive, ID or a unique ID prefix), in
    /// the pod's order; all of them when there is no selector.
    /// </summary>
    /// <exception cref="CheckpointException">A selector names no container, or several by an ID prefix.</exception>
    public IReadOnlyList<PodContainer> Select(IReadOnlyList<string> selectors)
    {
        if (selectors.Count == 0)
            return Containers;
        var chosen = new HashSet<PodContainer>();
        foreach (var selector in selectors)
            chosen.Add(Find(selector));
        return Containers.Where(chosen.Contains).ToList();
    }

    private PodContainer Find(string selector)
    {
        if (Containers.FirstOrDefault(c => c.IsNamed(selector)) is { } named)
            return named;
        var byPrefix = Containers.Where(c => c.Id.StartsWith(selector, StringComparison.Ordinal)).ToList();
        if (selector.Length > 0 && byPrefix.Count == 1)
            return byPrefix[0];
        var known = string.Join(", ", Containers.Select(c => c.Name));
        throw new MissingCheckpointDataException(byPrefix.Count > 1
            ? $"container ID prefix {selector} is ambiguous in pod checkpoint {Path} (containers: {known})"
            : $"no container {selector} in pod checkpoint {Path} (containers: {known})");
    }
}
