using System.Text.Json;
using Checkpointctl.Core.Archive;

namespace Checkpointctl.Core.Metadata;

/// <summary>The container engine that made a checkpoint.</summary>
public enum ContainerEngine
{
    /// <summary>Podman.</summary>
    Podman,
    /// <summary>CRI-O (Kubernetes).</summary>
    CriO,
    /// <summary>containerd.</summary>
    Containerd,

    /// <summary>A bare CRIU image directory: processes dumped by CRIU itself, no container engine involved.</summary>
    Criu,
}

/// <summary>One network interface of a Podman container, from <c>network.status</c>.</summary>
/// <param name="Ip">The last subnet's address in CIDR form, as upstream shows per interface.</param>
/// <param name="Name">The interface name.</param>
/// <param name="Mac">Its MAC address.</param>
/// <param name="Gateway">Its gateway.</param>
public sealed record NetworkInterfaceInfo(string Name, string? Ip, string? Mac, string? Gateway)
{
    /// <summary>Every subnet's address without prefix length.</summary>
    public IReadOnlyList<string> AllIps { get; init; } = [];
}

/// <summary>One Podman network with its interfaces sorted by name.</summary>
public sealed record NetworkInfo(string Name, IReadOnlyList<NetworkInterfaceInfo> Interfaces);

/// <summary>What is known of the checkpointed container, mapped per engine (reference §5.4).</summary>
public sealed record ContainerInfo
{
    /// <summary>The annotation naming the engine that manages a container.</summary>
    public const string ManagerAnnotation = "io.container.manager";

    /// <summary>The engine that made the checkpoint.</summary>
    public required ContainerEngine Engine { get; init; }
    /// <summary>The container's <c>config.dump</c>.</summary>
    public required ContainerConfig Config { get; init; }
    /// <summary>The container's <c>spec.dump</c>.</summary>
    public required SpecDump Spec { get; init; }
    /// <summary>The container's name.</summary>
    public required string Name { get; init; }
    /// <summary>The creation time as upstream prints it.</summary>
    public required string Created { get; init; }
    /// <summary>When the container was checkpointed; zero when not recorded.</summary>
    public GoTime Checkpointed { get; init; }
    /// <summary>The pod's namespace (Kubernetes), or empty.</summary>
    public string Namespace { get; init; } = "";
    /// <summary>The pod's name (Kubernetes), or empty.</summary>
    public string Pod { get; init; } = "";
    /// <summary>The container's IP address, or empty.</summary>
    public string Ip { get; init; } = "";
    /// <summary>The container's MAC address, or empty.</summary>
    public string Mac { get; init; } = "";
    /// <summary>Podman's networks of the container.</summary>
    public IReadOnlyList<NetworkInfo> Networks { get; init; } = [];

    /// <summary>False for a bare CRIU image directory: no config.dump or spec.dump, so no image, ID, runtime or annotations.</summary>
    public bool HasContainerMetadata => Engine != ContainerEngine.Criu;

    /// <summary>Annotations of spec.dump sorted by ordinal key.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Annotations =>
        (Spec.Annotations ?? []).OrderBy(a => a.Key, StringComparer.Ordinal).ToList();

    /// <summary>The engine as <c>show</c> prints it.</summary>
    public string EngineName => Engine switch
    {
        ContainerEngine.Podman => "Podman",
        ContainerEngine.CriO => "CRI-O",
        ContainerEngine.Criu => "CRIU",
        _ => "containerd",
    };

    /// <summary>The members this model is built from.</summary>
    public static ArchiveRequest Request(bool withNetwork) => new()
    {
        Hold = withNetwork
            ? [ArchiveLayout.ConfigDump, ArchiveLayout.SpecDump, ArchiveLayout.NetworkStatus]
            : [ArchiveLayout.ConfigDump, ArchiveLayout.SpecDump],
    };

    /// <summary>
    /// Reads config.dump, spec.dump and, when <paramref name="withNetwork"/>, network.status; a bare CRIU image
    /// directory has none of them and is engine <see cref="ContainerEngine.Criu"/> with everything else empty.
    /// </summary>
    /// <exception cref="CheckpointException">A file is missing or malformed, or CRI-O metadata is unusable.</exception>
    public static ContainerInfo Read(CheckpointArchive archive, bool withNetwork = false)
    {
        if (archive.IsBareImageDirectory)
            return new ContainerInfo { Engine = ContainerEngine.Criu, Config = new ContainerConfig(), Spec = new SpecDump(), Name = "", Created = "" };
        var config = ContainerdImageConfig(archive)
            ?? JsonInput.Deserialize(Require(archive, ArchiveLayout.ConfigDump).Span, MetadataJsonContext.Default.ContainerConfig, ArchiveLayout.ConfigDump);
        var spec = JsonInput.Deserialize(Require(archive, ArchiveLayout.SpecDump).Span, MetadataJsonContext.Default.SpecDump, ArchiveLayout.SpecDump);
        var created = ParseTime(config.CreatedTime);
        var checkpointed = ParseTime(config.CheckpointedTime);
        ParseTime(config.RestoredTime);
        var annotations = spec.Annotations ?? [];
        var manager = annotations.GetValueOrDefault(ManagerAnnotation);
        switch (manager)
        {
            case "libpod":
                var networks = withNetwork ? ReadNetworks(archive.TryGetBytes(ArchiveLayout.NetworkStatus)) : [];
                return new ContainerInfo
                {
                    Engine = ContainerEngine.Podman,
                    Config = config,
                    Spec = spec,
                    Name = config.Name,
                    Created = created.ToRfc3339(),
                    Checkpointed = checkpointed,
                    Networks = networks,
                    Ip = string.Join(", ", networks.SelectMany(n => n.Interfaces).SelectMany(i => i.AllIps)),
                    Mac = string.Join(", ", networks.SelectMany(n => n.Interfaces).Where(i => !string.IsNullOrEmpty(i.Mac)).Select(i => i.Mac)),
                };
            case "cri-o":
                return new ContainerInfo
                {
                    Engine = ContainerEngine.CriO,
                    Config = config,
                    Spec = spec,
                    Name = CrioName(annotations),
                    Created = annotations.GetValueOrDefault("io.kubernetes.cri-o.Created", ""),
                    Checkpointed = checkpointed,
                    Namespace = annotations.GetValueOrDefault("io.kubernetes.pod.namespace", ""),
                    Pod = annotations.GetValueOrDefault("io.kubernetes.pod.name", ""),
                    Ip = annotations.GetValueOrDefault("io.kubernetes.cri-o.IP.0", ""),
                };
            default:
                return new ContainerInfo
                {
                    Engine = ContainerEngine.Containerd,
                    Config = config,
                    Spec = spec,
                    Name = annotations.GetValueOrDefault("io.kubernetes.cri.container-name", ""),
                    Created = created.ToRfc3339(),
                    Checkpointed = checkpointed,
                    Namespace = annotations.GetValueOrDefault("io.kubernetes.cri.sandbox-namespace", ""),
                    Pod = annotations.GetValueOrDefault("io.kubernetes.cri.sandbox-name", ""),
                };
        }
    }

    // containerd's checkpoint image has no config.dump (its CRI writes one only when it converts the image to an
    // archive): what it records of the container (base image, runtime) comes from the image.
    private static ContainerConfig? ContainerdImageConfig(CheckpointArchive archive) =>
        archive.Image is { IsContainerdCheckpoint: true } image && !archive.Contains(ArchiveLayout.ConfigDump)
            ? new ContainerConfig { RootfsImageName = image.BaseImage, Runtime = image.Runtime }
            : null;

    private static ReadOnlyMemory<byte> Require(CheckpointArchive archive, string name) =>
        archive.TryGetBytes(name) ?? throw new MissingCheckpointDataException($"open {name}: no such file or directory");

    private static GoTime ParseTime(string? text)
    {
        try
        {
            return GoTime.Parse(text);
        }
        catch (FormatException e)
        {
            throw new InvalidCheckpointException($"failed to unmarshal {ArchiveLayout.ConfigDump}: {e.Message}", e);
        }
    }

    private static string CrioName(Dictionary<string, string> annotations)
    {
        var json = annotations.GetValueOrDefault("io.kubernetes.cri-o.Metadata", "");
        var bytes = System.Text.Encoding.UTF8.GetBytes(json);
        try
        {
            var metadata = JsonSerializer.Deserialize(bytes, MetadataJsonContext.Default.CrioMetadata);
            return metadata?.Name ?? "";
        }
        catch (JsonException e)
        {
            throw new InvalidCheckpointException(
                $"getting container checkpoint information failed: failed to read io.kubernetes.cri-o.Metadata: {JsonInput.Describe(bytes, e)}", e);
        }
    }

    // A broken or CNI-era network.status is ignored, as upstream does.
    private static IReadOnlyList<NetworkInfo> ReadNetworks(ReadOnlyMemory<byte>? bytes)
    {
        if (bytes is not { } json)
            return [];
        Dictionary<string, NetworkStatusEntry>? status;
        try
        {
            status = JsonSerializer.Deserialize(json.Span, MetadataJsonContext.Default.DictionaryStringNetworkStatusEntry);
        }
        catch (JsonException)
        {
            return [];
        }
        if (status == null)
            return [];
        var networks = new List<NetworkInfo>();
        foreach (var (name, entry) in status.OrderBy(n => n.Key, StringComparer.Ordinal))
        {
            var interfaces = new List<NetworkInterfaceInfo>();
            foreach (var (ifName, iface) in (entry?.Interfaces ?? []).OrderBy(i => i.Key, StringComparer.Ordinal))
            {
                var last = iface?.Subnets is { Count: > 0 } subnets ? subnets[^1] : null;
                interfaces.Add(new NetworkInterfaceInfo(ifName, last?.IpNet, iface?.MacAddress, last?.Gateway)
                {
                    AllIps = (iface?.Subnets ?? []).Select(s => StripPrefix(s?.IpNet)).Where(ip => ip.Length > 0).ToList(),
                });
            }
            networks.Add(new NetworkInfo(name, interfaces));
        }
        return networks;
    }

    private static string StripPrefix(string? ipNet)
    {
        if (string.IsNullOrEmpty(ipNet))
            return "";
        var slash = ipNet.IndexOf('/');
        return slash < 0 ? ipNet : ipNet[..slash];
    }
}
