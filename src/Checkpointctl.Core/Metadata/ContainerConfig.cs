using System.Text.Json;
using System.Text.Json.Serialization;
using Checkpointctl.Core.Archive;

namespace Checkpointctl.Core.Metadata;

/// <summary><c>config.dump</c>: the reduced container configuration written by every engine (extra fields ignored).</summary>
public sealed class ContainerConfig
{
    /// <summary>The container ID.</summary>
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

    /// <summary>The container name.</summary>
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    /// <summary>The rootfs image (engine specific).</summary>
    [JsonPropertyName("rootfsImage")] public string RootfsImage { get; set; } = "";
    /// <summary>The rootfs image reference (upstream reads it).</summary>
    [JsonPropertyName("rootfsImageRef")] public string RootfsImageRef { get; set; } = "";
    /// <summary>The rootfs image's name.</summary>
    [JsonPropertyName("rootfsImageName")] public string RootfsImageName { get; set; } = "";

    /// <summary>Podman: the image name as the user gave it.</summary>
    [JsonPropertyName("RawImageName")] public string RawImageName { get; set; } = "";

    /// <summary>Podman: the rootfs image's ID (upstream reads only <c>rootfsImageRef</c>, which Podman does not write).</summary>
    [JsonPropertyName("rootfsImageID")] public string RootfsImageId { get; set; } = "";
    /// <summary>The OCI runtime (<c>runc</c>, <c>crun</c> …).</summary>
    [JsonPropertyName("runtime")] public string Runtime { get; set; } = "";
    /// <summary>When the container was created (RFC 3339).</summary>
    [JsonPropertyName("createdTime")] public string? CreatedTime { get; set; }
    /// <summary>When the container was checkpointed (RFC 3339).</summary>
    [JsonPropertyName("checkpointedTime")] public string? CheckpointedTime { get; set; }
    /// <summary>When the container was restored (RFC 3339), if it was.</summary>
    [JsonPropertyName("restoredTime")] public string? RestoredTime { get; set; }
    /// <summary>Whether the container was restored.</summary>
    [JsonPropertyName("restored")] public bool Restored { get; set; }
}

/// <summary><c>spec.dump</c>: the OCI runtime spec; only annotations and mounts are used.</summary>
public sealed class SpecDump
{
    /// <summary>The spec's annotations.</summary>
    [JsonPropertyName("annotations")] public Dictionary<string, string>? Annotations { get; set; }
    /// <summary>The spec's mounts.</summary>
    [JsonPropertyName("mounts")] public List<SpecMount>? Mounts { get; set; }
}

/// <summary>A mount of the OCI runtime spec.</summary>
public sealed class SpecMount
{
    /// <summary>Where it is mounted in the container.</summary>
    [JsonPropertyName("destination")] public string Destination { get; set; } = "";
    /// <summary>The file system type.</summary>
    [JsonPropertyName("type")] public string Type { get; set; } = "";
    /// <summary>What is mounted.</summary>
    [JsonPropertyName("source")] public string Source { get; set; } = "";
}

/// <summary>One network of Podman's <c>network.status</c> (netavark StatusBlock).</summary>
public sealed class NetworkStatusEntry
{
    /// <summary>The container's interfaces on the network, by name.</summary>
    [JsonPropertyName("interfaces")] public Dictionary<string, NetworkInterfaceStatus>? Interfaces { get; set; }
}

/// <summary>An interface of <c>network.status</c>.</summary>
public sealed class NetworkInterfaceStatus
{
    /// <summary>Its subnets.</summary>
    [JsonPropertyName("subnets")] public List<NetworkSubnet>? Subnets { get; set; }
    /// <summary>Its MAC address.</summary>
    [JsonPropertyName("mac_address")] public string? MacAddress { get; set; }
}

/// <summary>A subnet of an interface.</summary>
public sealed class NetworkSubnet
{
    /// <summary>The address in CIDR form.</summary>
    [JsonPropertyName("ipnet")] public string? IpNet { get; set; }
    /// <summary>The gateway.</summary>
    [JsonPropertyName("gateway")] public string? Gateway { get; set; }
}

/// <summary>The <c>io.kubernetes.cri-o.Metadata</c> annotation.</summary>
public sealed class CrioMetadata
{
    /// <summary>The container's name in the pod.</summary>
    [JsonPropertyName("name")] public string? Name { get; set; }
}

[JsonSourceGenerationOptions(MaxDepth = 64, AllowTrailingCommas = false, ReadCommentHandling = System.Text.Json.JsonCommentHandling.Disallow)]
[JsonSerializable(typeof(ContainerConfig))]
[JsonSerializable(typeof(SpecDump))]
[JsonSerializable(typeof(Dictionary<string, NetworkStatusEntry>))]
[JsonSerializable(typeof(CrioMetadata))]
[JsonSerializable(typeof(List<string>))]
internal sealed partial class MetadataJsonContext : JsonSerializerContext;
