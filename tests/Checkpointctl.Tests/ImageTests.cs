using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Checkpointctl.Cli.Rendering;
using Checkpointctl.Core.Analysis;
using Checkpointctl.Core.Archive;

namespace Checkpointctl.Tests;

/// <summary>
/// Checkpoint images (checkpoint-shapes.md §3) read like the checkpoint archives they hold: the real images of
/// fixtures/images, and images the tests build from the fixture archives as each producer lays them out, from files,
/// directories and unseekable streams.
/// </summary>
public class ImageTests
{
    private static string Fixture(string name) => Path.Combine(TestPaths.Fixtures, "images", name);

    // --- the real images -------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("podman-image/ckpt-image.oci.tar", "oci-archive")]
    [InlineData("podman-image/ckpt-image.oci-dir", "oci-dir")]
    [InlineData("podman-image/ckpt-image.docker.tar", "docker-archive")]
    public void Podman_checkpoint_images_read_like_their_layer_as_a_plain_archive(string image, string format)
    {
        using var dir = new ScratchDir();
        var oci = OciArchive.Read(Fixture("podman-image/ckpt-image.oci.tar"));
        var plain = Path.Combine(dir.Path, "layer.tar");
        File.WriteAllBytes(plain, Gunzip(oci.Layer));
        AssertReadsLike(plain, Fixture(image), [1, 14], "tick");
        var tree = CliRunner.Run("inspect", Fixture(image)).Stdout;
        Assert.Contains("├── Checkpoint image\n│   ├── Name: localhost/fx-ckpt-image:latest\n", tree);
        Assert.Contains($"│   ├── Format: {format} (archive in a layer)\n", tree);
        if (format == "docker-archive")
        {
            // podman's docker-archive keeps no annotations; the image ID is its config's digest.
            Assert.DoesNotContain("Digest:", tree);
            Assert.DoesNotContain("Annotations", tree);
            Assert.Contains("│   ├── Image ID: sha256:05fb48e89c6ca1661a7e7c444993bbb78c97580371112dfa4284870af15ae8d4\n", tree);
        }
        else
        {
            Assert.Contains("│   ├── Digest: sha256:bf2e5690d0cf1ec2bacd2b896c5f7710b5e806eff69baba2f14467b6875d7d5e\n", tree);
            Assert.Contains("│       ├── io.podman.annotations.checkpoint.runtime.name: runc\n", tree);
        }
    }

    [Fact]
    public void Upstream_build_image_reads_like_the_export_it_was_built_from()
    {
        var image = Fixture("buildah-image/ckpt-built.oci.tar");
        AssertReadsLike(Fixture("podman-image/ckpt-image.export.tar.zst"), image, [1, 16], "tick");
        var json = CliRunner.Run("inspect", "--format", "json", image).Stdout;
        Assert.Contains("\"name\": \"localhost/fx-ckpt-built:latest\"", json);
        Assert.Contains("\"org.criu.checkpoint.engine.name\": \"Podman\"", json);
        Assert.Contains("\"io.buildah.version\": \"1.28.2\"", json);
    }

    [Theory]
    [InlineData("fx-ckpt-ctr.tar", false, 16u, "ckpt-containerd")]
    [InlineData("fx-ckpt-ctr-full.tar", true, 17u, "ckpt-containerd-full")]
    public void Containerd_checkpoint_images_read_like_the_archive_containerds_cri_makes_of_them(string name, bool rw, uint sleepPid, string fixture)
    {
        using var dir = new ScratchDir();
        var image = Fixture("containerd/" + name);
        var reference = ContainerdReferenceOf(image, Path.Combine(dir.Path, "reference.tar"));
        AssertReadsLike(reference, image, [1, sleepPid], "counter", withStats: false);
        var tree = CliRunner.Run("inspect", "--ps-tree-env", image).Stdout;
        Assert.Contains("├── Image: localhost/fixture-busybox:latest\n├── ID: \n├── Runtime: io.containerd.runc.v2\n", tree);
        Assert.Contains("│   ├── Format: oci-archive (containerd checkpoint)\n", tree);
        Assert.Contains($"│   ├── Name: localhost/{Path.GetFileNameWithoutExtension(name)}:latest\n", tree);
        Assert.Contains($"[{sleepPid}]  sleep", tree);
        Assert.Contains($"FIXTURE={fixture}\n", tree);
        Assert.Equal(rw, tree.Contains("Root FS diff size: 202 B", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("podman-image/ckpt-image.oci.tar")]
    [InlineData("podman-image/ckpt-image.docker.tar")]
    [InlineData("buildah-image/ckpt-built.oci.tar")]
    [InlineData("containerd/fx-ckpt-ctr.tar")]
    [InlineData("containerd/fx-ckpt-ctr-full.tar")]
    public void Real_images_read_from_an_unseekable_stream_like_from_the_file(string image)
    {
        var path = Fixture(image);
        AssertStreamReadsLike(path, path, PidsOf(path));
        // The image's own fields too.
        var streamed = InspectTreeRenderer.Build(Inspection.Read(Piped(path), new InspectOptions())).ToString();
        Assert.Equal(InspectTreeRenderer.Build(Inspection.Read(path, new InspectOptions())).ToString(), streamed);
        Assert.Contains("Checkpoint image", streamed);
    }

    [Fact]
    public void Containerd_checkpoint_image_without_criu_data_is_a_clear_error()
    {
        var image = Fixture("containerd/fx-ckpt-ctr-second.tar");
        foreach (var args in new[] { new[] { "show" }, ["inspect"], ["memparse"] })
        {
            Assert.Equal($"checkpoint directory is missing in the archive file: {image} (the containerd checkpoint image has no CRIU data: "
                         + "no application/vnd.containerd.container.criu.checkpoint.criu.tar blob)", CliRunner.AssertError(CliRunner.Run([.. args, image])));
        }
    }

    // The archive containerd's CRI would make of a native image, from the image's own blobs (test-side reading).
    private static string ContainerdReferenceOf(string image, string path)
    {
        var oci = OciArchive.Read(image);
        var index = System.Text.Json.JsonDocument.Parse(oci.Blob(oci.ManifestDescriptor)).RootElement;
        var members = new List<(string, TarEntryType, UnixFileMode, byte[])>();
        foreach (var d in index.GetProperty("manifests").EnumerateArray())
        {
            var type = d.GetProperty("mediaType").GetString();
            if (type == "application/vnd.containerd.container.criu.checkpoint.criu.tar")
            {
                using var reader = new TarReader(new MemoryStream(oci.Blob(d)));
                while (reader.GetNextEntry(copyData: true) is { } e)
                {
                    var data = new MemoryStream();
                    e.DataStream?.CopyTo(data);
                    members.Add(("checkpoint/" + e.Name, TarEntryType.RegularFile, e.Mode, data.ToArray()));
                }
            }
            else if (type == "application/vnd.containerd.container.checkpoint.config.v1+proto")
            {
                members.Add(("spec.dump", TarEntryType.RegularFile, (UnixFileMode)0b110_000_000,
                    Google.Protobuf.WellKnownTypes.Any.Parser.ParseFrom(oci.Blob(d)).Value.ToByteArray()));
            }
            else if (type == "application/vnd.oci.image.layer.v1.tar+gzip")
            {
                members.Add(("rootfs-diff.tar", TarEntryType.RegularFile, (UnixFileMode)0b110_100_100, oci.Blob(d)));
            }
        }
        members.Add(("config.dump", TarEntryType.RegularFile, (UnixFileMode)0b110_000_000,
            """{"rootfsImageName":"localhost/fixture-busybox:latest","runtime":"io.containerd.runc.v2"}"""u8.ToArray()));
        File.WriteAllBytes(path, TestImages.Tar(members, TarEntryFormat.Gnu));
        return path;
    }

    // --- images built from the fixture archives ------------------------------------------------------------------------

    public static TheoryData<string, string> Packagings()
    {
        var data = new TheoryData<string, string>();
        foreach (var archive in new[] { "simple-none.tar", "piggie-crio.tar" })
        {
            foreach (var packaging in new[] { "oci-archive", "oci-archive+gzip", "oci-archive+zstd", "oci-dir", "oci-dir+zstd", "docker-archive", "containerd", "containerd+rw+image" })
                data.Add(archive, packaging);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Packagings))]
    public void Built_images_read_like_the_archive_they_hold(string archive, string packaging)
    {
        using var dir = new ScratchDir();
        var (image, reference) = Build(dir.Path, TestPaths.ArchiveByName(archive), packaging);
        var pids = PidsOf(reference);
        AssertReadsLike(reference, image, pids, archive.StartsWith("piggie", StringComparison.Ordinal) ? "ping" : "python",
            withStats: true);
    }

    [Theory]
    [MemberData(nameof(Packagings))]
    public void Built_images_read_from_an_unseekable_stream_like_the_archive_they_hold(string archive, string packaging)
    {
        if (packaging.StartsWith("oci-dir", StringComparison.Ordinal))
            return; // a directory is no stream
        using var dir = new ScratchDir();
        var (image, reference) = Build(dir.Path, TestPaths.ArchiveByName(archive), packaging);
        AssertStreamReadsLike(reference, image, PidsOf(reference));
    }

    /// <summary>
    /// A 12 MiB checkpoint (py-tree): read from a pipe, its layer (or containerd's criu tar) is larger than what is
    /// held, so it is read as the checkpoint while it goes by.
    /// </summary>
    [Theory]
    [InlineData("oci-archive")]
    [InlineData("docker-archive")]
    [InlineData("containerd+rw+image")]
    public void Large_checkpoints_are_read_as_they_go_by(string packaging)
    {
        using var dir = new ScratchDir();
        var (image, reference) = Build(dir.Path, TestPaths.ArchiveByName("pytree-containerd.tar.gz"), packaging);
        var pids = PidsOf(reference);
        AssertReadsLike(reference, image, pids, "python");
        AssertStreamReadsLike(reference, image, pids);
    }

    [Theory]
    [InlineData("oci-dir")]
    [InlineData("oci-archive")]
    public void An_archive_of_several_images_reads_the_one_named_after_a_colon(string format)
    {
        using var dir = new ScratchDir();
        static TestBlob Named(OciImage image, string name) =>
            image.Target with { Annotations = new Dictionary<string, string> { ["org.opencontainers.image.ref.name"] = name } };
        var simple = TestImages.ArchiveInLayer(TestPaths.Archive("simple-none.tar"), LayerCompression.None, TestImages.PodmanAnnotations("simple"));
        var piggie = TestImages.ArchiveInLayer(TestPaths.Wrapped("piggie-crio.tar"), LayerCompression.None, TestImages.PodmanAnnotations("piggie"));
        var both = new OciImage([.. simple.Blobs, .. piggie.Blobs], simple.Target, [], null)
        {
            // Two names of one manifest count as one image.
            Targets = [Named(simple, "localhost/simple:1"), Named(piggie, "localhost/piggie:1"), Named(piggie, "localhost/piggie:latest")],
        };
        var path = format == "oci-dir" ? both.WriteOciDirectory(Path.Combine(dir.Path, "images")) : both.WriteOciArchive(Path.Combine(dir.Path, "images.tar"));

        AssertReadsLike(TestPaths.Wrapped("piggie-crio.tar"), path + ":localhost/piggie:1", PidsOf(TestPaths.Wrapped("piggie-crio.tar")), "ping");
        AssertReadsLike(TestPaths.Archive("simple-none.tar"), path + ":" + simple.Target.Digest, PidsOf(TestPaths.Archive("simple-none.tar")), "python");
        Assert.Contains("localhost/piggie:latest", CliRunner.Run("show", path + ":localhost/piggie:latest").Stdout);
        // build re-tags the one named.
        var rebuilt = Path.Combine(dir.Path, "rebuilt.tar");
        Assert.Equal(0, CliRunner.Run("build", path + ":localhost/piggie:1", "localhost/again:1", "-o", rebuilt).ExitCode);
        AssertReadsLike(TestPaths.Wrapped("piggie-crio.tar"), rebuilt, PidsOf(TestPaths.Wrapped("piggie-crio.tar")), "ping");

        Assert.Equal($"{path}: the image archive holds 2 images (localhost/simple:1, localhost/piggie:1, localhost/piggie:latest); only an archive of one image is read: name one as {path}:NAME",
            CliRunner.AssertError(CliRunner.Run("inspect", path)));
        Assert.Equal($"{path}: no image named localhost/other:1 (the image archive holds localhost/simple:1, localhost/piggie:1, localhost/piggie:latest)",
            CliRunner.AssertError(CliRunner.Run("memparse", path + ":localhost/other:1")));
        // A name after a path that is no image stays a missing file, as upstream.
        var plain = TestPaths.Archive("simple-none.tar");
        Assert.Equal($"stat {plain}:x: no such file or directory", CliRunner.AssertError(CliRunner.Run("show", plain + ":x")));
    }

    [Fact]
    public void A_docker_archive_of_several_images_reads_the_one_named_by_a_repo_tag()
    {
        using var dir = new ScratchDir();
        var archive = TestPaths.Archive("simple-none.tar");
        var single = TestImages.ArchiveInLayer(archive, LayerCompression.None, TestImages.PodmanAnnotations("simple")).WriteDockerArchive(Path.Combine(dir.Path, "one.tar"));
        // docker save of two tags of other images: a second manifest.json entry.
        // (Without the legacy folder's layer.tar link, which manifest.json does not name.)
        var members = TestImages.Members(single).Where(m => m.Type != System.Formats.Tar.TarEntryType.SymbolicLink).Select(m =>
        {
            if (m.Name != "manifest.json")
                return m;
            var entries = JsonNode.Parse(m.Data)!.AsArray();
            var copy = entries[0]!.DeepClone();
            copy["RepoTags"] = new JsonArray("localhost/copy:1");
            entries.Add(copy);
            return (m.Name, m.Type, m.Mode, TestImages.Json(entries));
        });
        var path = Path.Combine(dir.Path, "two.tar");
        File.WriteAllBytes(path, TestImages.Tar(members, System.Formats.Tar.TarEntryFormat.Gnu));
        Assert.Equal($"{path}: the image archive holds 2 images; only an archive of one image is read: name one as {path}:NAME",
            CliRunner.AssertError(CliRunner.Run("inspect", path)));
        AssertReadsLike(archive, path + ":localhost/copy:1", PidsOf(archive), "python");
        Assert.Equal($"{path}: no image named localhost/none:1", CliRunner.AssertError(CliRunner.Run("show", path + ":localhost/none:1")));
    }

    [Fact]
    public void A_whole_image_tar_compressed_is_read_in_one_pass()
    {
        using var dir = new ScratchDir();
        var (image, reference) = Build(dir.Path, TestPaths.ArchiveByName("piggie-podman.tar"), "oci-archive");
        var gz = Path.Combine(dir.Path, "image.tar.gz");
        File.WriteAllBytes(gz, TestArchive.Gzip(File.ReadAllBytes(image)));
        AssertReadsLike(reference, gz, PidsOf(reference), "ping");
        AssertStreamReadsLike(reference, gz, PidsOf(reference));
    }

    [Fact]
    public void An_uncompressed_layer_is_read_in_place()
    {
        using var dir = new ScratchDir();
        var built = TestImages.ArchiveInLayer(TestPaths.ArchiveByName("pytree-containerd.tar.gz"), LayerCompression.None, TestImages.PodmanAnnotations("test"));
        var image = built.WriteOciArchive(Path.Combine(dir.Path, "image.tar"));
        var reference = Path.Combine(dir.Path, "layer.tar");
        File.WriteAllBytes(reference, built.LayerTar);
        Assert.True(new FileInfo(image).Length > 10 << 20);
        // What the plain layer costs (its headers, config.dump, spec.dump, network.status), plus the image's own
        // headers and JSON: a few KiB.
        var plain = Inspection.Read(reference, new InspectOptions());
        var inspection = Inspection.Read(image, new InspectOptions());
        Assert.InRange(inspection.BytesRead, plain.BytesRead + 1024, plain.BytesRead + 8 * 1024);
        var all = Inspection.Read(image, new InspectOptions { All = true });
        var plainAll = Inspection.Read(reference, new InspectOptions { All = true });
        Assert.InRange(all.BytesRead, plainAll.BytesRead + 1024, plainAll.BytesRead + 8 * 1024);
    }

    [Fact]
    public void List_finds_checkpoint_images_like_archives()
    {
        using var dir = new ScratchDir();
        File.Copy(Fixture("podman-image/ckpt-image.oci.tar"), Path.Combine(dir.Path, "checkpoint-image.tar"));
        File.Copy(Fixture("containerd/fx-ckpt-ctr.tar"), Path.Combine(dir.Path, "checkpoint-ctr.tar"));
        File.Copy(Fixture("podman-image/ckpt-image.export.tar.zst"), Path.Combine(dir.Path, "checkpoint-plain.tar.zst"));
        var r = CliRunner.Run("list", dir.Path);
        Assert.Equal(0, r.ExitCode);
        var rows = r.Stdout.Split('\n');
        Assert.Contains(rows, l => l.Contains(" fx-ckpt-image ", StringComparison.Ordinal) && l.Contains("checkpoint-image.tar", StringComparison.Ordinal));
        Assert.Contains(rows, l => l.Contains("checkpoint-ctr.tar", StringComparison.Ordinal));
        Assert.Contains(rows, l => l.Contains(" fx-ckpt-image ", StringComparison.Ordinal) && l.Contains("checkpoint-plain.tar.zst", StringComparison.Ordinal));
    }

    [Fact]
    public void Show_adds_the_image_name_and_digest_only_for_images()
    {
        var plain = Fixture("podman-image/ckpt-image.export.tar.zst");
        Assert.DoesNotContain("CHECKPOINT IMAGE", CliRunner.Run("show", plain).Stdout);
        var r = CliRunner.Run("show", Fixture("podman-image/ckpt-image.oci.tar"), plain);
        var lines = r.Stdout.Split('\n');
        Assert.EndsWith("ROOT FS DIFF SIZE   CHECKPOINT IMAGE                 IMAGE DIGEST", lines[0]);
        Assert.EndsWith("3.0 KiB             localhost/fx-ckpt-image:latest   bf2e5690d0cf", lines[2]);
        Assert.EndsWith("3.0 KiB", lines[3]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_image_inside_another_archive_is_opened_through_the_image_api(bool compressed)
    {
        using var dir = new ScratchDir();
        // As a pod checkpoint holds one containerd image per container: the image tar is a member of an outer tar.
        var image = TestImages.Containerd(TestPaths.Archive("simple-none.tar"), rw: true, withBaseImage: true).WriteOciArchive(Path.Combine(dir.Path, "c.tar"));
        var bytes = File.ReadAllBytes(image);
        var outer = Path.Combine(dir.Path, "pod.tar");
        File.WriteAllBytes(outer, TestImages.Tar([("checkpoint-manifest.json", TarEntryType.RegularFile, (UnixFileMode)0b110_000_000, "{}"u8.ToArray()),
            ("container-1.tar", TarEntryType.RegularFile, (UnixFileMode)0b110_000_000, compressed ? TestArchive.Zstd(bytes) : bytes)], TarEntryFormat.Gnu));
        using var pod = CheckpointArchive.Open(outer, new ArchiveRequest { RequireCheckpointDirectory = false });
        var window = pod.TryOpenRandomAccess("container-1.tar")!;
        using var container = Core.Image.CheckpointImageReader.Open("pod.tar:container-1.tar", window, CheckpointOverview.Request);
        var overview = CheckpointOverview.FromArchive(container);
        Assert.Equal("localhost/fixture-busybox:latest", overview.Container.Config.RootfsImageName);
        Assert.Equal(ImageDescription.ContainerdCheckpoint, overview.Image!.Kind);
        Assert.Equal(CheckpointOverview.Read(image).Sizes, overview.Sizes);
    }

    // --- how the inputs are built and compared ------------------------------------------------------------------------

    // The image of the archive in the given packaging, and the plain archive it must read like.
    private static (string Image, string Reference) Build(string dir, string archive, string packaging)
    {
        var name = Path.GetFileName(archive);
        if (packaging.StartsWith("containerd", StringComparison.Ordinal))
        {
            var full = packaging.Contains("+rw", StringComparison.Ordinal);
            var built = TestImages.Containerd(archive, rw: full, withBaseImage: full);
            return (built.WriteOciArchive(Path.Combine(dir, "containerd.tar")), TestImages.ContainerdReference(archive, Path.Combine(dir, "reference.tar"), full));
        }
        var compression = packaging.EndsWith("+gzip", StringComparison.Ordinal) ? LayerCompression.Gzip
            : packaging.EndsWith("+zstd", StringComparison.Ordinal) ? LayerCompression.Zstd : LayerCompression.None;
        var image = TestImages.ArchiveInLayer(archive, compression, TestImages.PodmanAnnotations("test"));
        var path = packaging switch
        {
            "docker-archive" => image.WriteDockerArchive(Path.Combine(dir, "image.docker.tar")),
            _ when packaging.StartsWith("oci-dir", StringComparison.Ordinal) => image.WriteOciDirectory(Path.Combine(dir, "image.oci-dir")),
            _ => image.WriteOciArchive(Path.Combine(dir, "image.oci.tar")),
        };
        return (path, archive);
    }

    private static uint[] PidsOf(string archive) =>
        MemoryTable.Read(archive).Select(r => r.Pid).ToArray();

    /// <summary>Every command reads the image like the reference archive (inputs' paths aside, the image's own fields removed).</summary>
    private static void AssertReadsLike(string reference, string image, uint[] pids, string search, bool withStats = true)
    {
        var inspect = withStats ? new[] { "inspect", "--all" } : ["inspect", "--mounts", "--ps-tree-cmd", "--ps-tree-env", "--files", "--sockets", "--metadata"];
        foreach (var args in new[] { inspect, [.. inspect, "--format", "json"], ["inspect"], ["memparse"] })
            Assert.Equal(Output(reference, args), Output(image, args));
        foreach (var pid in pids.Take(2))
        {
            var p = pid.ToString(System.Globalization.CultureInfo.InvariantCulture);
            foreach (var args in new[] { new[] { "memparse", "--pid", p }, ["memparse", "--pid", p, "--search", search, "--context", "8"],
                         ["memparse", "--pid", p, "--search-regex", "[a-z]{6}[0-9]"], ["inspect", "--pid", p, "--ps-tree-cmd"] })
                Assert.Equal(Output(reference, args), Output(image, args));
        }
        var diff = CliRunner.Run("diff", reference, image);
        Assert.Equal(0, diff.ExitCode);
    }

    private static void AssertStreamReadsLike(string reference, string image, uint[] pids)
    {
        var options = new InspectOptions { All = true };
        var expected = Inspection.Read(reference, options);
        var streamed = Inspection.Read(Piped(image), options);
        Assert.NotNull(streamed.Image);
        Assert.Equal(WithoutImage(InspectTreeRenderer.Build(expected).ToString()), WithoutImage(InspectTreeRenderer.Build(streamed).ToString()));
        Assert.Equal(WithoutImage(Json(expected)), WithoutImage(Json(streamed)));
        Assert.Equal(Table(MemoryTable.Read(reference)), Table(MemoryTable.Read(Piped(image))));
        foreach (var pid in pids.Take(2))
        {
            var want = new PageSourceTests.Collect();
            var got = new PageSourceTests.Collect();
            MemoryScan.Run(reference, pid, want);
            MemoryScan.Run(Piped(image), pid, got);
            Assert.Equal(want.Starts, got.Starts);
            Assert.Equal(want.Bytes.ToArray(), got.Bytes.ToArray());
            Assert.True(got.Ended);
        }
    }

    private static CheckpointInput Piped(string path) => new(path, () => new NonSeekableStream(File.OpenRead(path)));

    private static string Table(IEnumerable<ProcessMemorySize> rows) =>
        string.Join('\n', rows.Select(r => $"{r.Pid} {r.Name} {r.MemorySize} {r.SharedMemorySize} {r.StoredSize} {string.Join('/', r.PagesPerLevel ?? [])}"));

    private static string Json(Inspection i)
    {
        var w = new StringWriter();
        InspectJsonRenderer.Write(w, [i]);
        return w.ToString();
    }

    /// <summary>A command's stdout (it must succeed) with the input's path replaced and the image's own fields removed.</summary>
    private static string Output(string input, string[] args)
    {
        var r = CliRunner.Run([.. args, input]);
        Assert.True(r.ExitCode == 0, $"{string.Join(' ', args)} {input}: {r.Stderr}");
        return WithoutImage(r.Stdout.Replace(input, "<input>", StringComparison.Ordinal));
    }

    /// <summary>Drops inspect's <c>Checkpoint image</c> node (tree) or <c>checkpoint_image</c> object (JSON).</summary>
    public static string WithoutImage(string output)
    {
        var lines = output.Split('\n').ToList();
        var start = lines.FindIndex(l => l is "├── Checkpoint image" or "    \"checkpoint_image\": {");
        while (start >= 0)
        {
            var json = lines[start].StartsWith(' ');
            var end = start + 1;
            while (end < lines.Count && (json ? lines[end] != "    }," : lines[end].StartsWith("│   ", StringComparison.Ordinal)))
                end++;
            lines.RemoveRange(start, end - start + (json ? 1 : 0));
            start = lines.FindIndex(l => l is "├── Checkpoint image" or "    \"checkpoint_image\": {");
        }
        return string.Join('\n', lines);
    }

    private static byte[] Gunzip(byte[] data)
    {
        using var gz = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
        var output = new MemoryStream();
        gz.CopyTo(output);
        return output.ToArray();
    }
}
