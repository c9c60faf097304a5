namespace Checkpointctl.Core.Pod;

/// <summary>One container of a pod checkpoint, as the pod's own files name it.</summary>
public sealed record PodContainer
{
    /// <summary>The container's name: the short CRI name (generation 1: the key in <c>pod.options</c> up to the first <c>_</c>).</summary>
    public required string Name { get; init; }

    /// <summary>The key in <c>pod.options</c> (generation 1) or the manifest's name (generation 2).</summary>
    public required string Key { get; init; }

    /// <summary>The container ID as the pod's files give it (manifest, or directory name); empty when unknown.</summary>
    public string Id { get; init; } = "";

    /// <summary>Its directory (generation 1) or archive (generation 2), relative to the pod checkpoint.</summary>
    public required string Location { get; init; }

    /// <summary>The archive's size and SHA-256 (lower-case hex) where the manifest gives them.</summary>
    internal long? ArchiveSize { get; init; }
    internal string? ArchiveSha256 { get; init; }

    /// <summary>True when <paramref name="selector"/> is its name, key, directory or archive, or its full ID.</summary>
    public bool IsNamed(string selector) => selector == Name || selector == Key || selector == Location || (Id.Length > 0 && selector == Id);
}
