using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Metadata;

namespace Checkpointctl.Core.Pod;

/// <summary>
/// Reads what a pod checkpoint says about itself (checkpoint-shapes.md §2.3–2.5, §2.7): <c>pod.options</c> and
/// <c>pod.dump</c> of generation 1, the manifest and <c>pod-config.json</c> of generation 2. Every directory and archive
/// name taken from them is checked like a tar member name (no absolute path, no <c>..</c>) and no link is followed.
/// </summary>
internal static partial class PodReader
{
    /// <summary>A generation-1 pod from its <c>pod.options</c> and, if present, <c>pod.dump</c>.</summary>
    /// <exception cref="CheckpointException">Malformed or unsupported options, or an unsafe directory name.</exception>
    public static PodCheckpoint FromOptions(string path, ReadOnlyMemory<byte> options, ReadOnlyMemory<byte>? podDump)
    {
        CheckSize(PodLayout.PodOptions, options.Length, PodLayout.MaxPodFileBytes);
        using var document = Parse(options, PodLayout.PodOptions);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw Unmarshal(PodLayout.PodOptions, JsonInput.GoKind(root), "Go value of type metadata.CheckpointedPodOptions");
        var version = 0;
        if (root.TryGetProperty("version", out var v) && (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out version)))
            throw Unmarshal(PodLayout.PodOptions, JsonInput.GoKind(v), "Go struct field CheckpointedPodOptions.version of type int");
        if (!root.TryGetProperty("containers", out var list) || list.ValueKind == JsonValueKind.Null)
            throw new InvalidCheckpointException($"{path}: {PodLayout.PodOptions} lists no containers");
        // Generation 0 (2021-22, never released) listed full container names in an array.
        if (list.ValueKind == JsonValueKind.Array)
            throw new InvalidCheckpointException($"{path}: unsupported legacy pod checkpoint (generation 0: {PodLayout.PodOptions} lists its containers in an array)");
        var containers = StringMap(list, PodLayout.PodOptions, "containers");
        var annotations = root.TryGetProperty("annotations", out var a) && a.ValueKind != JsonValueKind.Null
            ? StringMap(a, PodLayout.PodOptions, "annotations") : [];
        if (containers.Count == 0)
            throw new InvalidCheckpointException($"{path}: {PodLayout.PodOptions} lists no containers");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pod = new List<PodContainer>();
        foreach (var (key, directory) in containers.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            if (!IsSingleName(directory))
                throw new InvalidCheckpointException($"{path}: {PodLayout.PodOptions}: unsafe directory name for container {key}: \"{Printable(directory)}\"");
            if (!seen.Add(directory))
                throw new InvalidCheckpointException($"{path}: {PodLayout.PodOptions}: containers share the directory {directory}");
            // CRI-O: <id>-k8s_<name>_<pod>_…; containerd: <id>-<name>_<pod>_… with the full name as key.
            var dash = directory.IndexOf('-');
            var id = dash > 0 && HexId().IsMatch(directory[..dash]) ? directory[..dash] : "";
            pod.Add(new PodContainer { Name = key.Split('_')[0], Key = key, Id = id, Location = directory });
        }
        var metadata = podDump is { } dump ? SandboxMetadata(dump, PodLayout.PodDump) : null;
        var byKey = annotations.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        return new PodCheckpoint
        {
            Path = path,
            Generation = PodGeneration.One,
            FormatVersion = version,
            Name = byKey.GetValueOrDefault(PodLayout.PodNameAnnotation) is { Length: > 0 } name ? name : metadata?.Name ?? "",
            Namespace = byKey.GetValueOrDefault(PodLayout.PodNamespaceAnnotation) is { Length: > 0 } ns ? ns : metadata?.Namespace ?? "",
            Uid = byKey.GetValueOrDefault(PodLayout.PodUidAnnotation) is { Length: > 0 } uid ? uid : metadata?.Uid ?? "",
            SandboxId = byKey.GetValueOrDefault(PodLayout.PodIdAnnotation, ""),
            Engine = byKey.GetValueOrDefault(PodLayout.EngineAnnotation, ""),
            Annotations = annotations.OrderBy(e => e.Key, StringComparer.Ordinal).ToList(),
            Containers = pod,
        };
    }

    /// <summary>A generation-2 pod directory from its manifest and <c>pod-config.json</c>; archives are checked by <see cref="CheckArchive"/>.</summary>
    /// <exception cref="CheckpointException">A malformed or unsupported manifest, or an unsafe archive name.</exception>
    public static PodCheckpoint FromManifest(string path)
    {
        var bytes = ReadFile(path, PodLayout.Manifest, PodLayout.MaxManifestBytes)!;
        var manifest = JsonInput.Deserialize(bytes, PodJsonContext.Default.CheckpointManifest, PodLayout.Manifest);
        if (manifest.Version is not (1 or 2))
            throw new InvalidCheckpointException($"{path}: unsupported pod checkpoint manifest version {manifest.Version} (versions 1 and 2 are known)");
        var entries = manifest.Containers ?? [];
        if (entries.Count is 0 or > PodLayout.MaxContainers)
            throw new InvalidCheckpointException($"{path}: {PodLayout.Manifest} lists {entries.Count} containers (1 to {PodLayout.MaxContainers} are allowed)");
        var containers = new List<PodContainer>();
        foreach (var entry in entries)
            containers.Add(ManifestEntry(path, entry, containers));
        var config = ReadFile(path, PodLayout.PodConfig, PodLayout.MaxPodFileBytes);
        var metadata = config != null ? SandboxMetadata(config, PodLayout.PodConfig) : null;
        return new PodCheckpoint
        {
            Path = path,
            Generation = PodGeneration.Two,
            FormatVersion = manifest.Version,
            Name = metadata?.Name ?? "",
            Namespace = metadata?.Namespace ?? "",
            Uid = metadata?.Uid ?? "",
            SandboxId = manifest.SandboxId ?? "",
            Containers = containers,
        };
    }

    private static PodContainer ManifestEntry(string path, ManifestContainer? entry, List<PodContainer> before)
    {
        var name = entry?.Name ?? "";
        var id = entry?.Id ?? "";
        if (name.Length == 0 || id.Length == 0)
            throw new InvalidCheckpointException($"{path}: {PodLayout.Manifest}: container {before.Count + 1} has no name or ID");
        if (before.Any(c => c.Name == name || c.Id == id))
            throw new InvalidCheckpointException($"{path}: {PodLayout.Manifest}: container {name} ({id}) is listed twice");
        if (entry!.Status?.Id is { } statusId && statusId != id)
            throw new InvalidCheckpointException($"{path}: {PodLayout.Manifest}: container {name}: status.id {statusId} differs from id {id}");
        var archive = MemberName.Normalize(entry.Archive ?? "");
        if (string.IsNullOrEmpty(archive))
            throw new InvalidCheckpointException($"{path}: {PodLayout.Manifest}: unsafe archive name for container {name}: \"{Printable(entry.Archive ?? "")}\"");
        if (before.Any(c => c.Location == archive))
            throw new InvalidCheckpointException($"{path}: {PodLayout.Manifest}: containers share the archive {archive}");
        var digest = entry.Sha256 ?? entry.Digest;
        if (digest != null && !Sha256Digest().IsMatch(digest))
            throw new InvalidCheckpointException($"{path}: {PodLayout.Manifest}: container {name}: malformed digest \"{Printable(digest)}\"");
        if (entry.Size < 0)
            throw new InvalidCheckpointException($"{path}: {PodLayout.Manifest}: container {name}: negative size {entry.Size}");
        return new PodContainer
        {
            Name = name,
            Key = name,
            Id = id,
            Location = archive,
            ArchiveSize = entry.Size,
            ArchiveSha256 = digest?.Split(':')[^1].ToLowerInvariant(),
        };
    }

    /// <summary>
    /// The file of a generation-2 container: inside the pod directory through no link, a regular file, and of the
    /// manifest's size and SHA-256 where it gives them (the digest costs one sequential read of the archive).
    /// </summary>
    /// <exception cref="CheckpointException">Missing, a link, another size or another digest.</exception>
    public static string CheckArchive(string podPath, PodContainer container)
    {
        var file = podPath;
        foreach (var segment in container.Location.Split('/'))
        {
            file = Path.Combine(file, segment);
            if (new FileInfo(file).LinkTarget != null)
                throw new InvalidCheckpointException($"{podPath}: archive {container.Location} of container {container.Name}: {file} is a symbolic link");
        }
        if (!File.Exists(file))
        {
            throw new MissingCheckpointDataException(Directory.Exists(file) || !FileKind.IsRegularFileOrDirectory(file)
                ? $"input {file} not a regular file (archive of container {container.Name})"
                : $"open {file}: no such file or directory (archive of container {container.Name} in {PodLayout.Manifest})");
        }
        if (!FileKind.IsRegularFileOrDirectory(file))
            throw new InvalidCheckpointException($"input {file} not a regular file (archive of container {container.Name})");
        var length = new FileInfo(file).Length;
        if (container.ArchiveSize is { } size && size != length)
            throw new InvalidCheckpointException($"{file}: {length} bytes, but {PodLayout.Manifest} gives {size} for container {container.Name}");
        if (container.ArchiveSha256 is { } expected)
        {
            string actual;
            try
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
                actual = Convert.ToHexStringLower(SHA256.HashData(stream));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CheckpointException(SystemErrors.Describe("read", file, e), e);
            }
            if (actual != expected)
                throw new InvalidCheckpointException($"{file}: sha256 {actual}, but {PodLayout.Manifest} gives {expected} for container {container.Name}");
        }
        return file;
    }

    /// <summary>
    /// A small file at the top of a pod directory (null when absent): not a link, a regular file, within
    /// <paramref name="limit"/>.
    /// </summary>
    public static byte[]? ReadFile(string podPath, string name, long limit)
    {
        var file = Path.Combine(podPath, name);
        var info = new FileInfo(file);
        if (info.LinkTarget != null)
            throw new InvalidCheckpointException($"{podPath}: {name} is a symbolic link");
        if (!info.Exists)
            return Directory.Exists(file) ? throw new InvalidCheckpointException($"{podPath}: {name} is not a regular file") : null;
        if (!FileKind.IsRegularFileOrDirectory(file))
            throw new InvalidCheckpointException($"{podPath}: {name} is not a regular file");
        CheckSize(name, info.Length, limit);
        try
        {
            return File.ReadAllBytes(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException(SystemErrors.Describe("open", file, e), e);
        }
    }

    private static PodSandboxMetadata? SandboxMetadata(ReadOnlyMemory<byte> json, string name)
    {
        CheckSize(name, json.Length, PodLayout.MaxPodFileBytes);
        return JsonInput.Deserialize(json.Span, PodJsonContext.Default.PodSandboxConfig, name).Metadata;
    }

    private static void CheckSize(string name, long size, long limit)
    {
        if (size > limit)
            throw new InvalidCheckpointException($"{name} is {size} bytes, larger than the {limit >> 20} MiB limit");
    }

    private static JsonDocument Parse(ReadOnlyMemory<byte> json, string name)
    {
        try
        {
            return JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            throw new InvalidCheckpointException($"failed to unmarshal {name}: {JsonInput.Describe(json.Span, e)}", e);
        }
    }

    private static List<KeyValuePair<string, string>> StringMap(JsonElement element, string file, string field)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw Unmarshal(file, JsonInput.GoKind(element), $"Go struct field CheckpointedPodOptions.{field} of type map[string]string");
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.String)
                throw Unmarshal(file, JsonInput.GoKind(property.Value), $"Go struct field CheckpointedPodOptions.{field} of type string");
            // A later duplicate key wins, as in Go.
            map[property.Name] = property.Value.GetString()!;
        }
        return map.ToList();
    }

    private static InvalidCheckpointException Unmarshal(string file, string kind, string target) =>
        new($"failed to unmarshal {file}: json: cannot unmarshal {kind} into {target}");

    private static bool IsSingleName(string name) =>
        name.Length is > 0 and <= 255 && name is not ("." or "..") && !name.Contains('/') && MemberName.Normalize(name) == name;

    private static string Printable(string s) => new(s.Select(c => char.IsControl(c) ? '?' : c).Take(200).ToArray());

    [GeneratedRegex("^[0-9a-f]{12,64}$")]
    private static partial Regex HexId();

    [GeneratedRegex("^(sha256:)?[0-9a-fA-F]{64}$")]
    private static partial Regex Sha256Digest();
}
