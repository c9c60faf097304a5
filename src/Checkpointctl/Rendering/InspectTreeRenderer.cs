using System.Text.Json;
using Checkpointctl.Core.Analysis;
using Checkpointctl.Core.Metadata;
using Checkpointctl.Core.Model;
using Checkpointctl.Core.Pod;

namespace Checkpointctl.Cli.Rendering;

/// <summary>Upstream's <c>inspect</c> tree view, with deterministic order everywhere.</summary>
internal static class InspectTreeRenderer
{
    /// <summary>CRI-O annotations whose JSON values are expanded into sub-trees.</summary>
    private static readonly HashSet<string> JsonAnnotations =
    [
        "io.kubernetes.cri-o.Labels", "io.kubernetes.cri-o.Annotations", "io.kubernetes.cri-o.Metadata",
        "kubectl.kubernetes.io/last-applied-configuration",
    ];

    private const string VolumesAnnotation = "io.kubernetes.cri-o.Volumes";

    public static void Write(TextWriter output, Inspection inspection)
    {
        output.Write(inspection.IsPreCheckpoint
            ? $"\nDisplaying container pre-checkpoint tree view from {inspection.Path}\n\n"
            : $"\nDisplaying container checkpoint tree view from {inspection.Path}\n\n");
        output.Write(Build(inspection).ToString());
        output.Write('\n');
    }

    /// <summary>A pod checkpoint: the pod node, with each container's usual subtree below <c>Containers</c>.</summary>
    public static void Write(TextWriter output, CheckpointResults<Inspection> pod)
    {
        output.Write($"\nDisplaying pod checkpoint tree view from {pod.Path}\n\n");
        output.Write(BuildPod(pod).ToString());
        output.Write('\n');
    }

    public static TreeNode BuildPod(CheckpointResults<Inspection> results)
    {
        var pod = results.Pod!;
        var root = new TreeNode(pod.Name.Length > 0 ? $"Pod {pod.Name}" : "Pod");
        if (pod.Namespace.Length > 0)
            root.Add($"Namespace: {pod.Namespace}");
        if (pod.Uid.Length > 0)
            root.Add($"UID: {pod.Uid}");
        if (pod.SandboxId.Length > 0)
            root.Add($"Sandbox ID: {pod.SandboxId}");
        root.Add($"Engine: {PodEngine.Name(pod, results.Items.Select(i => i.Value.Container))}");
        root.Add(pod.Generation == PodGeneration.One
            ? $"Format: generation 1 ({PodLayout.PodOptions} version {pod.FormatVersion})"
            : $"Format: generation 2 ({PodLayout.Manifest} version {pod.FormatVersion})");
        var containers = root.Add($"Containers: {results.Items.Count}");
        foreach (var item in results.Items)
            containers.Children.Add(Build(item.Value));
        return root;
    }

    public static TreeNode Build(Inspection i)
    {
        var c = i.Container;
        var root = new TreeNode(c.Name.Length > 0 ? c.Name : "Container");
        if (c.HasContainerMetadata)
        {
            root.Add($"Image: {c.Config.RootfsImageName}");
            root.Add($"ID: {c.Config.Id}");
            root.Add($"Runtime: {c.Config.Runtime}");
            root.Add($"Created: {c.Created}");
        }
        if (!c.Checkpointed.IsZero)
            root.Add($"Checkpointed: {c.Checkpointed.ToRfc3339()}");
        root.Add($"Engine: {c.EngineName}");
        if (i.Image != null)
            ImageRenderer.AddTo(root, i.Image);
        AddNetwork(root, c);
        if (i.IsPreCheckpoint)
            root.Add($"Pre-checkpoint: {ShowRenderer.PreCheckpointNote}");
        var size = root.Add($"Checkpoint size: {Units.Bytes(i.Sizes.CheckpointSize)}");
        if (i.Sizes.MemoryPagesSize != 0)
            size.Add($"Memory pages size: {Units.Bytes(i.Sizes.MemoryPagesSize)}");
        if (i.Sizes.AmdGpuMemoryPagesSize != 0)
            size.Add($"AMD GPU memory pages size: {Units.Bytes(i.Sizes.AmdGpuMemoryPagesSize)}");
        if (i.Sizes.RootFsDiffSize != 0)
            root.Add($"Root FS diff size: {Units.Bytes(i.Sizes.RootFsDiffSize)}");
        if (i.Gpu.IsPresent)
            GpuRenderer.AddTo(root, i.Gpu);
        if (i.Stats is { } s)
        {
            var stats = root.Add("CRIU dump statistics");
            stats.Add($"Freezing time: {Units.Microseconds(s.FreezingTime)}");
            stats.Add($"Frozen time: {Units.Microseconds(s.FrozenTime)}");
            stats.Add($"Memdump time: {Units.Microseconds(s.MemdumpTime)}");
            stats.Add($"Memwrite time: {Units.Microseconds(s.MemwriteTime)}");
            stats.Add($"Pages scanned: {s.PagesScanned}");
            stats.Add($"Pages written: {s.PagesWritten}");
        }
        if (i.Options.Metadata && c.HasContainerMetadata)
            AddMetadata(root, c);
        if (i.ProcessTree is { } tree)
        {
            var files = i.Files?.ToDictionary(f => f.Pid, f => f.Files);
            var sockets = i.Sockets?.ToDictionary(s => s.Pid, s => s.Sockets);
            AddProcess(root.Add("Process tree"), tree, files, sockets);
        }
        if (i.Mounts is { } mountPoints)
        {
            var mounts = root.Add("Overview of mounts");
            foreach (var m in mountPoints)
            {
                var node = mounts.Add($"Destination: {m.Destination}");
                node.Add($"Type: {m.Type}");
                node.Add($"Source: {m.Source}");
            }
        }
        ForensicTreeRenderer.AddTo(root, i);
        return root;
    }

    private static void AddNetwork(TreeNode root, ContainerInfo c)
    {
        if (c.Networks.Count > 0)
        {
            var networks = root.Add("Network Interfaces");
            foreach (var net in c.Networks)
            {
                foreach (var iface in net.Interfaces)
                {
                    var node = networks.Add($"{net.Name} ({iface.Name})");
                    if (!string.IsNullOrEmpty(iface.Ip))
                        node.Add($"IP: {iface.Ip}");
                    if (!string.IsNullOrEmpty(iface.Mac))
                        node.Add($"MAC: {iface.Mac}");
                    if (!string.IsNullOrEmpty(iface.Gateway))
                        node.Add($"Gateway: {iface.Gateway}");
                }
            }
            return;
        }
        if (c.Ip.Length > 0)
            root.Add($"IP: {c.Ip}");
        if (c.Mac.Length > 0)
            root.Add($"MAC: {c.Mac}");
    }

    private static void AddMetadata(TreeNode root, ContainerInfo c)
    {
        var metadata = root.Add("Metadata");
        if (c.Pod.Length > 0)
            metadata.Add($"Pod name: {c.Pod}");
        if (c.Namespace.Length > 0)
            metadata.Add($"Kubernetes namespace: {c.Namespace}");
        if (c.Annotations.Count == 0)
            return;
        var annotations = metadata.Add("Annotations");
        foreach (var (key, value) in c.Annotations)
        {
            if (JsonAnnotations.Contains(key))
                AddJsonAnnotation(annotations, key, value);
            else if (key == VolumesAnnotation)
                AddVolumes(annotations, value);
            else
                annotations.Add($"{key}: {value}");
        }
    }

    // An unparsable JSON annotation is skipped, as upstream does.
    private static void AddJsonAnnotation(TreeNode parent, string key, string value)
    {
        using var doc = ParseOrNull(value, JsonValueKind.Object);
        if (doc != null)
            AddJsonObject(parent.Add(key), doc.RootElement);
    }

    private static void AddJsonObject(TreeNode node, JsonElement obj)
    {
        foreach (var p in obj.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
            AddJsonValue(node, p.Name, p.Value);
    }

    private static void AddJsonValue(TreeNode node, string key, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                AddJsonObject(node.Add($"{key}:"), value);
                break;
            case JsonValueKind.Array:
                var array = node.Add($"{key}: ");
                var index = 0;
                foreach (var item in value.EnumerateArray())
                    AddJsonValue(array, $"[{index++}]", item);
                break;
            default:
                node.Add($"{key}: {GoScalar(value)}");
                break;
        }
    }

    // Go's %v of a decoded JSON scalar: numbers are float64, null is <nil>.
    private static string GoScalar(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null => "<nil>",
        _ => GoFloat(value.GetDouble()),
    };

    private static string GoFloat(double d)
    {
        var exp = d == 0 ? 0 : (int)Math.Floor(Math.Log10(Math.Abs(d)));
        if (exp < -4 || exp >= 21)
        {
            var s = d.ToString("E", System.Globalization.CultureInfo.InvariantCulture);
            var mantissa = double.Parse(s[..s.IndexOf('E')], System.Globalization.CultureInfo.InvariantCulture).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
            var e = int.Parse(s[(s.IndexOf('E') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            return $"{mantissa}e{(e < 0 ? "-" : "+")}{Math.Abs(e):00}";
        }
        return d.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
    }

    // The parsed annotation when it is JSON of the expected kind, else null (bounded depth: annotations are untrusted).
    private static JsonDocument? ParseOrNull(string value, JsonValueKind kind)
    {
        try
        {
            var doc = JsonDocument.Parse(value, new JsonDocumentOptions { MaxDepth = 64 });
            if (doc.RootElement.ValueKind == kind)
                return doc;
            doc.Dispose();
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void AddVolumes(TreeNode parent, string value)
    {
        using var doc = ParseOrNull(value, JsonValueKind.Array);
        if (doc == null)
            return;
        {
            var volumes = parent.Add(VolumesAnnotation);
            foreach (var v in doc.RootElement.EnumerateArray())
            {
                if (v.ValueKind != JsonValueKind.Object)
                    continue;
                var node = volumes.Add(Str(v, "container_path"));
                node.Add($"host path: {Str(v, "host_path")}");
                node.Add($"read-only: {Bool(v, "readonly")}");
                node.Add($"selinux relabel: {Bool(v, "selinux_relabel")}");
                node.Add($"recursive read-only: {Bool(v, "recursive_read_only")}");
                node.Add($"propagation: {(v.TryGetProperty("propagation", out var p) && p.ValueKind == JsonValueKind.Number ? GoFloat(p.GetDouble()) : "0")}");
            }
        }
    }

    private static string Str(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString()! : "";

    private static string Bool(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.True ? "true" : "false";

    private static void AddProcess(TreeNode parent, ProcessView p,
        Dictionary<uint, IReadOnlyList<OpenFile>>? files, Dictionary<uint, IReadOnlyList<SocketInfo>>? sockets)
    {
        var label = p.State is TaskState.Alive ? $"[{p.Pid}]" : $"[{p.Pid} ({p.StateName})]";
        var node = parent.Add($"{label}  {(p.State is TaskState.Alive or TaskState.Stopped && p.Cmdline != null ? p.Cmdline : p.Command)}");
        if (p.State is not (TaskState.Alive or TaskState.Stopped))
            return;
        if (p.Environment is { Count: > 0 } env)
        {
            var envNode = node.Add("Environment variables");
            foreach (var (k, v) in env)
                envNode.Add($"{k}={v}");
        }
        if (files != null && files.TryGetValue(p.Pid, out var open) && open.Count > 0)
        {
            var filesNode = node.Add("Open files");
            foreach (var f in open)
                filesNode.AddMeta(f.FdLabel, f.DisplayPath);
        }
        if (sockets != null && sockets.TryGetValue(p.Pid, out var socks) && socks.Count > 0)
        {
            var socketsNode = node.Add("Open sockets");
            foreach (var s in socks)
                socketsNode.AddMeta(SocketMeta(s), SocketData(s));
        }
        foreach (var child in p.Children)
            AddProcess(node, child, files, sockets);
    }

    private static string SocketMeta(SocketInfo s) => s.Kind switch
    {
        SocketKind.Inet when s.Protocol == "TCP" => $"TCP ({s.State})",
        SocketKind.Unix => $"UNIX ({s.Type})",
        _ => s.Protocol,
    };

    private static string SocketData(SocketInfo s)
    {
        var buffers = $"↑ {Units.SocketBytes(s.SendBuffer)} ↓ {Units.SocketBytes(s.RecvBuffer)}";
        var text = s.Kind switch
        {
            SocketKind.Inet => $"{Endpoint(s.Source, s.SourcePort, s.IsIPv6)} -> {Endpoint(s.Destination, s.DestinationPort, s.IsIPv6)} ({buffers})",
            SocketKind.Unix => s.Address.Length > 0 ? s.Address : "@",
            _ => buffers,
        };
        if (s.SendQueue != 0 || s.RecvQueue != 0)
            text += $" queued ↑ {Units.Bytes((long)s.SendQueue)} ↓ {Units.Bytes((long)s.RecvQueue)}";
        return text;
    }

    private static string Endpoint(string address, uint port, bool v6) => v6 ? $"[{address}]:{port}" : $"{address}:{port}";
}
