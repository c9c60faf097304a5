using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Checkpointctl.Tests;

/// <summary>One container checkpoint's members (regular files; directories are implied), read from a fixture archive.</summary>
public sealed record ContainerFiles(string Name, string Id, IReadOnlyList<(string Name, byte[] Data)> Members)
{
    /// <summary>The members of a fixture archive (plain, gzip or zstd by name), optionally as another container.</summary>
    public static ContainerFiles FromArchive(string archive, string name, string? renameTo = null, string? newId = null)
    {
        var members = new List<(string, byte[])>();
        using (var reader = new TarReader(new MemoryStream(Decompress(archive))))
        {
            while (reader.GetNextEntry(copyData: true) is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream == null)
                    continue;
                var data = new MemoryStream();
                entry.DataStream.CopyTo(data);
                members.Add((entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name, data.ToArray()));
            }
        }
        var id = JsonDocument.Parse(members.Single(m => m.Item1 == "config.dump").Item2).RootElement.GetProperty("id").GetString()!;
        var files = new ContainerFiles(name, id, members);
        return renameTo == null ? files : files.Renamed(renameTo, newId!);
    }

    /// <summary>The same checkpoint as another container: its name and ID replaced in config.dump and spec.dump.</summary>
    public ContainerFiles Renamed(string name, string id) => new(name, id, Members.Select(m => m.Name is "config.dump" or "spec.dump"
        ? (m.Name, Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(m.Data).Replace(Name, name, StringComparison.Ordinal).Replace(Id, id, StringComparison.Ordinal)))
        : m).ToList());

    /// <summary>The container's own archive (a plain tar in the producer's walk order): what the pod's container must read like.</summary>
    public string WriteArchive(string path)
    {
        File.WriteAllBytes(path, PodFiles.Tar(PodFiles.Walk(Members.Select(m => (m.Name, m.Data)), ""), "", UnixFileMode.UserRead | UnixFileMode.UserWrite));
        return path;
    }

    private static byte[] Decompress(string path)
    {
        using var file = File.OpenRead(path);
        using Stream input = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress)
            : path.EndsWith(".zst", StringComparison.Ordinal) ? new ZstdSharp.DecompressionStream(file) : file;
        var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }
}

/// <summary>
/// Pod checkpoints laid out as their producers write them (checkpoint-shapes.md §2): names, modes, order and manifests.
/// </summary>
public static class PodFiles
{
    public const string PodName = "demo-pod";
    public const string Namespace = "default";
    public const string Uid = "3c0b8d2e-5e8d-4d0f-9a1d-77e1c0b8d2e5";
    public const string SandboxId = "5e8d0f3ce1a14c0b9a1d77e15e8d0f3ce1a14c0b9a1d77e15e8d0f3ce1a14c0b";
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>CRI-O #9758: <c>pod.options</c> (indented, 0600) and <c>&lt;id&gt;-k8s_&lt;name&gt;_&lt;pod&gt;_&lt;ns&gt;_&lt;uid&gt;_0/</c> per container keyed by the short name; entries <c>./</c>-prefixed.</summary>
    public static IReadOnlyList<(string Name, byte[] Data)> CrioPod(params ContainerFiles[] containers)
    {
        var files = new List<(string, byte[])>();
        var map = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var c in containers)
        {
            var dir = $"{c.Id}-k8s_{c.Name}_{PodName}_{Namespace}_{Uid}_0";
            map[c.Name] = dir;
            files.AddRange(c.Members.Select(m => ($"{dir}/{m.Name}", m.Data)));
        }
        files.Add(("pod.options", Indented(new Dictionary<string, object>
        {
            ["version"] = 1,
            ["containers"] = map,
            ["annotations"] = new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                ["org.criu.checkpoint.engine.name"] = "cri-o",
                ["org.criu.checkpoint.engine.version"] = "1.36.0",
                ["org.criu.checkpoint.pod.id"] = SandboxId,
                ["org.criu.checkpoint.pod.name"] = PodName,
                ["org.criu.checkpoint.pod.namespace"] = Namespace,
                ["org.criu.checkpoint.pod.uid"] = Uid,
            },
        })));
        return files;
    }

    /// <summary>containerd #12932: <c>pod.options</c> keyed by the full containerd name, <c>pod.dump</c> (compact PodSandboxConfig), no <c>./</c>.</summary>
    public static IReadOnlyList<(string Name, byte[] Data)> ContainerdPod(params ContainerFiles[] containers)
    {
        var files = new List<(string, byte[])>();
        var map = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var c in containers)
        {
            var fullName = $"{c.Name}_{PodName}_{Namespace}_{Uid}_0";
            map[fullName] = $"{c.Id}-{fullName}";
            files.AddRange(c.Members.Select(m => ($"{c.Id}-{fullName}/{m.Name}", m.Data)));
        }
        files.Add(("pod.options", Indented(new Dictionary<string, object>
        {
            ["version"] = 1,
            ["containers"] = map,
            ["annotations"] = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["org.criu.checkpoint.engine.name"] = "containerd" },
        })));
        files.Add(("pod.dump", PodConfig()));
        return files;
    }

    /// <summary>A generation-1 pod as an uncompressed tar in walk order: CRI-O's with <c>./</c> names, containerd's without.</summary>
    public static string WriteTar(IReadOnlyList<(string Name, byte[] Data)> pod, string path, bool dotSlash)
    {
        File.WriteAllBytes(path, Tar(Walk(pod, dotSlash ? "./" : ""), dotSlash ? "./" : "", Private));
        return path;
    }

    /// <summary>An unpacked pod (a directory as the tar would extract).</summary>
    public static string WriteDirectory(IReadOnlyList<(string Name, byte[] Data)> pod, string path)
    {
        foreach (var (name, data) in pod)
        {
            var file = Path.Combine(path, name);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllBytes(file, data);
        }
        return path;
    }

    /// <summary>
    /// containerd #13822: a directory with <c>checkpoint-manifest.json</c> (compact), <c>pod-config.json</c> and
    /// <c>container-&lt;sha256(id)&gt;.tar</c> (mode 0600) per container; version 1 lists name, ID and archive,
    /// version 2 adds the CRI config and status.
    /// </summary>
    public static string WriteGeneration2(string path, int version, params ContainerFiles[] containers)
    {
        Directory.CreateDirectory(path);
        var entries = new List<object>();
        foreach (var c in containers)
        {
            var archive = ArchiveName(c.Id);
            c.WriteArchive(Path.Combine(path, archive));
            File.SetUnixFileMode(Path.Combine(path, archive), Private);
            entries.Add(version == 1
                ? new Dictionary<string, object> { ["name"] = c.Name, ["id"] = c.Id, ["archive"] = archive }
                : new Dictionary<string, object>
                {
                    ["name"] = c.Name,
                    ["id"] = c.Id,
                    ["archive"] = archive,
                    ["config"] = new Dictionary<string, object> { ["metadata"] = new Dictionary<string, string> { ["name"] = c.Name } },
                    ["status"] = new Dictionary<string, object> { ["id"] = c.Id, ["metadata"] = new Dictionary<string, string> { ["name"] = c.Name }, ["state"] = 1 },
                });
        }
        WriteManifest(path, new Dictionary<string, object> { ["version"] = version, ["sandboxId"] = SandboxId, ["containers"] = entries });
        File.WriteAllBytes(Path.Combine(path, "pod-config.json"), PodConfig());
        return path;
    }

    public static void WriteManifest(string path, object manifest)
    {
        var file = Path.Combine(path, "checkpoint-manifest.json");
        File.WriteAllBytes(file, JsonSerializer.SerializeToUtf8Bytes(manifest));
        File.SetUnixFileMode(file, Private);
    }

    public static string ArchiveName(string id) => $"container-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id)))}.tar";

    private static byte[] PodConfig() => JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
    {
        ["metadata"] = new Dictionary<string, string> { ["name"] = PodName, ["uid"] = Uid, ["namespace"] = Namespace },
        ["hostname"] = PodName,
        ["log_directory"] = $"/var/log/pods/{Namespace}_{PodName}_{Uid}",
        ["linux"] = new Dictionary<string, object> { ["security_context"] = new Dictionary<string, object> { ["namespace_options"] = new Dictionary<string, int> { ["pid"] = 1 } } },
    });

    private static byte[] Indented(object value) =>
        JsonSerializer.SerializeToUtf8Bytes(value, new JsonSerializerOptions { WriteIndented = true, IndentSize = 2 });

    // filepath.Walk's order: each directory before its entries, entries sorted by name.
    internal static List<(string Name, byte[]? Data)> Walk(IEnumerable<(string Name, byte[] Data)> files, string prefix)
    {
        var entries = new SortedDictionary<string, byte[]?>(StringComparer.Ordinal);
        foreach (var (name, data) in files)
        {
            entries[name] = data;
            for (var slash = name.IndexOf('/'); slash > 0; slash = name.IndexOf('/', slash + 1))
                entries.TryAdd(name[..slash], null);
        }
        // Sorting full paths puts "a/b" after "a-x": walk directory by directory instead.
        var ordered = new List<(string, byte[]?)>();
        void Visit(string dir)
        {
            foreach (var (name, data) in entries.Where(e => Parent(e.Key) == dir))
            {
                ordered.Add((prefix + name + (data == null ? "/" : ""), data));
                if (data == null)
                    Visit(name);
            }
        }
        Visit("");
        return ordered;
    }

    private static string Parent(string name) => name.LastIndexOf('/') is var i and > 0 ? name[..i] : "";

    internal static byte[] Tar(List<(string Name, byte[]? Data)> entries, string rootName, UnixFileMode fileMode)
    {
        var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            if (rootName.Length > 0)
                writer.WriteEntry(new PaxTarEntry(TarEntryType.Directory, rootName) { Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute });
            foreach (var (name, data) in entries)
            {
                var entry = new PaxTarEntry(data == null ? TarEntryType.Directory : TarEntryType.RegularFile, name)
                {
                    Mode = data == null ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute : fileMode,
                };
                if (data != null)
                    entry.DataStream = new MemoryStream(data);
                writer.WriteEntry(entry);
            }
        }
        return output.ToArray();
    }
}
