using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Checkpointctl.Tests;

public enum LayerCompression
{
    None,
    Gzip,
    Zstd,
}

/// <summary>A blob of an image: its bytes, media type and digest.</summary>
public sealed record TestBlob(string MediaType, byte[] Data, IReadOnlyDictionary<string, string>? Annotations = null, bool Platform = false)
{
    public string Hex { get; } = Convert.ToHexStringLower(SHA256.HashData(Data));
    public string Digest => "sha256:" + Hex;
    public string Path => "blobs/sha256/" + Hex;

    public JsonObject Descriptor()
    {
        var d = new JsonObject { ["mediaType"] = MediaType, ["digest"] = Digest, ["size"] = Data.Length };
        if (Annotations is { Count: > 0 })
            d["annotations"] = Map(Annotations);
        if (Platform)
            d["platform"] = new JsonObject { ["architecture"] = "amd64", ["os"] = "linux" };
        return d;
    }

    public static JsonObject Map(IEnumerable<KeyValuePair<string, string>> map)
    {
        var o = new JsonObject();
        foreach (var (k, v) in map.OrderBy(p => p.Key, StringComparer.Ordinal))
            o[k] = v;
        return o;
    }
}

/// <summary>
/// Checkpoint images built from a checkpoint archive as their producers lay them out (checkpoint-shapes.md §3 and the
/// real images in fixtures/images): Podman <c>--create-image</c> and buildah (upstream <c>build</c>) saved as
/// oci-archive, OCI directory and docker-archive, and containerd's native checkpoint image as <c>ctr images export</c>
/// writes it.
/// </summary>
public static class TestImages
{
    public const string Name = "localhost/ckpt-test:latest";
    public const string BaseImage = "localhost/fixture-busybox:latest";

    /// <summary>The archive's members (directories and files) in its own order, names as stored.</summary>
    public static List<(string Name, TarEntryType Type, UnixFileMode Mode, byte[] Data)> Members(string archive)
    {
        var members = new List<(string, TarEntryType, UnixFileMode, byte[])>();
        using var file = File.OpenRead(archive);
        using Stream input = archive.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress)
            : archive.EndsWith(".zst", StringComparison.Ordinal) ? new ZstdSharp.DecompressionStream(file) : file;
        using var reader = new TarReader(input);
        while (reader.GetNextEntry(copyData: true) is { } e)
        {
            var data = new MemoryStream();
            e.DataStream?.CopyTo(data);
            members.Add((e.Name, e.EntryType, e.Mode, data.ToArray()));
        }
        return members;
    }

    /// <summary>
    /// The layer buildah makes of a checkpoint archive (<c>buildah add</c> extracts it at /, commit tars it again):
    /// names without <c>./</c>, directories without a trailing <c>/</c> (implied ones added), modes kept, name order.
    /// </summary>
    public static byte[] Layer(string archive)
    {
        var entries = new SortedDictionary<string, (TarEntryType Type, UnixFileMode Mode, byte[] Data)>(StringComparer.Ordinal);
        foreach (var (raw, type, mode, data) in Members(archive))
        {
            var name = raw.StartsWith("./", StringComparison.Ordinal) ? raw[2..] : raw;
            name = name.TrimEnd('/');
            if (name.Length == 0)
                continue;
            entries[name] = (type == TarEntryType.V7RegularFile ? TarEntryType.RegularFile : type, mode, data);
            for (var slash = name.IndexOf('/'); slash > 0; slash = name.IndexOf('/', slash + 1))
                entries.TryAdd(name[..slash], (TarEntryType.Directory, (UnixFileMode)0b111_101_101, []));
        }
        return Tar(entries.Select(e => (e.Key, e.Value.Type, e.Value.Mode, e.Value.Data)), TarEntryFormat.Gnu);
    }

    public static byte[] Compress(byte[] tar, LayerCompression compression) => compression switch
    {
        LayerCompression.Gzip => TestArchive.Gzip(tar),
        LayerCompression.Zstd => TestArchive.Zstd(tar),
        _ => tar,
    };

    public static string LayerMediaType(LayerCompression compression) => compression switch
    {
        LayerCompression.Gzip => "application/vnd.oci.image.layer.v1.tar+gzip",
        LayerCompression.Zstd => "application/vnd.oci.image.layer.v1.tar+zstd",
        _ => "application/vnd.oci.image.layer.v1.tar",
    };

    /// <summary>Podman's <c>--create-image</c> annotations (Podman 4.3), with the values of the fixture image.</summary>
    public static Dictionary<string, string> PodmanAnnotations(string container) => new()
    {
        ["io.podman.annotations.checkpoint.name"] = container,
        ["io.podman.annotations.checkpoint.rawImageName"] = BaseImage,
        ["io.podman.annotations.checkpoint.rootfsImageName"] = BaseImage,
        ["io.podman.annotations.checkpoint.runtime.name"] = "runc",
        ["io.podman.annotations.checkpoint.runtime.version"] = "runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1+deb12u1",
        ["io.podman.annotations.checkpoint.criu.version"] = "40200",
        ["org.opencontainers.image.base.digest"] = "",
        ["org.opencontainers.image.base.name"] = "",
    };

    /// <summary>An OCI image of one layer holding the archive (Podman, buildah, upstream build, CRI-O by hand).</summary>
    public static OciImage ArchiveInLayer(string archive, LayerCompression compression, IReadOnlyDictionary<string, string> annotations,
        IReadOnlyDictionary<string, string>? labels = null)
    {
        var tar = Layer(archive);
        var layer = new TestBlob(LayerMediaType(compression), Compress(tar, compression));
        var configJson = new JsonObject
        {
            ["created"] = "2026-12-05T12:23:18.951345326Z",
            ["architecture"] = "amd64",
            ["os"] = "linux",
            ["config"] = labels == null ? new JsonObject() : new JsonObject { ["Labels"] = TestBlob.Map(labels) },
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray("sha256:" + Convert.ToHexStringLower(SHA256.HashData(tar))) },
            ["history"] = new JsonArray(new JsonObject { ["created"] = "2026-12-05T12:23:19.042973114Z", ["created_by"] = "/bin/sh" }),
        };
        var config = new TestBlob("application/vnd.oci.image.config.v1+json", Json(configJson));
        var manifest = new TestBlob("application/vnd.oci.image.manifest.v1+json", Json(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
            ["config"] = config.Descriptor(),
            ["layers"] = new JsonArray(layer.Descriptor()),
            ["annotations"] = TestBlob.Map(annotations),
        }), new Dictionary<string, string> { ["org.opencontainers.image.ref.name"] = Name });
        return new OciImage([config, layer, manifest], manifest, tar, config);
    }

    /// <summary>
    /// containerd's checkpoint image (<c>ctr containers checkpoint --task [--rw] [--image]</c>) of a container
    /// archive: runtime options, base image manifest, rw layer, criu tar (the CRIU images at its root; CRIU's
    /// statistics with them, as when runc's work dir is the image dir), config (the spec in a protobuf Any), options.
    /// </summary>
    public static OciImage Containerd(string archive, bool rw, bool withBaseImage)
    {
        var (criu, spec, diff) = ContainerdParts(archive);
        var platform = true;
        var blobs = new List<TestBlob>
        {
            new("application/vnd.containerd.container.checkpoint.runtime.options+proto", Any("containerd.runc.v1.Options", []), Platform: platform),
        };
        var all = new List<TestBlob>();
        if (withBaseImage)
        {
            var baseConfig = new TestBlob("application/vnd.oci.image.config.v1+json", Json(new JsonObject { ["architecture"] = "amd64", ["os"] = "linux" }));
            var baseLayer = new TestBlob("application/vnd.oci.image.layer.v1.tar+gzip", TestArchive.Gzip(Tar([("bin", TarEntryType.Directory, (UnixFileMode)0b111_101_101, [])], TarEntryFormat.Gnu)));
            var baseManifest = new TestBlob("application/vnd.oci.image.manifest.v1+json", Json(new JsonObject
            {
                ["schemaVersion"] = 2,
                ["config"] = baseConfig.Descriptor(),
                ["layers"] = new JsonArray(baseLayer.Descriptor()),
            }), new Dictionary<string, string> { ["org.opencontainers.image.ref.name"] = BaseImage });
            blobs.Add(baseManifest);
            all.AddRange([baseConfig, baseLayer]);
        }
        if (rw)
            blobs.Add(new TestBlob("application/vnd.oci.image.layer.v1.tar+gzip", diff, Platform: platform));
        blobs.Add(new TestBlob("application/vnd.containerd.container.criu.checkpoint.criu.tar", Tar(criu, TarEntryFormat.Gnu), Platform: platform));
        blobs.Add(new TestBlob("application/vnd.containerd.container.checkpoint.config.v1+proto",
            Any("types.containerd.io/opencontainers/runtime-spec/1/Spec", spec), Platform: platform));
        blobs.Add(new TestBlob("application/vnd.containerd.container.checkpoint.options.v1+proto", Any("containerd.runc.v1.CheckpointOptions", [0x28, 0x01]), Platform: platform));
        var index = new TestBlob("application/vnd.oci.image.index.v1+json", Json(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["manifests"] = new JsonArray(blobs.Select(b => (JsonNode)b.Descriptor()).ToArray()),
            ["annotations"] = TestBlob.Map(new Dictionary<string, string>
            {
                ["io.containerd.checkpoint.runtime"] = "io.containerd.runc.v2",
                ["io.containerd.checkpoint.snapshotter"] = "overlayfs",
                ["org.opencontainers.image.ref.name"] = BaseImage,
            }),
        }), new Dictionary<string, string> { ["io.containerd.image.name"] = Name, ["org.opencontainers.image.ref.name"] = "latest" });
        all.AddRange(blobs);
        all.Add(index);
        return new OciImage(all, index, [], null) { Containerd = true };
    }

    /// <summary>
    /// The container archive containerd's CRI makes of such an image (criu tar in checkpoint/, spec.dump,
    /// rootfs-diff.tar), with a config.dump holding what the image records: the reference the image must read like.
    /// </summary>
    public static string ContainerdReference(string archive, string path, bool rw)
    {
        var (criu, spec, diff) = ContainerdParts(archive);
        var members = criu.Select(m => (m.Name == "stats-dump" ? m.Name : "checkpoint/" + m.Name, m.Type, m.Mode, m.Data)).ToList();
        members.Add(("spec.dump", TarEntryType.RegularFile, (UnixFileMode)0b110_000_000, spec));
        members.Add(("config.dump", TarEntryType.RegularFile, (UnixFileMode)0b110_000_000,
            Encoding.UTF8.GetBytes($$"""{"rootfsImageName":"{{BaseImage}}","runtime":"io.containerd.runc.v2"}""")));
        if (rw)
            members.Add(("rootfs-diff.tar", TarEntryType.RegularFile, (UnixFileMode)0b110_100_100, diff));
        File.WriteAllBytes(path, Tar(members, TarEntryFormat.Gnu));
        return path;
    }

    // What containerd stores of a container archive: the CRIU images flat (CRIU's statistics among them, once), the
    // spec, and the rw layer gzip-compressed.
    private static (List<(string Name, TarEntryType Type, UnixFileMode Mode, byte[] Data)> Criu, byte[] Spec, byte[] Diff) ContainerdParts(string archive)
    {
        var members = Members(archive).Select(m => (Name: m.Name.TrimStart('.', '/'), m.Type, m.Mode, m.Data)).ToList();
        var criu = members.Where(m => m.Type is TarEntryType.RegularFile or TarEntryType.V7RegularFile
                                      && m.Name.StartsWith("checkpoint/", StringComparison.Ordinal) && m.Name != "checkpoint/stats-dump")
            .Select(m => (m.Name["checkpoint/".Length..], TarEntryType.RegularFile, (UnixFileMode)0b110_100_100, m.Data)).ToList();
        var stats = members.FirstOrDefault(m => m.Name == "stats-dump").Data ?? members.FirstOrDefault(m => m.Name == "checkpoint/stats-dump").Data;
        if (stats != null)
            criu.Add(("stats-dump", TarEntryType.RegularFile, (UnixFileMode)0b110_100_100, stats));
        var diff = members.FirstOrDefault(m => m.Name == "rootfs-diff.tar").Data
                   ?? Tar([("tmp", TarEntryType.Directory, (UnixFileMode)0b111_111_111, [])], TarEntryFormat.Gnu);
        return (criu, members.Single(m => m.Name == "spec.dump").Data, diff[0] == 0x1F ? diff : TestArchive.Gzip(diff));
    }

    public static byte[] Any(string typeUrl, byte[] value) => new Any { TypeUrl = typeUrl, Value = ByteString.CopyFrom(value) }.ToByteArray();

    public static byte[] Json(JsonNode node) => Encoding.UTF8.GetBytes(node.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));

    public static byte[] Tar(IEnumerable<(string Name, TarEntryType Type, UnixFileMode Mode, byte[] Data)> entries, TarEntryFormat format,
        DateTimeOffset? time = null)
    {
        var output = new MemoryStream();
        using (var writer = new TarWriter(output, format, leaveOpen: true))
        {
            foreach (var (name, type, mode, data) in entries)
            {
                TarEntry entry = format == TarEntryFormat.Gnu ? new GnuTarEntry(type, name) : new PaxTarEntry(type, name);
                entry.Mode = mode;
                entry.ModificationTime = time ?? new DateTimeOffset(2026, 12, 5, 12, 23, 0, TimeSpan.Zero);
                if (type is TarEntryType.RegularFile)
                    entry.DataStream = new MemoryStream(data);
                if (type is TarEntryType.SymbolicLink)
                    entry.LinkName = Encoding.UTF8.GetString(data);
                writer.WriteEntry(entry);
            }
        }
        return output.ToArray();
    }
}

/// <summary>An image's blobs and the descriptor index.json points at, written in each transport's layout.</summary>
public sealed record OciImage(IReadOnlyList<TestBlob> Blobs, TestBlob Target, byte[] LayerTar, TestBlob? Config)
{
    public bool Containerd { get; init; }

    /// <summary>Every image the index lists (an archive of several images); null for <see cref="Target"/> alone.</summary>
    public IReadOnlyList<TestBlob>? Targets { get; init; }

    private byte[] IndexJson => TestImages.Json(new JsonObject
    {
        ["schemaVersion"] = 2,
        ["manifests"] = new JsonArray((Targets ?? [Target]).Select(t => (JsonNode)t.Descriptor()).ToArray()),
    });

    /// <summary><c>podman save --format oci-archive</c> / <c>ctr images export</c>: blobs/ first (by digest), then index.json and oci-layout.</summary>
    public string WriteOciArchive(string path)
    {
        var blobMode = Containerd ? (UnixFileMode)0b100_100_100 : (UnixFileMode)0b110_100_100;
        var entries = new List<(string, TarEntryType, UnixFileMode, byte[])>
        {
            ("blobs/", TarEntryType.Directory, (UnixFileMode)0b111_101_101, []),
            ("blobs/sha256/", TarEntryType.Directory, (UnixFileMode)0b111_101_101, []),
        };
        entries.AddRange(Blobs.DistinctBy(b => b.Hex).OrderBy(b => b.Hex, StringComparer.Ordinal).Select(b => (b.Path, TarEntryType.RegularFile, blobMode, b.Data)));
        entries.Add(("index.json", TarEntryType.RegularFile, (UnixFileMode)0b110_100_100, IndexJson));
        entries.Add(("oci-layout", TarEntryType.RegularFile, blobMode, """{"imageLayoutVersion": "1.0.0"}"""u8.ToArray()));
        File.WriteAllBytes(path, TestImages.Tar(entries, TarEntryFormat.Gnu, Containerd ? DateTimeOffset.UnixEpoch : null));
        return path;
    }

    /// <summary><c>podman save --format oci-dir</c>: the same files in a directory.</summary>
    public string WriteOciDirectory(string path)
    {
        Directory.CreateDirectory(Path.Combine(path, "blobs", "sha256"));
        foreach (var b in Blobs)
            File.WriteAllBytes(Path.Combine(path, b.Path), b.Data);
        File.WriteAllBytes(Path.Combine(path, "index.json"), IndexJson);
        File.WriteAllText(Path.Combine(path, "oci-layout"), """{"imageLayoutVersion": "1.0.0"}""");
        return path;
    }

    /// <summary>
    /// <c>podman save --format docker-archive</c>: the uncompressed layer as <c>&lt;diffid&gt;.tar</c>, the config as
    /// <c>&lt;id&gt;.json</c>, the legacy <c>&lt;id&gt;/</c> folder whose layer.tar is a link, manifest.json, repositories.
    /// </summary>
    public string WriteDockerArchive(string path)
    {
        var diffId = Convert.ToHexStringLower(SHA256.HashData(LayerTar));
        var config = Config!;
        var legacy = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(diffId)));
        var manifest = TestImages.Json(new JsonArray(new JsonObject
        {
            ["Config"] = config.Hex + ".json",
            ["RepoTags"] = new JsonArray(TestImages.Name),
            ["Layers"] = new JsonArray(diffId + ".tar"),
        }));
        var mode = (UnixFileMode)0b100_100_100;
        File.WriteAllBytes(path, TestImages.Tar(
        [
            (diffId + ".tar", TarEntryType.RegularFile, mode, LayerTar),
            (config.Hex + ".json", TarEntryType.RegularFile, mode, config.Data),
            ($"{legacy}/layer.tar", TarEntryType.SymbolicLink, (UnixFileMode)0, Encoding.UTF8.GetBytes($"../{diffId}.tar")),
            ($"{legacy}/VERSION", TarEntryType.RegularFile, mode, "1.0"u8.ToArray()),
            ($"{legacy}/json", TarEntryType.RegularFile, mode, Encoding.UTF8.GetBytes($$"""{"id":"{{legacy}}","os":"linux"}""")),
            ("manifest.json", TarEntryType.RegularFile, mode, manifest),
            ("repositories", TarEntryType.RegularFile, mode, Encoding.UTF8.GetBytes($$$"""{"localhost/ckpt-test":{"latest":"{{{legacy}}}"}}""")),
        ], TarEntryFormat.Gnu, DateTimeOffset.UnixEpoch));
        return path;
    }
}
