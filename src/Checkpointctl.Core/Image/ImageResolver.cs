using System.Runtime.InteropServices;
using System.Text.Json;
using Checkpointctl.Core.Archive;

namespace Checkpointctl.Core.Image;

/// <summary>
/// Resolves an image to its checkpoint (checkpoint-shapes.md §3.2–3.4): <c>index.json</c> → manifest (through nested
/// indexes, picking a platform) → its one layer, or containerd's checkpoint index → its criu tar, config and rw layer;
/// a docker-archive through <c>manifest.json</c>. Sizes of every blob used are checked against their descriptors,
/// and the small JSON and protobuf blobs read whole against their digests. Layers are not hashed: that would read
/// the whole checkpoint, which every command avoids.
/// </summary>
internal static class ImageResolver
{
    /// <exception cref="CheckpointException">Not an image, or not a checkpoint image, or a malformed one.</exception>
    public static ResolvedImage Resolve(ImageFiles files)
    {
        if (files.Exists(ImageLayout.IndexFile))
            return ResolveOci(files);
        if (files.Exists(ImageLayout.DockerManifestFile))
            return ResolveDocker(files);
        throw new MissingCheckpointDataException($"checkpoint directory is missing in the archive file: {files.Path} (an image needs {ImageLayout.IndexFile} or {ImageLayout.DockerManifestFile})");
    }

    private static ResolvedImage ResolveOci(ImageFiles files)
    {
        var format = files.IsDirectory ? "oci-dir" : "oci-archive";
        using var index = ImageJson.Parse(files.ReadAll(ImageLayout.IndexFile), files.Path, ImageLayout.IndexFile);
        var root = index.RootElement;
        var top = Descriptors(root, $"{files.Path}: {ImageLayout.IndexFile}");
        if (top.Count == 0)
            throw new MissingCheckpointDataException($"checkpoint directory is missing in the archive file: {files.Path} ({ImageLayout.IndexFile} lists no image)");
        var descriptor = Select(files, top);
        var annotations = new SortedDictionary<string, string>(ImageJson.StringMap(root, "annotations", $"{files.Path}: {ImageLayout.IndexFile}"), StringComparer.Ordinal);
        var description = new ImageDescription(format, ImageDescription.ArchiveInLayer, Name(descriptor), descriptor.Digest, "");
        return Follow(files, descriptor, description, annotations, depth: 0);
    }

    private const int MaxNamesShown = 8;

    // The image the user named, or the only one (names of one manifest count once).
    private static ImageDescriptor Select(ImageFiles files, IReadOnlyList<ImageDescriptor> top)
    {
        var candidates = files.Reference is { } reference
            ? top.Where(d => Name(d) == reference || d.Annotation(ImageLayout.RefNameAnnotation) == reference || d.Digest == reference).ToList()
            : top;
        var images = candidates.DistinctBy(d => d.Digest).ToList();
        if (images.Count == 1)
            return images[0];
        var shown = top.Take(MaxNamesShown).Select(d => Name(d) is { Length: > 0 } n ? ImageJson.Printable(n) : "unnamed");
        var names = string.Join(", ", top.Count > MaxNamesShown ? shown.Append("…") : shown);
        if (files.Reference != null && images.Count == 0)
            throw new MissingCheckpointDataException($"{files.Path}: no image named {ImageJson.Printable(files.Reference)} (the image archive holds {names})");
        throw new InvalidCheckpointException(
            $"{files.Path}: the image archive holds {images.Count} images ({names}); only an archive of one image is read: name one as {files.Path}:NAME");
    }

    // The image's name: containerd's full name first (its ref.name is only the tag), then the OCI layout's.
    private static string Name(ImageDescriptor d)
    {
        var containerd = d.Annotation(ImageLayout.ContainerdImageNameAnnotation);
        return containerd.Length > 0 ? containerd : d.Annotation(ImageLayout.RefNameAnnotation);
    }

    private static ResolvedImage Follow(ImageFiles files, ImageDescriptor d, ImageDescription description, SortedDictionary<string, string> annotations, int depth)
    {
        if (depth > ImageLayout.MaxIndexDepth)
            throw new InvalidCheckpointException($"{files.Path}: image indexes are nested more than {ImageLayout.MaxIndexDepth} deep");
        switch (d.MediaType)
        {
            case ImageLayout.OciIndex or ImageLayout.DockerManifestList:
            {
                using var nested = ImageJson.Parse(ReadBlob(files, d), files.Path, d.Digest);
                var descriptors = Descriptors(nested.RootElement, $"{files.Path}: {d.Digest}");
                var nestedAnnotations = ImageJson.StringMap(nested.RootElement, "annotations", $"{files.Path}: {d.Digest}");
                foreach (var (k, v) in nestedAnnotations)
                    annotations[k] = v;
                if (IsContainerdCheckpoint(descriptors, nestedAnnotations))
                    return ContainerdCheckpoint.Resolve(files, description, annotations, nestedAnnotations, descriptors);
                return Follow(files, Platform(files, descriptors, d.Digest), description, annotations, depth + 1);
            }
            case ImageLayout.OciManifest or ImageLayout.DockerManifest:
                return FromManifest(files, d, description, annotations);
            default:
                throw new InvalidCheckpointException($"{files.Path}: {d.Digest} has media type \"{ImageJson.Printable(d.MediaType)}\", not an image manifest or index");
        }
    }

    private static bool IsContainerdCheckpoint(IReadOnlyList<ImageDescriptor> descriptors, IReadOnlyDictionary<string, string> annotations) =>
        annotations.ContainsKey(ImageLayout.ContainerdCheckpointRuntimeAnnotation)
        || descriptors.Any(x => x.MediaType.StartsWith(ImageLayout.ContainerdMediaTypePrefix, StringComparison.Ordinal));

    // The manifest for this machine's platform when an index has several; otherwise the first Linux one.
    private static ImageDescriptor Platform(ImageFiles files, IReadOnlyList<ImageDescriptor> descriptors, string what)
    {
        var images = descriptors.Where(x => x.MediaType is ImageLayout.OciManifest or ImageLayout.DockerManifest or ImageLayout.OciIndex or ImageLayout.DockerManifestList).ToList();
        if (images.Count == 0)
            throw new MissingCheckpointDataException($"checkpoint directory is missing in the archive file: {files.Path} (index {what} lists no image manifest)");
        if (images.Count == 1)
            return images[0];
        return images.FirstOrDefault(x => x.Os == "linux" && x.Architecture == HostArchitecture)
               ?? images.FirstOrDefault(x => x.Os == "linux") ?? images[0];
    }

    private static string HostArchitecture => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => "amd64",
        Architecture.Arm64 => "arm64",
        Architecture.Arm => "arm",
        Architecture.S390x => "s390x",
        Architecture.Ppc64le => "ppc64le",
        Architecture.RiscV64 => "riscv64",
        Architecture.LoongArch64 => "loong64",
        _ => "",
    };

    private static ResolvedImage FromManifest(ImageFiles files, ImageDescriptor d, ImageDescription description, SortedDictionary<string, string> annotations)
    {
        using var manifest = ImageJson.Parse(ReadBlob(files, d), files.Path, d.Digest);
        var root = manifest.RootElement;
        foreach (var (k, v) in ImageJson.StringMap(root, "annotations", $"{files.Path}: {d.Digest}"))
            annotations[k] = v;
        if (!root.TryGetProperty("config", out var configElement))
            throw new InvalidCheckpointException($"{files.Path}: manifest {d.Digest} has no config");
        var config = ImageDescriptor.Parse(configElement, $"{files.Path}: {d.Digest}");
        var layers = Descriptors(root, $"{files.Path}: {d.Digest}", "layers");
        var layer = SingleLayer(files, layers, d.Digest);
        using var configJson = ImageJson.Parse(ReadBlob(files, config), files.Path, config.Digest);
        CheckSize(files, layer.BlobPath, layer.Size);
        description = description with
        {
            Id = config.Digest,
            Annotations = annotations.ToList(),
            Labels = Labels(configJson.RootElement, $"{files.Path}: {config.Digest}"),
            LayerMediaType = layer.MediaType,
        };
        return new ResolvedImage(description, layer.BlobPath, LayerCompression(files, layer.MediaType));
    }

    private static ImageDescriptor SingleLayer(ImageFiles files, IReadOnlyList<ImageDescriptor> layers, string what)
    {
        if (layers.Count != 1)
            throw new InvalidCheckpointException($"{files.Path}: manifest {what} has {layers.Count} layers; a checkpoint image has one");
        return layers[0];
    }

    // docker-archive: manifest.json names the config and layer files by path.
    private static ResolvedImage ResolveDocker(ImageFiles files)
    {
        var format = files.IsDirectory ? "docker-dir" : "docker-archive";
        using var manifest = ImageJson.Parse(files.ReadAll(ImageLayout.DockerManifestFile), files.Path, ImageLayout.DockerManifestFile);
        var root = manifest.RootElement;
        if (root.ValueKind != JsonValueKind.Array)
            throw new InvalidCheckpointException($"{files.Path}: {ImageLayout.DockerManifestFile} is not an array");
        var what = $"{files.Path}: {ImageLayout.DockerManifestFile}";
        var entry = SelectDocker(files, root, what);
        var configPath = SafePath(files, ImageJson.String(entry, "Config", what));
        var tags = ImageJson.Array(entry, "RepoTags", what);
        var name = files.Reference ?? (tags.Count > 0 && tags[0].ValueKind == JsonValueKind.String ? tags[0].GetString()! : "");
        var layerPaths = ImageJson.Array(entry, "Layers", what);
        if (layerPaths.Count != 1)
            throw new InvalidCheckpointException($"{files.Path}: {what} lists {layerPaths.Count} layers; a checkpoint image has one");
        if (layerPaths[0].ValueKind != JsonValueKind.String)
            throw new InvalidCheckpointException($"{files.Path}: {what}: a layer path is not a string");
        var layerPath = SafePath(files, layerPaths[0].GetString()!);
        var configBytes = files.ReadAll(configPath);
        var id = ImageFiles.Digest("sha256:", configBytes);
        // A config named by its digest (<hex>.json, blobs/sha256/<hex>) must be that digest.
        var stem = System.IO.Path.GetFileNameWithoutExtension(configPath);
        if (stem.Length == 64 && stem.All(char.IsAsciiHexDigitLower) && id != "sha256:" + stem)
            throw new InvalidCheckpointException($"{files.Path}: {configPath} does not match its digest sha256:{stem}");
        using var config = ImageJson.Parse(configBytes, files.Path, configPath);
        var description = new ImageDescription(format, ImageDescription.ArchiveInLayer, name, "", id)
        {
            Labels = Labels(config.RootElement, $"{files.Path}: {configPath}"),
            LayerMediaType = ImageLayout.DockerLayer,
        };
        files.SizeOf(layerPath);
        return new ResolvedImage(description, layerPath, Compression: null);
    }

    // The entry of manifest.json the user named by one of its RepoTags, or the only one.
    private static JsonElement SelectDocker(ImageFiles files, JsonElement root, string what)
    {
        var entries = root.EnumerateArray().ToList();
        if (files.Reference is { } reference)
        {
            var named = entries.Where(e => ImageJson.Array(e, "RepoTags", what).Any(t => t.ValueKind == JsonValueKind.String && t.GetString() == reference)).ToList();
            return named.Count == 1 ? named[0]
                : throw new MissingCheckpointDataException($"{files.Path}: {(named.Count == 0 ? "no image" : $"{named.Count} images")} named {ImageJson.Printable(reference)}");
        }
        if (entries.Count != 1)
            throw new InvalidCheckpointException(
                $"{files.Path}: the image archive holds {entries.Count} images; only an archive of one image is read: name one as {files.Path}:NAME");
        return entries[0];
    }

    private static string SafePath(ImageFiles files, string path) =>
        MemberName.Normalize(path) is { Length: > 0 } safe ? safe
            : throw new InvalidCheckpointException($"{files.Path}: unsafe path in {ImageLayout.DockerManifestFile}: \"{ImageJson.Printable(path)}\"");

    private static IReadOnlyList<KeyValuePair<string, string>> Labels(JsonElement config, string what) =>
        config.ValueKind == JsonValueKind.Object && config.TryGetProperty("config", out var c)
            ? ImageJson.StringMap(c, "Labels", what).OrderBy(l => l.Key, StringComparer.Ordinal).ToList()
            : [];

    /// <summary>The descriptors of an index (<c>manifests</c>) or manifest (<c>layers</c>).</summary>
    public static IReadOnlyList<ImageDescriptor> Descriptors(JsonElement root, string what, string name = "manifests")
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new InvalidCheckpointException($"{what}: not a JSON object");
        if (root.TryGetProperty("schemaVersion", out var version) && !(version.ValueKind == JsonValueKind.Number && version.TryGetInt32(out var v) && v == 2))
            throw new InvalidCheckpointException($"{what}: unsupported schemaVersion (2 expected)");
        return ImageJson.Array(root, name, what).Select(e => ImageDescriptor.Parse(e, what)).ToList();
    }

    /// <summary>A small blob read whole, its size and digest checked against its descriptor.</summary>
    public static byte[] ReadBlob(ImageFiles files, ImageDescriptor d)
    {
        CheckSize(files, d.BlobPath, d.Size);
        return files.ReadAll(d.BlobPath, d.Digest);
    }

    public static void CheckSize(ImageFiles files, string blob, long size)
    {
        var actual = files.SizeOf(blob);
        if (actual != size)
            throw new InvalidCheckpointException($"{files.Path}: {blob} is {actual} bytes, its descriptor says {size}");
    }

    /// <summary>The compression a layer media type declares (checked against the data's magic when it is opened).</summary>
    public static CompressionKind LayerCompression(ImageFiles files, string mediaType)
    {
        var (type, suffix) = mediaType.IndexOf('+') is var plus and >= 0 ? (mediaType[..plus], mediaType[plus..]) : (mediaType, "");
        if (type is ImageLayout.DockerLayer + ".gzip")
            return CompressionKind.Gzip;
        if (type is not (ImageLayout.OciLayer or "application/vnd.oci.image.layer.nondistributable.v1.tar" or ImageLayout.DockerLayer))
            throw new InvalidCheckpointException($"{files.Path}: layer media type \"{ImageJson.Printable(mediaType)}\" is not a tar layer");
        return suffix switch
        {
            "" => CompressionKind.None,
            "+gzip" => CompressionKind.Gzip,
            "+zstd" => CompressionKind.Zstd,
            _ => throw new InvalidCheckpointException($"{files.Path}: layer media type \"{ImageJson.Printable(mediaType)}\" has an unsupported compression"),
        };
    }
}
