using System.Text.Json;
using System.Text.Json.Serialization;
using Checkpointctl.Core.Archive;

namespace Checkpointctl.Core.Metadata;

/// <summary><c>config.dump</c>: the reduced container configuration written by every engine (extra fields ignored).</summary>
public sealed class ContainerConfig
{
    [JsonPropertyName("id")] public string Id { get; set; } = "";

    /// <summary>
    /// The <c>id</c> of an archive's config.dump; null when there is none, it was not held, or it is unreadable (the
    /// command then says so where it needs it).
    /// </summary>
    public static string? IdIn(CheckpointArchive archive)
    {
        if (!archive.CanRead(ArchiveLayout.ConfigDump) || archive.TryGetBytes(ArchiveLayout.ConfigDump) is not { } config)
            return null;
        try
        {
            using var document = JsonDocument.Parse(config, new JsonDocumentOptions { MaxDepth = 64 });
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("id", out var id)
                && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("rootfsImage")] public string RootfsImage { get; set; } = "";
    [JsonPropertyName("rootfsImageRef")] public string RootfsImageRef { get; set; } = "";
    [JsonPropertyName("rootfsImageName")] public string RootfsImageName { get; set; } = "";

    /// <summary>Podman: the image name as the user gave it.</summary>
    [JsonPropertyName("RawImageName")] public string RawImageName { get; set; } = "";

    /// <summary>Podman: the rootfs image's ID (upstream reads only <c>rootfsImageRef</c>, which Podman does not write).</summary>
    [JsonPropertyName("rootfsImageID")] public string RootfsImageId { get; set; } = "";
    [JsonPropertyName("runtime")] public string Runtime { get; set; } = "";
    [JsonPropertyName("createdTime")] public string? CreatedTime { get; set; }
    [JsonPropertyName("checkpointedTime")] public string? CheckpointedTime { get; set; }
    [JsonPropertyName("restoredTime")] public string? RestoredTime { get; set; }
    [JsonPropertyName("restored")] public bool Restored { get; set; }
}

/// <summary><c>spec.dump</c>: the OCI runtime spec; only annotations and mounts are used.</summary>
public sealed class SpecDump
{
    [JsonPropertyName("annotations")] public Dictionary<string, string>? Annotations { get; set; }
    [JsonPropertyName("mounts")] public List<SpecMount>? Mounts { get; set; }
}

public sealed class SpecMount
{
    [JsonPropertyName("destination")] public string Destination { get; set; } = "";
    [JsonPropertyName("type")] public string Type { get; set; } = "";
    [JsonPropertyName("source")] public string Source { get; set; } = "";
}

/// <summary>One network of Podman's <c>network.status</c> (netavark StatusBlock).</summary>
public sealed class NetworkStatusEntry
{
    [JsonPropertyName("interfaces")] public Dictionary<string, NetworkInterfaceStatus>? Interfaces { get; set; }
}

public sealed class NetworkInterfaceStatus
{
    [JsonPropertyName("subnets")] public List<NetworkSubnet>? Subnets { get; set; }
    [JsonPropertyName("mac_address")] public string? MacAddress { get; set; }
}

public sealed class NetworkSubnet
{
    [JsonPropertyName("ipnet")] public string? IpNet { get; set; }
    [JsonPropertyName("gateway")] public string? Gateway { get; set; }
}

/// <summary>The <c>io.kubernetes.cri-o.Metadata</c> annotation.</summary>
public sealed class CrioMetadata
{
    [JsonPropertyName("name")] public string? Name { get; set; }
}

[JsonSourceGenerationOptions(MaxDepth = 64, AllowTrailingCommas = false, ReadCommentHandling = System.Text.Json.JsonCommentHandling.Disallow)]
[JsonSerializable(typeof(ContainerConfig))]
[JsonSerializable(typeof(SpecDump))]
[JsonSerializable(typeof(Dictionary<string, NetworkStatusEntry>))]
[JsonSerializable(typeof(CrioMetadata))]
[JsonSerializable(typeof(List<string>))]
internal sealed partial class MetadataJsonContext : JsonSerializerContext;
