using System.Text.Json.Serialization;

namespace Checkpointctl.Core.Pod;

/// <summary><c>pod.dump</c> (generation 1) and <c>pod-config.json</c> (generation 2): a CRI PodSandboxConfig; only its metadata is used.</summary>
internal sealed class PodSandboxConfig
{
    [JsonPropertyName("metadata")] public PodSandboxMetadata? Metadata { get; set; }
}

internal sealed class PodSandboxMetadata
{
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("uid")] public string? Uid { get; set; }
    [JsonPropertyName("namespace")] public string? Namespace { get; set; }
}

/// <summary>
/// <c>checkpoint-manifest.json</c> (containerd #13822, versions 1 and 2). Fields other producers may add are read where
/// known (<c>size</c>, <c>sha256</c>/<c>digest</c> of an archive) and otherwise ignored: CRI-O's manifest is not
/// published yet.
/// </summary>
internal sealed class CheckpointManifest
{
    [JsonPropertyName("version")] public int Version { get; set; }
    [JsonPropertyName("sandboxId")] public string? SandboxId { get; set; }
    [JsonPropertyName("containers")] public List<ManifestContainer?>? Containers { get; set; }
}

internal sealed class ManifestContainer
{
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("id")] public string? Id { get; set; }
    [JsonPropertyName("archive")] public string? Archive { get; set; }
    [JsonPropertyName("size")] public long? Size { get; set; }
    [JsonPropertyName("sha256")] public string? Sha256 { get; set; }
    [JsonPropertyName("digest")] public string? Digest { get; set; }
    [JsonPropertyName("status")] public ManifestContainerStatus? Status { get; set; }
}

internal sealed class ManifestContainerStatus
{
    [JsonPropertyName("id")] public string? Id { get; set; }
}

[JsonSourceGenerationOptions(MaxDepth = 64, AllowTrailingCommas = false, ReadCommentHandling = System.Text.Json.JsonCommentHandling.Disallow)]
[JsonSerializable(typeof(PodSandboxConfig))]
[JsonSerializable(typeof(CheckpointManifest))]
internal sealed partial class PodJsonContext : JsonSerializerContext;
