using System.Diagnostics;
using System.Formats.Tar;
using System.Text.Json;

namespace Checkpointctl.Tests;

/// <summary><c>build</c> with images: images that runtimes restore, and checkpoint images as input (re-tag, convert).</summary>
public class BuildImageTests
{
    private const string NewName = "localhost/rebuilt:v2";

    private static string Fixture(string name) => Path.Combine(TestPaths.Fixtures, "images", name);

    private static OciArchive Build(string input, string output)
    {
        var r = CliRunner.Run("build", input, NewName, "-o", output);
        Assert.True(r.ExitCode == 0, r.Stderr);
        return OciArchive.Read(output);
    }

    private static Dictionary<string, string> Map(JsonElement element, string name) =>
        element.TryGetProperty(name, out var map) ? map.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!) : [];

    [Fact]
    public void A_podman_checkpoint_gets_the_keys_podman_restores_by_on_the_manifest_and_as_labels()
    {
        using var dir = new ScratchDir();
        var oci = Build(TestPaths.Archive("simple-none.tar"), Path.Combine(dir.Path, "image.tar"));
        var annotations = Map(oci.Manifest, "annotations");
        Assert.Equal("runc", annotations["io.podman.annotations.checkpoint.runtime.name"]);
        Assert.Equal("fx-simple", annotations["io.podman.annotations.checkpoint.name"]);
        Assert.Equal("localhost/fixture-busybox:latest", annotations["io.podman.annotations.checkpoint.rawImageName"]);
        Assert.Equal("amd64", annotations["io.podman.annotations.checkpoint.host.arch"]);
        Assert.Equal("fx-simple", annotations["org.criu.checkpoint.container.name"]);
        Assert.DoesNotContain(annotations.Keys, k => k.StartsWith("io.kubernetes.cri-o.", StringComparison.Ordinal));
        Assert.Equal(annotations, Map(oci.Config.GetProperty("config"), "Labels"));
        // containerd looks on the index.
        Assert.Equal("fx-simple", Map(oci.Index, "annotations")["org.criu.checkpoint.container.name"]);
    }

    [Fact]
    public void A_crio_checkpoint_gets_the_key_crio_restores_by()
    {
        using var dir = new ScratchDir();
        var oci = Build(TestPaths.Wrapped("piggie-crio.tar"), Path.Combine(dir.Path, "image.tar"));
        var annotations = Map(oci.Manifest, "annotations");
        Assert.Equal("piggie-ctr", annotations["io.kubernetes.cri-o.annotations.checkpoint.name"]);
        Assert.DoesNotContain(annotations.Keys, k => k.StartsWith("io.podman.", StringComparison.Ordinal));
        Assert.Equal(annotations, Map(oci.Config.GetProperty("config"), "Labels"));
    }

    [Fact]
    public void A_docker_archive_copy_keeps_what_it_is_in_its_labels()
    {
        using var dir = new ScratchDir();
        var oci = Build(TestPaths.Archive("simple-zstd.tar.zst"), Path.Combine(dir.Path, "image.tar"));
        // What podman save --format docker-archive makes of it: the config and the uncompressed layer, no annotations.
        var config = new TestBlob("application/vnd.oci.image.config.v1+json", oci.Blob(oci.Manifest.GetProperty("config")));
        using var layer = new ZstdSharp.DecompressionStream(new MemoryStream(oci.Layer));
        var tar = new MemoryStream();
        layer.CopyTo(tar);
        var docker = new OciImage([config], config, tar.ToArray(), config).WriteDockerArchive(Path.Combine(dir.Path, "docker.tar"));
        var json = JsonDocument.Parse(CliRunner.Run("inspect", "--format", "json", docker).Stdout).RootElement[0].GetProperty("checkpoint_image");
        Assert.Equal("docker-archive", json.GetProperty("format").GetString());
        Assert.False(json.TryGetProperty("annotations", out _));
        Assert.Equal("runc", json.GetProperty("labels").GetProperty("io.podman.annotations.checkpoint.runtime.name").GetString());
    }

    [Fact]
    public void Other_annotations_make_another_image_id()
    {
        using var dir = new ScratchDir();
        // The same checkpoint twice: once re-tagged from Podman's image (whose annotations are kept), once from its
        // layer as a plain archive. Same layer content, other annotations: other config, other image ID.
        var source = Fixture("podman-image/ckpt-image.oci.tar");
        var plain = Path.Combine(dir.Path, "layer.tar.gz");
        File.WriteAllBytes(plain, OciArchive.Read(source).Layer);
        var a = Build(source, Path.Combine(dir.Path, "a.tar"));
        var b = Build(plain, Path.Combine(dir.Path, "b.tar"));
        Assert.Equal(a.Config.GetProperty("rootfs").GetRawText(), b.Config.GetProperty("rootfs").GetRawText());
        Assert.NotEqual(a.Manifest.GetProperty("config").GetProperty("digest").GetString(), b.Manifest.GetProperty("config").GetProperty("digest").GetString());
        Assert.Equal("4.3.1", Map(a.Config.GetProperty("config"), "Labels")["io.podman.annotations.checkpoint.podman.version"]);
        Assert.False(Map(b.Config.GetProperty("config"), "Labels").ContainsKey("io.podman.annotations.checkpoint.podman.version"));
    }

    [Theory]
    [InlineData("podman-image/ckpt-image.oci.tar")]
    [InlineData("podman-image/ckpt-image.oci-dir")]
    [InlineData("podman-image/ckpt-image.docker.tar")]
    [InlineData("buildah-image/ckpt-built.oci.tar")]
    public void An_image_is_retagged_with_its_layer_as_it_is(string image)
    {
        using var dir = new ScratchDir();
        var source = Fixture(image);
        var output = Path.Combine(dir.Path, "out.tar");
        var oci = Build(source, output);
        Assert.Equal(NewName, Map(oci.ManifestDescriptor, "annotations")["org.opencontainers.image.ref.name"]);
        var annotations = Map(oci.Manifest, "annotations");
        Assert.Equal("runc", annotations["io.podman.annotations.checkpoint.runtime.name"]);
        Assert.Equal("fx-ckpt-image", annotations["org.criu.checkpoint.container.name"]);
        // The layer: the source's blob byte for byte (docker-archive: its uncompressed layer).
        var expected = image.EndsWith(".docker.tar", StringComparison.Ordinal)
            ? ReadMember(source, JsonDocument.Parse(ReadMember(source, "manifest.json")).RootElement[0].GetProperty("Layers")[0].GetString()!)
            : image.EndsWith("oci-dir", StringComparison.Ordinal) ? OciArchive.Read(Fixture("podman-image/ckpt-image.oci.tar")).Layer : OciArchive.Read(source).Layer;
        Assert.Equal(expected, oci.Layer);
        Assert.Equal(ImageTests.WithoutImage(Inspect(source)), ImageTests.WithoutImage(Inspect(output)));
    }

    [Theory]
    [InlineData("fx-ckpt-ctr.tar")]
    [InlineData("fx-ckpt-ctr-full.tar")]
    public void A_containerd_checkpoint_image_is_converted_to_one_that_holds_the_container_archive(string image)
    {
        using var dir = new ScratchDir();
        var source = Fixture("containerd/" + image);
        var output = Path.Combine(dir.Path, "out.tar");
        var oci = Build(source, output);
        using var reader = new TarReader(new MemoryStream(oci.Layer));
        var names = new List<string>();
        while (reader.GetNextEntry() is { } e)
            names.Add(e.Name);
        Assert.Contains("config.dump", names);
        Assert.Contains("spec.dump", names);
        Assert.Contains("checkpoint/pstree.img", names);
        Assert.Equal(image.Contains("full", StringComparison.Ordinal), names.Contains("rootfs-diff.tar"));
        Assert.Equal("containerd", Map(oci.Manifest, "annotations")["org.criu.checkpoint.engine.name"]);
        string[] args = ["inspect", "--ps-tree-cmd", "--ps-tree-env", "--files", "--sockets", "--mounts", "--metadata"];
        Assert.Equal(ImageTests.WithoutImage(Inspect(source, args)), ImageTests.WithoutImage(Inspect(output, args)));
    }

    [Fact]
    public void Metadata_too_large_for_image_annotations_is_refused_before_anything_is_written()
    {
        using var dir = new ScratchDir();
        var archive = Path.Combine(dir.Path, "huge-name.tar");
        TestArchive.Rewrite(TestPaths.Archive("simple-none.tar"), archive, (name, data) =>
        [
            (name, name == "config.dump"
                ? System.Text.Encoding.UTF8.GetBytes(System.Text.Encoding.UTF8.GetString(data).Replace("\"name\": \"fx-simple\"", $"\"name\": \"{new string('n', 600_000)}\"", StringComparison.Ordinal))
                : data),
        ]);
        var message = CliRunner.AssertError(CliRunner.Run("build", archive, NewName, "-o", Path.Combine(dir.Path, "out.tar")));
        Assert.StartsWith("the image annotations made from the checkpoint's metadata take 1200", message);
        Assert.EndsWith("bytes, more than the 1 MiB an image can carry (its index holds them twice; containerd and registries refuse indexes and manifests over 4 MiB)", message);
        Assert.Equal([archive], Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void A_compressed_image_tar_or_buildah_without_output_is_refused()
    {
        using var dir = new ScratchDir();
        var gz = Path.Combine(dir.Path, "image.tar.gz");
        File.WriteAllBytes(gz, TestArchive.Gzip(File.ReadAllBytes(Fixture("podman-image/ckpt-image.oci.tar"))));
        Assert.Equal($"{gz}: a compressed image archive cannot be read in place; decompress it first",
            CliRunner.AssertError(CliRunner.Run("build", gz, NewName, "-o", Path.Combine(dir.Path, "out.tar"))));
        Assert.Equal([gz], Directory.GetFiles(dir.Path));
        var oci = Fixture("podman-image/ckpt-image.oci.tar");
        Assert.Equal($"{oci} is a checkpoint image: buildah adds only checkpoint archives; re-tag or convert it with --output",
            CliRunner.AssertError(CliRunner.Run("build", oci, NewName)));
    }

    /// <summary>What skopeo makes of a <c>build -o</c> image (docker-archive, OCI directory with a zstd layer) reads like the archive.</summary>
    [ToolTheory("skopeo")]
    [InlineData("docker-archive")]
    [InlineData("oci-dir+zstd")]
    public void Skopeo_copies_of_built_images_read_like_the_archive(string transport)
    {
        using var dir = new ScratchDir();
        var archive = TestPaths.Wrapped("piggie-podman.tar");
        var image = Path.Combine(dir.Path, "image.tar");
        Build(archive, image);
        var copy = Path.Combine(dir.Path, transport == "docker-archive" ? "copy.tar" : "copy");
        string[] args = transport == "docker-archive"
            ? ["copy", "--quiet", $"oci-archive:{image}", $"docker-archive:{copy}:{NewName}"]
            : ["copy", "--quiet", "--dest-compress-format", "zstd", "--dest-compress", $"oci-archive:{image}", $"oci:{copy}:v2"];
        BuildTests.Tool("skopeo", args);
        string[] inspect = ["inspect", "--all"];
        Assert.Equal(ImageTests.WithoutImage(Inspect(archive, inspect)), ImageTests.WithoutImage(Inspect(copy, inspect)));
        var json = JsonDocument.Parse(CliRunner.Run("inspect", "--format", "json", copy).Stdout).RootElement[0].GetProperty("checkpoint_image");
        Assert.Equal(transport == "docker-archive" ? "docker-archive" : "oci-dir", json.GetProperty("format").GetString());
        // A docker-archive keeps no annotations; the labels still say what the image is.
        Assert.Equal("runc", json.GetProperty("labels").GetProperty("io.podman.annotations.checkpoint.runtime.name").GetString());
        if (transport != "docker-archive")
            Assert.EndsWith("+zstd", json.GetProperty("checkpoint_media_type").GetString());
    }

    /// <summary>
    /// The image <c>build -o</c> makes restores with Podman (issue 14: Podman 4.3 refused upstream's images with
    /// "image is not a checkpoint"). Needs root, podman, runc and a CRIU that works on this kernel, and the base image
    /// of a container to checkpoint (<c>CHECKPOINTCTL_TEST_IMAGE</c>, default the fixtures' localhost/fixture-busybox:latest).
    /// </summary>
    [PodmanRestoreFact]
    public void Podman_restores_an_image_built_with_output()
    {
        using var dir = new ScratchDir();
        var baseImage = Environment.GetEnvironmentVariable("CHECKPOINTCTL_TEST_IMAGE") ?? "localhost/fixture-busybox:latest";
        var name = "checkpointctl-restore-" + Environment.ProcessId;
        var export = Path.Combine(dir.Path, "export.tar");
        var image = Path.Combine(dir.Path, "image.tar");
        try
        {
            Podman("run", "-d", "--name", name, "--network", "none", baseImage, "sh", "-c", "i=0; while true; do i=$((i+1)); echo $i > /tmp/counter; sleep 1; done");
            Thread.Sleep(2000);
            Podman("container", "checkpoint", "--export", export, name);
            Podman("rm", "-f", name);
            Assert.Equal(0, CliRunner.Run("build", export, $"localhost/{name}:latest", "-o", image).ExitCode);
            Podman("load", "-i", image);
            Podman("container", "restore", "--name", name, $"localhost/{name}:latest");
            Assert.Contains("running", Podman("inspect", "--format", "{{.State.Status}}", name));
        }
        finally
        {
            Podman(ignoreErrors: true, "rm", "-f", name);
            Podman(ignoreErrors: true, "rmi", "-f", $"localhost/{name}:latest");
        }
    }

    private static string Podman(params string[] args) => Podman(false, args);

    private static string Podman(bool ignoreErrors, params string[] args)
    {
        var p = Process.Start(new ProcessStartInfo("podman", args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(ignoreErrors || p.ExitCode == 0, $"podman {string.Join(' ', args)}: exit {p.ExitCode}: {stderr.Result}");
        return stdout;
    }

    private static string Inspect(string input, params string[] args)
    {
        var r = CliRunner.Run([.. args.Length > 0 ? args : ["inspect", "--all"], input]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        return r.Stdout.Replace(input, "<input>", StringComparison.Ordinal);
    }

    private static byte[] ReadMember(string tar, string name)
    {
        using var reader = new TarReader(File.OpenRead(tar));
        while (reader.GetNextEntry() is { } e)
        {
            if (e.Name == name)
            {
                var data = new MemoryStream();
                e.DataStream!.CopyTo(data);
                return data.ToArray();
            }
        }
        throw new FileNotFoundException(name);
    }
}

/// <summary>
/// Runs only where Podman can checkpoint and restore here: root, podman and runc on PATH, and <c>criu check</c>
/// passing (Debian's CRIU 3.17 fails on kernels 6.13 and later; fixtures/README.md says how CRIU 4.2 was built).
/// </summary>
public sealed class PodmanRestoreFactAttribute : FactAttribute
{
    public PodmanRestoreFactAttribute()
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Where(d => d.Length > 0).ToList();
        var missing = new[] { "podman", "runc", "criu" }.Where(t => !path.Any(d => File.Exists(Path.Combine(d, t)))).ToList();
        if (missing.Count > 0)
            Skip = $"{string.Join(", ", missing)} not installed (not found on PATH)";
        else if (Environment.UserName != "root")
            Skip = "checkpoint and restore need root";
        else if (CriuCheck() is { } failure)
            Skip = $"criu check fails on this kernel: {failure}";
    }

    private static string? CriuCheck()
    {
        try
        {
            var p = Process.Start(new ProcessStartInfo("criu", "check") { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var stderr = p.StandardError.ReadToEndAsync();
            p.StandardOutput.ReadToEnd();
            if (!p.WaitForExit(30_000))
            {
                p.Kill();
                return "timed out";
            }
            return p.ExitCode == 0 ? null : stderr.Result.Trim().Split('\n').LastOrDefault() ?? $"exit {p.ExitCode}";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return e.Message;
        }
    }
}

/// <summary><c>build</c> without <c>--output</c> with the real buildah, in a storage of its own.</summary>
[Collection("PATH")]
public sealed class BuildahStorageTests : IDisposable
{
    private readonly ScratchDir _dir = new();

    public BuildahStorageTests()
    {
        var conf = Path.Combine(_dir.Path, "storage.conf");
        File.WriteAllText(conf, $"[storage]\ndriver = \"vfs\"\nrunroot = \"{_dir.Path}/run\"\ngraphroot = \"{_dir.Path}/root\"\n");
        Environment.SetEnvironmentVariable("CONTAINERS_STORAGE_CONF", conf);
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("CONTAINERS_STORAGE_CONF", null);
        _dir.Dispose();
    }

    [ToolFact("buildah")]
    public void Buildah_stores_the_restore_keys_as_annotations_and_labels()
    {
        var r = CliRunner.Run("build", TestPaths.Archive("simple-none.tar"), "localhost/buildah-keys:1");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("Added annotation: io.podman.annotations.checkpoint.runtime.name=runc\n", r.Stdout);
        Assert.DoesNotContain("Error setting", r.Stdout);
        var pushed = Path.Combine(_dir.Path, "pushed.tar");
        BuildTests.Tool("buildah", "push", "--quiet", "localhost/buildah-keys:1", $"oci-archive:{pushed}");
        var json = JsonDocument.Parse(CliRunner.Run("inspect", "--format", "json", pushed).Stdout).RootElement[0];
        Assert.Equal("fx-simple", json.GetProperty("container_name").GetString());
        var image = json.GetProperty("checkpoint_image");
        Assert.Equal("runc", image.GetProperty("annotations").GetProperty("io.podman.annotations.checkpoint.runtime.name").GetString());
        Assert.Equal("runc", image.GetProperty("labels").GetProperty("io.podman.annotations.checkpoint.runtime.name").GetString());
    }
}
