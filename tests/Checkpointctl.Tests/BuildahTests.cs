using System.Text.Json;

namespace Checkpointctl.Tests;

/// <summary>A fact that runs only where the named tools are on PATH (the CI installs them; see <c>.ci/run</c>).</summary>
public sealed class ToolFactAttribute : FactAttribute
{
    public ToolFactAttribute(params string[] tools)
    {
        Skip = MissingTools(tools);
    }

    /// <summary>Why a test needing <paramref name="tools"/> cannot run here, or null when all are on PATH.</summary>
    public static string? MissingTools(string[] tools)
    {
        var missing = tools.Where(t => !(Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, t)))).ToList();
        return missing.Count > 0 ? $"{string.Join(" and ", missing)} not installed (not found on PATH)" : null;
    }
}

/// <summary><c>build</c> without <c>--output</c>: the buildah steps, against a recording fake buildah on PATH.</summary>
[Collection("PATH")]
public sealed class BuildahTests : IDisposable
{
    private const string Fake = """
        #!/bin/bash
        echo "$*" >> "$BUILDAH_LOG"
        case "$1" in
          from) echo "working-container-1" ;;
          commit) [ -n "$FAIL_COMMIT" ] && { echo "commit failed" >&2; exit 3; }; echo "0123abcd" ;;
          config) [[ -n "$FAIL_ANNOTATION" && "$3" == *pod.name=* ]] && { echo "bad annotation" >&2; exit 1; } ;;
          manifest) [[ -n "$FAIL_INDEX" && "$2" == annotate ]] && { echo "Error: unknown flag: --index" >&2; exit 125; } ;;
          rm) [ -n "$FAIL_RM" ] && { echo "no such container" >&2; exit 1; } ;;
        esac
        exit 0
        """;

    private readonly ScratchDir _dir = new();
    private readonly string? _path = Environment.GetEnvironmentVariable("PATH");
    private readonly string _log;
    private readonly string _checkpoint = TestPaths.Archive("simple-zstd.tar.zst");

    public BuildahTests()
    {
        var bin = Path.Combine(_dir.Path, "bin");
        Directory.CreateDirectory(bin);
        File.WriteAllText(Path.Combine(bin, "buildah"), Fake.Replace("\r", ""));
        File.SetUnixFileMode(Path.Combine(bin, "buildah"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        _log = Path.Combine(_dir.Path, "calls.log");
        Environment.SetEnvironmentVariable("PATH", $"{bin}:{_path}");
        Environment.SetEnvironmentVariable("BUILDAH_LOG", _log);
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("PATH", _path);
        foreach (var v in new[] { "BUILDAH_LOG", "FAIL_COMMIT", "FAIL_ANNOTATION", "FAIL_INDEX", "FAIL_RM" })
            Environment.SetEnvironmentVariable(v, null);
        _dir.Dispose();
    }

    private string[] Calls() => File.Exists(_log) ? File.ReadAllLines(_log) : [];

    // Podman's keys (so Podman restores the image), then upstream's.
    private static readonly string[] Annotations =
    [
        "io.podman.annotations.checkpoint.host.arch=amd64",
        "io.podman.annotations.checkpoint.name=fx-simple",
        "io.podman.annotations.checkpoint.rawImageName=localhost/fixture-busybox:latest",
        "io.podman.annotations.checkpoint.rootfsImageID=71420537fe11ea5c4fab1918c8ee6f9cfba0a3324ece33a915b61da2f9f23e0d",
        "io.podman.annotations.checkpoint.rootfsImageName=localhost/fixture-busybox:latest",
        "io.podman.annotations.checkpoint.runtime.name=runc",
        "org.criu.checkpoint.container.name=fx-simple",
        "org.criu.checkpoint.engine.name=Podman",
        "org.criu.checkpoint.pod.name=",
        "org.criu.checkpoint.pod.namespace=",
        "org.criu.checkpoint.rootfsImageID=",
        "org.criu.checkpoint.rootfsImageName=localhost/fixture-busybox:latest",
        "org.criu.checkpoint.rootfsImageUserRequested=",
        "org.criu.checkpoint.runtime.name=runc",
    ];

    [Fact]
    public void Builds_with_upstreams_steps_plus_platform_and_an_annotated_index()
    {
        var r = CliRunner.Run("build", _checkpoint, "localhost/ckpt:v1");
        Assert.Equal(0, r.ExitCode);
        string[] expected =
        [
            "from scratch",
            $"add working-container-1 {_checkpoint}",
            "config --os linux --arch amd64 working-container-1",
            .. Annotations.Select(a => $"config --annotation {a} working-container-1"),
            .. Annotations.Select(a => $"config --label {a} working-container-1"),
            "commit working-container-1 localhost/ckpt:v1",
            "manifest rm localhost/ckpt:v1-manifest",
            "manifest create localhost/ckpt:v1-manifest 0123abcd",
            .. Annotations.Select(a => $"manifest annotate --index --annotation {a} localhost/ckpt:v1-manifest"),
            "tag localhost/ckpt:v1-manifest localhost/ckpt:v1",
            "manifest rm localhost/ckpt:v1-manifest",
            "rm working-container-1",
        ];
        Assert.Equal(expected, Calls());
        Assert.Equal(string.Concat(Annotations.Select(a => $"Added annotation: {a}\n")), r.Stdout);
        Assert.Matches($@"^\d{{4}}/\d\d/\d\d \d\d:\d\d:\d\d Image 'localhost/ckpt:v1' created successfully from checkpoint '{System.Text.RegularExpressions.Regex.Escape(_checkpoint)}'\n$", r.Stderr);
    }

    [Fact]
    public void A_buildah_without_index_annotations_gives_a_warning_not_a_failure()
    {
        Environment.SetEnvironmentVariable("FAIL_INDEX", "1");
        var r = CliRunner.Run("build", _checkpoint, "localhost/ckpt:v1");
        Assert.Equal(0, r.ExitCode);
        Assert.EndsWith("Warning: the image index was not annotated (containerd will not see a checkpoint image): annotating manifest failed: "
                        + "buildah command failed: error: exit status 125, stderr: Error: unknown flag: --index\n", r.Stdout);
        Assert.Equal(["manifest rm localhost/ckpt:v1-manifest", "rm working-container-1"], Calls()[^2..]);
    }

    [Fact]
    public void A_failed_annotation_is_reported_and_the_build_goes_on()
    {
        Environment.SetEnvironmentVariable("FAIL_ANNOTATION", "1");
        var r = CliRunner.Run("build", _checkpoint, "localhost/ckpt:v1");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("Error setting annotation org.criu.checkpoint.pod.name=: buildah command failed: error: exit status 1, stderr: bad annotation\n", r.Stdout);
        Assert.Contains("commit working-container-1 localhost/ckpt:v1", Calls());
    }

    [Fact]
    public void A_failed_commit_is_an_error_and_the_container_is_still_removed()
    {
        Environment.SetEnvironmentVariable("FAIL_COMMIT", "1");
        Environment.SetEnvironmentVariable("FAIL_RM", "1");
        var r = CliRunner.Run("build", _checkpoint, "localhost/ckpt:v1");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("Error: committing container annotations failed: buildah command failed: error: exit status 3, stderr: commit failed\n", r.Stderr);
        Assert.EndsWith("Warning: failed to remove container working-container-1: buildah command failed: error: exit status 1, stderr: no such container\n", r.Stdout);
        Assert.Equal("rm working-container-1", Calls()[^1]);
    }

    [Fact]
    public void The_checkpoint_is_checked_before_buildah_runs()
    {
        var minimal = TestArchive.Minimal().WriteTo(_dir.Path, "minimal.tar");
        Assert.Contains("pstree.img", CliRunner.AssertError(CliRunner.Run("build", minimal, "localhost/ckpt:v1")));
        Assert.Equal("stat /no/such.tar: no such file or directory", CliRunner.AssertError(CliRunner.Run("build", "/no/such.tar", "localhost/ckpt:v1")));
        Assert.Empty(Calls());
    }

    [Fact]
    public void Without_buildah_the_error_is_upstreams()
    {
        Environment.SetEnvironmentVariable("PATH", Path.Combine(_dir.Path, "empty"));
        Assert.Equal("creating container failed: buildah command failed: error: exec: \"buildah\": executable file not found in $PATH, stderr:",
            CliRunner.AssertError(CliRunner.Run("build", _checkpoint, "localhost/ckpt:v1")));
    }
}

/// <summary>The OCI archive read by the real tools (skopeo, buildah with its own storage), where they are installed.</summary>
[Collection("PATH")]
public sealed class OciInteropTests : IDisposable
{
    private readonly ScratchDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Build(string fixture)
    {
        var output = Path.Combine(_dir.Path, "image.tar");
        Assert.Equal(0, CliRunner.Run("build", TestPaths.ArchiveByName(fixture), "localhost/interop:v1", "-o", output).ExitCode);
        return output;
    }

    [ToolFact("skopeo")]
    public void Skopeo_copies_the_image_verifying_every_digest()
    {
        var output = Build("pytree-containerd.tar.gz");
        var inspect = JsonDocument.Parse(BuildTests.Tool("skopeo", "inspect", $"oci-archive:{output}")).RootElement;
        Assert.Equal("amd64", inspect.GetProperty("Architecture").GetString());
        Assert.Single(inspect.GetProperty("Layers").EnumerateArray());
        BuildTests.Tool("skopeo", "copy", "--quiet", $"oci-archive:{output}", $"dir:{Path.Combine(_dir.Path, "copy")}");
        Assert.True(File.Exists(Path.Combine(_dir.Path, "copy", "manifest.json")));
    }

    [ToolFact("buildah")]
    public void Buildah_pulls_the_image_unpacking_its_layer_with_the_annotations()
    {
        var output = Build("simple-zstd.tar.zst");
        var storage = Path.Combine(_dir.Path, "storage");
        string[] root = ["--root", Path.Combine(storage, "root"), "--runroot", Path.Combine(storage, "run"), "--storage-driver", "vfs"];
        BuildTests.Tool("buildah", [.. root, "pull", "--quiet", $"oci-archive:{output}"]);
        var image = JsonDocument.Parse(BuildTests.Tool("buildah", [.. root, "inspect", "--type", "image", "localhost/interop:v1"])).RootElement;
        var annotations = image.GetProperty("ImageAnnotations");
        Assert.Equal("fx-simple", annotations.GetProperty("org.criu.checkpoint.container.name").GetString());
        Assert.Equal("Podman", annotations.GetProperty("org.criu.checkpoint.engine.name").GetString());
        // The layer was applied: its files are in the image.
        var container = BuildTests.Tool("buildah", [.. root, "from", "localhost/interop:v1"]).Trim();
        var mount = BuildTests.Tool("buildah", [.. root, "mount", container]).Trim();
        Assert.True(File.Exists(Path.Combine(mount, "checkpoint", "pstree.img")));
        BuildTests.Tool("buildah", [.. root, "rm", container]);
    }
}
