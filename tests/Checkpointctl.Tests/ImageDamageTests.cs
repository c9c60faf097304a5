using System.Formats.Tar;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Checkpointctl.Tests;

/// <summary>Damaged and hostile images: each is a one-line error naming what is wrong, from a directory and from a tar.</summary>
public class ImageDamageTests
{
    private static readonly Lazy<OciImage> Podman = new(() =>
        TestImages.ArchiveInLayer(TestPaths.Archive("simple-none.tar"), LayerCompression.Gzip, TestImages.PodmanAnnotations("test")));

    // Each damage: what to do to an OCI layout directory, and the error (after the input's path and ": ").
    public static TheoryData<string> Damages() => ["bad-digest", "size-mismatch", "digest-mismatch", "two-layers", "gzip-says-tar", "two-images",
        "index-not-json", "missing-blob", "not-a-checkpoint", "index-too-deep", "blob-link", "unknown-media-type", "index-nested-too-deep"];

    [Theory]
    [MemberData(nameof(Damages))]
    public void Damaged_images_are_errors(string damage)
    {
        using var dir = new ScratchDir();
        var layout = Podman.Value.WriteOciDirectory(Path.Combine(dir.Path, "image"));
        var expected = Damage(layout, damage);
        var tar = TarDirectory(layout, Path.Combine(dir.Path, "image.tar"));
        foreach (var input in new[] { layout, tar })
        {
            var message = CliRunner.AssertError(CliRunner.Run("inspect", input));
            Assert.Equal(expected.Replace("<input>", input, StringComparison.Ordinal), message);
        }
    }

    // Damages the layout in place; returns the message expected for <input>.
    private static string Damage(string layout, string damage)
    {
        var image = Podman.Value;
        var manifest = image.Target;
        var layer = image.Blobs[1];
        var index = Path.Combine(layout, "index.json");
        JsonObject IndexWith(JsonObject descriptor) => new() { ["schemaVersion"] = 2, ["manifests"] = new JsonArray(descriptor) };
        void WriteIndex(JsonNode node) => File.WriteAllBytes(index, TestImages.Json(node));
        string WriteManifest(Func<JsonObject, JsonObject> change)
        {
            var json = (JsonObject)JsonNode.Parse(manifest.Data)!;
            var blob = new TestBlob(manifest.MediaType, TestImages.Json(change(json)));
            File.WriteAllBytes(Path.Combine(layout, blob.Path), blob.Data);
            WriteIndex(IndexWith(blob.Descriptor()));
            return blob.Digest;
        }
        switch (damage)
        {
            case "bad-digest":
                var d = manifest.Descriptor();
                d["digest"] = "sha256:../../../etc/passwd";
                WriteIndex(IndexWith(d));
                return "<input>: index.json: invalid digest \"sha256:../../../etc/passwd\"";
            case "size-mismatch":
                var sized = manifest.Descriptor();
                sized["size"] = manifest.Data.Length + 1;
                WriteIndex(IndexWith(sized));
                return $"<input>: {manifest.Path} is {manifest.Data.Length} bytes, its descriptor says {manifest.Data.Length + 1}";
            case "digest-mismatch":
                var bytes = (byte[])manifest.Data.Clone();
                bytes[^2] = (byte)' ';
                File.WriteAllBytes(Path.Combine(layout, manifest.Path), bytes);
                return $"<input>: {manifest.Path} does not match its digest {manifest.Digest}";
            case "two-layers":
                var twoLayers = WriteManifest(m => { ((JsonArray)m["layers"]!).Add(layer.Descriptor()); return m; });
                return $"<input>: manifest {twoLayers} has 2 layers; a checkpoint image has one";
            case "gzip-says-tar":
                WriteManifest(m =>
                {
                    m["layers"]![0]!["mediaType"] = "application/vnd.oci.image.layer.v1.tar";
                    return m;
                });
                return $"<input>: {layer.Path} is gzip data, but its media type application/vnd.oci.image.layer.v1.tar says uncompressed";
            case "two-images":
                // Another manifest (its bytes differ by a space): the same manifest under two names is one image.
                var other = new TestBlob(manifest.MediaType, [.. manifest.Data, (byte)' ']);
                File.WriteAllBytes(Path.Combine(layout, other.Path), other.Data);
                var second = other.Descriptor();
                second["annotations"] = new JsonObject { ["org.opencontainers.image.ref.name"] = "localhost/other:1" };
                WriteIndex(new JsonObject { ["schemaVersion"] = 2, ["manifests"] = new JsonArray(manifest.Descriptor(), second) });
                return $"<input>: the image archive holds 2 images ({TestImages.Name}, localhost/other:1); only an archive of one image is read: name one as <input>:NAME";
            case "index-not-json":
                File.WriteAllText(index, "{\"schemaVersion\":2,");
                return "<input>: failed to unmarshal index.json: unexpected end of JSON input";
            case "missing-blob":
                File.Delete(Path.Combine(layout, layer.Path));
                return $"<input>: {layer.Path}: no such file in the image";
            case "not-a-checkpoint":
                WriteManifest(m =>
                {
                    var other = new TestBlob("application/vnd.oci.image.layer.v1.tar",
                        TestImages.Tar([("bin", TarEntryType.Directory, (UnixFileMode)0b111_101_101, []), ("bin/sh", TarEntryType.RegularFile, (UnixFileMode)0b111_101_101, "x"u8.ToArray())], TarEntryFormat.Gnu));
                    File.WriteAllBytes(Path.Combine(layout, other.Path), other.Data);
                    m["layers"] = new JsonArray(other.Descriptor());
                    return m;
                });
                return "checkpoint directory is missing in the archive file: <input>";
            case "index-too-deep":
                File.WriteAllText(index, new string('[', 100) + new string(']', 100));
                return "<input>: failed to unmarshal index.json: invalid JSON (line 1, byte 65)";
            case "blob-link":
                File.Delete(Path.Combine(layout, layer.Path));
                File.CreateSymbolicLink(Path.Combine(layout, layer.Path), "/etc/passwd");
                return $"<input>: {layer.Path} is a link; links in an image are not followed";
            case "unknown-media-type":
                var odd = manifest.Descriptor();
                odd["mediaType"] = "application/x-evil";
                WriteIndex(IndexWith(odd));
                return $"<input>: {manifest.Digest} has media type \"application/x-evil\", not an image manifest or index";
            case "index-nested-too-deep":
                // An index that names itself can only be written as a chain: six indexes, each naming the next.
                var target = manifest;
                for (var i = 0; i < 6; i++)
                {
                    target = new TestBlob("application/vnd.oci.image.index.v1+json", TestImages.Json(IndexWith(target.Descriptor())));
                    File.WriteAllBytes(Path.Combine(layout, target.Path), target.Data);
                }
                WriteIndex(IndexWith(target.Descriptor()));
                return "<input>: image indexes are nested more than 4 deep";
            default:
                throw new ArgumentException(damage);
        }
    }

    [Theory]
    [InlineData("traversal")]
    [InlineData("link")]
    public void Docker_archive_layer_paths_are_checked_and_links_not_followed(string damage)
    {
        using var dir = new ScratchDir();
        var path = Podman.Value.WriteDockerArchive(Path.Combine(dir.Path, "docker.tar"));
        var legacy = Rewrite(path, "manifest.json", (entries, json) =>
        {
            var link = entries.Single(e => e.EndsWith("/layer.tar", StringComparison.Ordinal));
            var manifest = JsonNode.Parse(json)!;
            var layer = manifest[0]!["Layers"]![0]!.GetValue<string>();
            manifest[0]!["Layers"] = new JsonArray(damage == "traversal" ? "../" + layer : link);
            return (manifest.ToJsonString(), link);
        });
        var message = CliRunner.AssertError(CliRunner.Run("show", path));
        if (damage == "traversal")
            Assert.Matches($"^{Regex.Escape(path)}: unsafe path in manifest.json: \"\\.\\./[0-9a-f]{{64}}\\.tar\"$", message);
        else
            Assert.Equal($"{path}: {legacy} is a link; links in an image are not followed", message);
    }

    [Fact]
    public void A_checkpoint_not_recognised_in_a_stream_is_an_error_and_read_from_a_file()
    {
        using var dir = new ScratchDir();
        // A layer above the held size whose first members are none of a checkpoint's: a stream cannot tell it is the layer.
        var archive = Path.Combine(dir.Path, "odd.tar");
        var members = TestImages.Members(TestPaths.Archive("simple-none.tar"));
        var filler = Enumerable.Range(0, 20).Select(i => ($"aaa-{i:D2}", TarEntryType.RegularFile, (UnixFileMode)0b110_100_100, i == 0 ? new byte[5 << 20] : []));
        File.WriteAllBytes(archive, TestImages.Tar(filler.Concat(members.Select(m => (m.Name, m.Type, m.Mode, m.Data))), TarEntryFormat.Gnu));
        var image = TestImages.ArchiveInLayer(archive, LayerCompression.None, TestImages.PodmanAnnotations("test")).WriteOciArchive(Path.Combine(dir.Path, "image.tar"));
        Assert.Equal(0, CliRunner.Run("show", image).ExitCode);
        var layer = TestImages.ArchiveInLayer(archive, LayerCompression.None, TestImages.PodmanAnnotations("test")).Blobs[1].Path;
        var e = Assert.Throws<Core.InvalidCheckpointException>(() =>
            Core.Analysis.Inspection.Read(new Core.Archive.CheckpointInput(image, () => new NonSeekableStream(File.OpenRead(image))), new Core.Analysis.InspectOptions()));
        Assert.Equal($"{image}: the image's checkpoint ({layer}) was not recognised as the stream went by; give the image as a file", e.Message);
    }

    [Fact]
    public void A_containerd_config_that_is_no_spec_is_an_error()
    {
        using var dir = new ScratchDir();
        var built = TestImages.Containerd(TestPaths.Archive("simple-none.tar"), rw: false, withBaseImage: false);
        var layout = built.WriteOciDirectory(Path.Combine(dir.Path, "image"));
        var config = built.Blobs.Single(b => b.MediaType == "application/vnd.containerd.container.checkpoint.config.v1+proto");
        var other = TestImages.Any("containerd.runc.v1.Options", []);
        var index = built.Target;
        // Same size, other content: the digest check catches it first; a consistent blob of another type is caught next.
        var replaced = new TestBlob(config.MediaType, other, Platform: true);
        File.WriteAllBytes(Path.Combine(layout, replaced.Path), other);
        var json = Encoding.UTF8.GetString(index.Data).Replace(config.Digest, replaced.Digest, StringComparison.Ordinal)
            .Replace($"\"size\":{config.Data.Length}", $"\"size\":{other.Length}", StringComparison.Ordinal);
        var newIndex = new TestBlob(index.MediaType, Encoding.UTF8.GetBytes(json), index.Annotations);
        File.WriteAllBytes(Path.Combine(layout, newIndex.Path), newIndex.Data);
        File.WriteAllBytes(Path.Combine(layout, "index.json"), TestImages.Json(new JsonObject { ["schemaVersion"] = 2, ["manifests"] = new JsonArray(newIndex.Descriptor()) }));
        Assert.Equal($"{layout}: the checkpoint config holds \"containerd.runc.v1.Options\", not an OCI runtime spec",
            CliRunner.AssertError(CliRunner.Run("inspect", layout)));
    }

    // Rewrites one member of a tar; returns what the change function returns beside the new text.
    private static string Rewrite(string tar, string member, Func<List<string>, string, (string Text, string Result)> change)
    {
        var entries = new List<TarEntry>();
        using (var reader = new TarReader(new MemoryStream(File.ReadAllBytes(tar))))
        {
            while (reader.GetNextEntry(copyData: true) is { } e)
                entries.Add(e);
        }
        var names = entries.Select(e => e.Name).ToList();
        var result = "";
        var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Gnu, leaveOpen: true))
        {
            foreach (var e in entries)
            {
                if (e.Name == member)
                {
                    var (text, r) = change(names, new StreamReader(e.DataStream!).ReadToEnd());
                    result = r;
                    writer.WriteEntry(new GnuTarEntry(TarEntryType.RegularFile, member) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)) });
                }
                else
                {
                    writer.WriteEntry(e);
                }
            }
        }
        File.WriteAllBytes(tar, output.ToArray());
        return result;
    }

    /// <summary>An OCI layout directory as podman's oci-archive orders it (links kept as links).</summary>
    internal static string TarDirectory(string layout, string path)
    {
        var entries = new List<(string, TarEntryType, UnixFileMode, byte[])>
        {
            ("blobs/", TarEntryType.Directory, (UnixFileMode)0b111_101_101, []),
            ("blobs/sha256/", TarEntryType.Directory, (UnixFileMode)0b111_101_101, []),
        };
        foreach (var file in Directory.EnumerateFileSystemEntries(Path.Combine(layout, "blobs", "sha256")).Order(StringComparer.Ordinal))
        {
            var name = "blobs/sha256/" + Path.GetFileName(file);
            var link = new FileInfo(file).LinkTarget;
            entries.Add(link != null
                ? (name, TarEntryType.SymbolicLink, (UnixFileMode)0b111_111_111, Encoding.UTF8.GetBytes(link))
                : (name, TarEntryType.RegularFile, (UnixFileMode)0b110_100_100, File.ReadAllBytes(file)));
        }
        entries.Add(("index.json", TarEntryType.RegularFile, (UnixFileMode)0b110_100_100, File.ReadAllBytes(Path.Combine(layout, "index.json"))));
        entries.Add(("oci-layout", TarEntryType.RegularFile, (UnixFileMode)0b110_100_100, File.ReadAllBytes(Path.Combine(layout, "oci-layout"))));
        File.WriteAllBytes(path, TestImages.Tar(entries, TarEntryFormat.Gnu));
        return path;
    }
}
