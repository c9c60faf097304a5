using System.Diagnostics;
using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Checkpointctl.Core.Analysis;
using Checkpointctl.Core.Archive;

namespace Checkpointctl.Tests;

/// <summary>The blobs and files of an OCI image archive, checked against each other as an image reader would.</summary>
public sealed class OciArchive
{
    public required IReadOnlyList<(string Name, TarEntryType Type, long Size)> Entries { get; init; }
    public required Dictionary<string, byte[]> Files { get; init; }
    public JsonElement Index => Json(Files["index.json"]);
    public JsonElement ManifestDescriptor => Index.GetProperty("manifests")[0];
    public JsonElement Manifest => Json(Blob(ManifestDescriptor));
    public JsonElement Config => Json(Blob(Manifest.GetProperty("config")));
    public JsonElement LayerDescriptor => Manifest.GetProperty("layers")[0];
    public byte[] Layer => Blob(LayerDescriptor);

    public static OciArchive Read(string path)
    {
        var entries = new List<(string, TarEntryType, long)>();
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        using var reader = new TarReader(File.OpenRead(path));
        while (reader.GetNextEntry() is { } e)
        {
            entries.Add((e.Name, e.EntryType, e.Length));
            Assert.Equal(0, e.Uid);
            Assert.Equal(0, e.Gid);
            if (e.EntryType == TarEntryType.RegularFile)
            {
                var data = new MemoryStream();
                e.DataStream!.CopyTo(data);
                Assert.True(files.TryAdd(e.Name, data.ToArray()), $"{e.Name} appears twice");
            }
        }
        return new OciArchive { Entries = entries, Files = files };
    }

    /// <summary>A blob by its descriptor, after checking that the digest and size are the blob's.</summary>
    public byte[] Blob(JsonElement descriptor)
    {
        var digest = descriptor.GetProperty("digest").GetString()!;
        Assert.StartsWith("sha256:", digest);
        var blob = Files["blobs/sha256/" + digest[7..]];
        Assert.Equal(digest, Sha256(blob));
        Assert.Equal(blob.LongLength, descriptor.GetProperty("size").GetInt64());
        return blob;
    }

    public static string Sha256(byte[] data) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(data));

    private static JsonElement Json(byte[] data) => JsonDocument.Parse(data).RootElement.Clone();
}

public class BuildTests
{
    private const string ImageName = "localhost/checkpoint-test:latest";

    [Theory]
    [MemberData(nameof(TestPaths.AllArchiveNames), MemberType = typeof(TestPaths))]
    public void Oci_archive_of_every_fixture_is_a_consistent_image_holding_the_archive(string name)
    {
        var path = TestPaths.ArchiveByName(name);
        using var dir = new ScratchDir();
        var output = Path.Combine(dir.Path, "image.tar");
        var r = CliRunner.Run("build", path, ImageName, "-o", output);
        Assert.Equal(0, r.ExitCode);
        Assert.Matches(@"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d Image 'localhost/checkpoint-test:latest' created successfully from checkpoint '.+' in OCI archive '.+image\.tar' \(manifest sha256:[0-9a-f]{64}\)\n$", r.Stderr);
        Assert.Equal([output], dir.Files());

        var oci = OciArchive.Read(output);
        Assert.Equal("""{"imageLayoutVersion":"1.0.0"}""", Encoding.UTF8.GetString(oci.Files["oci-layout"]));
        Assert.Equal(OciImageArchive.IndexMediaType, oci.Index.GetProperty("mediaType").GetString());
        Assert.Equal(OciImageArchive.ManifestMediaType, oci.ManifestDescriptor.GetProperty("mediaType").GetString());
        Assert.Equal(OciImageArchive.ConfigMediaType, oci.Manifest.GetProperty("config").GetProperty("mediaType").GetString());
        Assert.Equal(5, oci.Files.Count); // oci-layout, index.json, manifest, config, layer: nothing else
        // The layer is the archive file itself (plain, gzip and zstd are OCI layer formats), its diff ID the tar's digest.
        var original = File.ReadAllBytes(path);
        Assert.Equal(original, oci.Layer);
        var kind = Compression.Detect(original);
        Assert.Equal(kind switch { CompressionKind.Gzip => "+gzip", CompressionKind.Zstd => "+zstd", _ => "" },
            oci.LayerDescriptor.GetProperty("mediaType").GetString()![OciImageArchive.LayerMediaType.Length..]);
        Assert.Equal(OciArchive.Sha256(Decompressed(original)), oci.Config.GetProperty("rootfs").GetProperty("diff_ids")[0].GetString());
        Assert.Equal("amd64", oci.Config.GetProperty("architecture").GetString());
        // Annotations from the checkpoint's metadata, on the manifest, its index descriptor and the index.
        var show = CheckpointOverview.Read(path).Container;
        foreach (var holder in new[] { oci.Manifest, oci.ManifestDescriptor, oci.Index })
        {
            var a = holder.GetProperty("annotations");
            Assert.Equal(show.Name, a.GetProperty("org.criu.checkpoint.container.name").GetString());
            Assert.Equal(show.EngineName, a.GetProperty("org.criu.checkpoint.engine.name").GetString());
            Assert.Equal(show.Config.Runtime, a.GetProperty("org.criu.checkpoint.runtime.name").GetString());
        }
        Assert.Equal(ImageName, oci.ManifestDescriptor.GetProperty("annotations").GetProperty("org.opencontainers.image.ref.name").GetString());
        Assert.Equal(8, r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.StartsWith("Added annotation: org.criu.checkpoint.", StringComparison.Ordinal)));

        GoldenFile.Assert(Describe(oci) + "--- stdout\n" + r.Stdout, Path.Combine("build", name + ".txt"));
        // The same input gives the same bytes.
        var again = Path.Combine(dir.Path, "again.tar");
        Assert.Equal(0, CliRunner.Run("build", path, ImageName, "-o", again).ExitCode);
        Assert.Equal(File.ReadAllBytes(output), File.ReadAllBytes(again));
    }

    [Fact]
    public void Gnu_tar_reads_the_archive_and_its_layer()
    {
        using var dir = new ScratchDir();
        var output = Path.Combine(dir.Path, "image.tar");
        var path = TestPaths.Archive("simple-zstd.tar.zst");
        Assert.Equal(0, CliRunner.Run("build", path, ImageName, "-o", output).ExitCode);
        var listing = Tool("tar", "-tvf", output);
        Assert.Matches(@"^drwxr-xr-x 0/0 +0 1970-01-01 00:00 blobs/\n", listing);
        Assert.Contains(" oci-layout\n", listing);
        Assert.EndsWith(" index.json\n", listing);
        var oci = OciArchive.Read(output);
        var layer = Path.Combine(dir.Path, "layer");
        File.WriteAllBytes(layer, oci.Layer);
        Assert.Contains("checkpoint/pstree.img\n", Tool("tar", "--zstd", "-tf", layer));
    }

    [Theory]
    [InlineData("xz")]
    [InlineData("bzip2")]
    public void Bzip2_and_xz_archives_become_uncompressed_layers(string tool)
    {
        using var dir = new ScratchDir();
        var tar = Decompressed(File.ReadAllBytes(TestPaths.Archive("simple-zstd.tar.zst")));
        var input = Path.Combine(dir.Path, "checkpoint.tar");
        File.WriteAllBytes(input, tar);
        Tool(tool, input);
        var compressed = Directory.GetFiles(dir.Path).Single();
        var output = Path.Combine(dir.Path, "image.tar");
        Assert.Equal(0, CliRunner.Run("build", compressed, ImageName, "-o", output).ExitCode);
        var oci = OciArchive.Read(output);
        Assert.Equal(tar, oci.Layer);
        Assert.Equal(OciImageArchive.LayerMediaType, oci.LayerDescriptor.GetProperty("mediaType").GetString());
        Assert.Equal(oci.LayerDescriptor.GetProperty("digest").GetString(), oci.Config.GetProperty("rootfs").GetProperty("diff_ids")[0].GetString());
    }

    [Fact]
    public void An_unpacked_checkpoint_directory_becomes_a_layer_of_its_files_in_name_order()
    {
        using var dir = new ScratchDir();
        var unpacked = Path.Combine(dir.Path, "unpacked");
        Directory.CreateDirectory(unpacked);
        TarFile.ExtractToDirectory(TestPaths.Archive("simple-none.tar"), unpacked, overwriteFiles: false);
        var output = Path.Combine(dir.Path, "image.tar");
        Assert.Equal(0, CliRunner.Run("build", unpacked, ImageName, "-o", output).ExitCode);
        var oci = OciArchive.Read(output);
        Assert.Equal(OciImageArchive.LayerMediaType, oci.LayerDescriptor.GetProperty("mediaType").GetString());
        var files = new List<string>();
        using var reader = new TarReader(new MemoryStream(oci.Layer));
        while (reader.GetNextEntry() is { } e)
        {
            if (e.EntryType != TarEntryType.RegularFile)
                continue;
            files.Add(e.Name);
            var data = new MemoryStream();
            e.DataStream!.CopyTo(data);
            Assert.Equal(File.ReadAllBytes(Path.Combine(unpacked, e.Name)), data.ToArray());
        }
        var expected = Directory.EnumerateFiles(unpacked, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(unpacked, f)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, files);
        Assert.Equal(oci.LayerDescriptor.GetProperty("digest").GetString(), oci.Config.GetProperty("rootfs").GetProperty("diff_ids")[0].GetString());
    }

    [Fact]
    public void Help_lists_build_with_upstreams_usage_and_the_output_flag()
    {
        Assert.Contains("\n  build       Create an OCI image from a container checkpoint archive\n", CliRunner.Run("--help").Stdout);
        var help = CliRunner.Run("build", "--help").Stdout;
        Assert.StartsWith("The 'build' command converts a container checkpoint archive into an OCI-compatible image.\n", help);
        Assert.Contains("\nUsage:\n  checkpointctl build <checkpoint-path> <image-name> [flags]\n", help);
        Assert.EndsWith("\nFlags:\n  -h, --help            help for build\n  -o, --output string   Write the image to this file as an OCI archive (no buildah needed)\n", help);
    }

    [Theory]
    [InlineData("Upper/Case:latest")]
    [InlineData("has space")]
    [InlineData("")]
    [InlineData("name:bad tag")]
    [InlineData("repo/-dash")]
    public void An_invalid_image_name_is_refused_before_anything_is_read(string name)
    {
        using var dir = new ScratchDir();
        var message = CliRunner.AssertError(CliRunner.Run("build", "/no/such/checkpoint.tar", name, "-o", Path.Combine(dir.Path, "x.tar")));
        Assert.StartsWith($"invalid image name \"{name}\"", message);
        Assert.Empty(dir.Files());
    }

    [Theory]
    [InlineData("localhost/checkpoint:latest")]
    [InlineData("quay.io:5000/foo/bar_baz.x-y:v1.2")]
    [InlineData("checkpoint")]
    [InlineData("registry.example.com/a/b@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    public void Valid_image_names_are_accepted(string name) => CheckpointImage.CheckImageName(name);

    [Fact]
    public void Bad_input_leaves_no_output_file()
    {
        using var dir = new ScratchDir();
        var output = Path.Combine(dir.Path, "image.tar");
        // Metadata without CRIU images: not a checkpoint that could be restored.
        var minimal = TestArchive.Minimal().WriteTo(dir.Path, "minimal.tar", TestArchive.Zstd);
        Assert.Contains("pstree.img", CliRunner.AssertError(CliRunner.Run("build", minimal, ImageName, "-o", output)));
        // A truncated compressed archive: found while the layer is copied.
        var original = File.ReadAllBytes(TestPaths.Archive("simple-gzip.tar.gz"));
        var truncated = Path.Combine(dir.Path, "truncated.tar.gz");
        File.WriteAllBytes(truncated, original[..(original.Length - 100)]);
        Assert.Equal($"unexpected EOF ({truncated})", CliRunner.AssertError(CliRunner.Run("build", truncated, ImageName, "-o", output)));
        // Broken right at the start of the deflate data: found by the reader's first peek (once an "internal error").
        var flipped = Path.Combine(dir.Path, "flipped.tar.gz");
        File.WriteAllBytes(flipped, [.. original[..17], (byte)(original[17] ^ 0x80), .. original[18..]]);
        Assert.Equal($"unexpected EOF ({flipped}: gzip: invalid compressed data)",
            CliRunner.AssertError(CliRunner.Run("build", flipped, ImageName, "-o", output)));
        Assert.Equal("stat /no/such.tar: no such file or directory", CliRunner.AssertError(CliRunner.Run("build", "/no/such.tar", ImageName, "-o", output)));
        Assert.Equal([flipped, minimal, truncated], dir.Files());
        Assert.Equal("accepts 2 arg(s), received 1", CliRunner.AssertError(CliRunner.Run("build", minimal)));
    }

    [Theory]
    [InlineData(TarEntryType.SymbolicLink, "SymbolicLink")]
    [InlineData(TarEntryType.HardLink, "HardLink")]
    [InlineData(TarEntryType.CharacterDevice, "CharacterDevice")]
    [InlineData(TarEntryType.Fifo, "Fifo")]
    public void Links_and_devices_never_go_into_an_image(TarEntryType type, string shown)
    {
        using var dir = new ScratchDir();
        var path = Path.Combine(dir.Path, "with-special.tar");
        using (var output = File.Create(path))
        using (var writer = new TarWriter(output, TarEntryFormat.Gnu))
        {
            using var reader = new TarReader(File.OpenRead(TestPaths.Archive("simple-none.tar")));
            while (reader.GetNextEntry() is { } e)
                writer.WriteEntry(e);
            var special = new GnuTarEntry(type, "dev/mem");
            if (type is TarEntryType.SymbolicLink or TarEntryType.HardLink)
                special.LinkName = "/etc/shadow";
            writer.WriteEntry(special);
        }
        Assert.Equal(0, CliRunner.Run("show", path).ExitCode);
        var output2 = Path.Combine(dir.Path, "image.tar");
        Assert.Equal($"{path}: member dev/mem is a {shown}; an image made from a checkpoint holds only files and directories",
            CliRunner.AssertError(CliRunner.Run("build", path, ImageName, "-o", output2)));
        Assert.False(File.Exists(output2));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData((8L << 30) - 1)] // the largest size in octal
    [InlineData(8L << 30)] // base-256 from here
    [InlineData(40L << 30)]
    public void Tar_headers_carry_sizes_of_any_layer(long size)
    {
        var header = OciImageArchive.TarHeader("blobs/sha256/" + new string('a', 64), size, TarEntryType.RegularFile);
        using var reader = new TarReader(new NonSeekableStream(new MemoryStream(header)));
        var entry = reader.GetNextEntry(copyData: false)!;
        Assert.Equal(size, entry.Length);
        Assert.Equal("blobs/sha256/" + new string('a', 64), entry.Name);
        Assert.Equal(TarEntryFormat.Gnu, entry.Format);
    }

    private static byte[] Decompressed(byte[] archive)
    {
        using var stream = Compression.Decompress(new MemoryStream(archive), Compression.Detect(archive));
        var output = new MemoryStream();
        stream.CopyTo(output);
        return output.ToArray();
    }

    // The entries and JSON documents of the archive (blob names are digests, so the layer's bytes are pinned too).
    private static string Describe(OciArchive oci)
    {
        var text = new StringBuilder();
        foreach (var (name, type, size) in oci.Entries)
            text.Append($"{type} {size} {name}\n");
        text.Append("--- index.json\n").Append(Encoding.UTF8.GetString(oci.Files["index.json"])).Append('\n');
        text.Append("--- manifest\n").Append(Encoding.UTF8.GetString(oci.Blob(oci.ManifestDescriptor))).Append('\n');
        text.Append("--- config\n").Append(Encoding.UTF8.GetString(oci.Blob(oci.Manifest.GetProperty("config")))).Append('\n');
        return text.ToString();
    }

    internal static string Tool(string tool, params string[] args)
    {
        var p = Process.Start(new ProcessStartInfo(tool, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{tool} {string.Join(' ', args)}: exit {p.ExitCode}: {stderr.Result}");
        return stdout;
    }
}
