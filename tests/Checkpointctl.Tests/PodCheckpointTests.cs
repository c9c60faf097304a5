using System.Text.Json.Nodes;
using Checkpointctl.Core.Analysis;
using Checkpointctl.Core.Archive;

namespace Checkpointctl.Tests;

/// <summary>
/// Pod checkpoints (checkpoint-shapes.md §2) built from the shared fixtures as their producers lay them out: CRI-O's and
/// containerd's generation 1 (tar, unpacked directory, a compressed and an unseekable tar) and generation 2 directories
/// (manifest versions 1 and 2). Every container reads exactly as its own archive (inspect --all tree and JSON,
/// memparse table, search and hexdump); the pod views, diff, list and the errors of hostile manifests and options.
/// </summary>
public class PodCheckpointTests
{
    private const string PiggieTwoId = "1bfb827d64c039f84982337a496b71259bfcad74451f056621427ef1c3c4f4a7";
    private const string PytreeTwoId = "7c2e94d1a0b3f5e6d7c8b9a0f1e2d3c4b5a6978877665544332211000ffeeddc";

    private static readonly Lazy<ContainerFiles> Piggie = new(() => ContainerFiles.FromArchive(TestPaths.Wrapped("piggie-crio.tar"), "piggie-ctr"));
    private static readonly Lazy<ContainerFiles> Pytree = new(() => ContainerFiles.FromArchive(TestPaths.Wrapped("pytree-containerd.tar.gz"), "pytree-ctr"));

    /// <summary>Two containers of one engine, each with the process whose memory is searched.</summary>
    private static (ContainerFiles Files, uint Pid)[] Containers(string engine) => engine == "cri-o"
        ? [(Piggie.Value, 1), (Piggie.Value.Renamed("piggie-two", PiggieTwoId), 4)]
        : [(Pytree.Value, 7032), (Pytree.Value.Renamed("pytree-two", PytreeTwoId), 7035)];

    public static TheoryData<string> Packagings() =>
        ["crio-tar", "crio-tar.zst", "crio-dir", "containerd-tar", "containerd-tar.gz", "containerd-dir", "gen2-v1", "gen2-v2"];

    /// <summary>The pod of a packaging in <paramref name="dir"/>, its containers and their own archives.</summary>
    private static (string Pod, (ContainerFiles Files, uint Pid, string Original)[] Containers) Build(string dir, string packaging)
    {
        var engine = packaging.StartsWith("containerd", StringComparison.Ordinal) ? "containerd" : "cri-o";
        var containers = Containers(packaging.StartsWith("gen2", StringComparison.Ordinal) ? "containerd" : engine)
            .Select(c => (c.Files, c.Pid, Original: c.Files.WriteArchive(Path.Combine(dir, c.Files.Name + ".tar")))).ToArray();
        var files = containers.Select(c => c.Files).ToArray();
        var podDir = Path.Combine(dir, "checkpoint-demo-pod_default-2026-12-05T10:00:00Z");
        string pod = packaging switch
        {
            "gen2-v1" => PodFiles.WriteGeneration2(podDir, 1, files),
            "gen2-v2" => PodFiles.WriteGeneration2(podDir, 2, files),
            _ when packaging.EndsWith("-dir", StringComparison.Ordinal) => PodFiles.WriteDirectory(Layout(engine, files), podDir),
            _ => PodFiles.WriteTar(Layout(engine, files), Path.Combine(dir, "pod.tar"), dotSlash: engine == "cri-o"),
        };
        if (packaging.EndsWith(".zst", StringComparison.Ordinal) || packaging.EndsWith(".gz", StringComparison.Ordinal))
        {
            var compressed = pod + packaging[packaging.LastIndexOf('.')..];
            File.WriteAllBytes(compressed, packaging.EndsWith(".gz", StringComparison.Ordinal) ? TestArchive.Gzip(File.ReadAllBytes(pod)) : TestArchive.Zstd(File.ReadAllBytes(pod)));
            pod = compressed;
        }
        return (pod, containers);
    }

    private static IReadOnlyList<(string Name, byte[] Data)> Layout(string engine, ContainerFiles[] files) =>
        engine == "cri-o" ? PodFiles.CrioPod(files) : PodFiles.ContainerdPod(files);

    [Theory]
    [MemberData(nameof(Packagings))]
    public void Each_selected_container_reads_as_its_own_archive(string packaging)
    {
        using var dir = new ScratchDir();
        var (pod, containers) = Build(dir.Path, packaging);
        foreach (var (files, pid, original) in containers)
        {
            var p = pid.ToString(System.Globalization.CultureInfo.InvariantCulture);
            foreach (string[] args in (string[][])[
                         ["inspect", "--all"], ["inspect", "--all", "--format", "json"], ["inspect", "--ps-tree-cmd", "--pid", p], ["memparse"],
                         ["memparse", "--pid", p, "-s", "PATH=", "-c", "16"], ["memparse", "--pid", p, "-r", "[A-Z_]+=[a-z/]+"], ["memparse", "--pid", p]])
            {
                var expected = Normalized(CliRunner.Run([args[0], original, .. args[1..]]), original);
                Assert.Equal(0, expected.ExitCode);
                Assert.Equal(expected, Normalized(CliRunner.Run([args[0], pod, "--container", files.Name, .. args[1..]]), pod));
            }
            // By ID too, and memparse -o writes the same file.
            Assert.Equal(Normalized(CliRunner.Run("memparse", original), original), Normalized(CliRunner.Run("memparse", pod, "--container", files.Id), pod));
            var a = Path.Combine(dir.Path, "a.txt");
            var b = Path.Combine(dir.Path, "b.txt");
            Assert.Equal(0, CliRunner.Run("memparse", original, "--pid", pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "-o", a).ExitCode);
            Assert.Equal(0, CliRunner.Run("memparse", pod, "--container", files.Id[..12], "--pid", pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "-o", b).ExitCode);
            Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
        }
    }

    [Theory]
    [MemberData(nameof(Packagings))]
    public void Coredump_check_and_image_read_each_container_as_its_own_archive(string packaging)
    {
        using var dir = new ScratchDir();
        var (pod, containers) = Build(dir.Path, packaging);
        foreach (var (files, pid, original) in containers)
        {
            var p = pid.ToString(System.Globalization.CultureInfo.InvariantCulture);
            foreach (string[] args in (string[][])[
                         ["check", "--skip-host"], ["check", "--skip-host", "--format", "json"], ["image", "--list"], ["image", "--list", "--format", "json"],
                         ["image", $"core-{p}.img", "pstree.img", "stats-dump"]])
            {
                var expected = Normalized(CliRunner.Run([args[0], original, .. args[1..]]), original);
                Assert.Equal("", expected.Stderr);
                Assert.Equal(expected, Normalized(CliRunner.Run([args[0], pod, "--container", files.Name, .. args[1..]]), pod));
            }
            // The same core bytes as from the container's own archive.
            var own = Directory.CreateDirectory(Path.Combine(dir.Path, "own-" + files.Name)).FullName;
            var fromPod = Directory.CreateDirectory(Path.Combine(dir.Path, "pod-" + files.Name)).FullName;
            Assert.Equal(0, CliRunner.Run("coredump", original, "-p", p, "-o", own).ExitCode);
            var run = CliRunner.Run("coredump", pod, "--container", files.Id, "-p", p, "-o", fromPod);
            Assert.Equal("", run.Stderr);
            Assert.Equal(File.ReadAllBytes(Path.Combine(own, "core." + p)), File.ReadAllBytes(Path.Combine(fromPod, "core." + p)));
        }

        // Without a selector, check reports each container, named; commands of one container ask for one.
        var check = CliRunner.Run("check", "--skip-host", pod);
        foreach (var (files, _, _) in containers)
            Assert.Contains($"{pod}, container {files.Name}", check.Stdout);
        foreach (string[] args in (string[][])[["coredump", "-o", dir.Path], ["image", "pstree.img"], ["image", "--list"]])
        {
            Assert.Equal($"pod checkpoint {pod} has 2 containers ({containers[0].Files.Name}, {containers[1].Files.Name}); select one with --container",
                CliRunner.AssertError(CliRunner.Run([args[0], pod, .. args[1..]])));
        }
    }

    [Theory]
    [MemberData(nameof(Packagings))]
    public void The_pod_shows_every_container_as_its_own_archive(string packaging)
    {
        using var dir = new ScratchDir();
        var (pod, containers) = Build(dir.Path, packaging);
        var engine = packaging.StartsWith("crio", StringComparison.Ordinal) ? "CRI-O" : "containerd";

        // inspect: a pod node, then each container's usual tree below "Containers".
        var tree = CliRunner.Run("inspect", "--all", pod);
        Assert.Equal("", tree.Stderr);
        var header = $"\nDisplaying pod checkpoint tree view from {pod}\n\nPod {PodFiles.PodName}\n├── Namespace: {PodFiles.Namespace}\n├── UID: {PodFiles.Uid}\n"
                     + $"├── Sandbox ID: {PodFiles.SandboxId}\n├── Engine: {engine}\n"
                     + $"├── Format: generation {(packaging.StartsWith("gen2", StringComparison.Ordinal) ? "2 (checkpoint-manifest.json version " + packaging[^1] : "1 (pod.options version 1")})\n"
                     + "└── Containers: 2\n";
        if (packaging.StartsWith("containerd", StringComparison.Ordinal))
            header = header.Replace($"├── Sandbox ID: {PodFiles.SandboxId}\n", "", StringComparison.Ordinal);
        var expected = header;
        for (var i = 0; i < containers.Length; i++)
        {
            var own = CliRunner.Run("inspect", "--all", containers[i].Original).Stdout.Split('\n')[3..^2];
            var last = i == containers.Length - 1;
            expected += $"    {(last ? "└── " : "├── ")}{own[0]}\n" + string.Concat(own[1..].Select(l => (last ? "        " : "    │   ") + l + "\n"));
        }
        Assert.Equal(expected + "\n", tree.Stdout);

        // JSON: the pod's fields, and each container's upstream object.
        var json = JsonNode.Parse(CliRunner.Run("inspect", "--all", "--format", "json", pod).Stdout)!.AsArray();
        var podNode = Assert.Single(json)!;
        Assert.Equal(PodFiles.PodName, (string?)podNode["pod_name"]);
        Assert.Equal(engine, (string?)podNode["engine"]);
        for (var i = 0; i < containers.Length; i++)
        {
            var own = JsonNode.Parse(CliRunner.Run("inspect", "--all", "--format", "json", containers[i].Original).Stdout)!.AsArray()[0];
            Assert.True(JsonNode.DeepEquals(own, podNode["containers"]![i]), $"container {i} differs");
        }

        // show: the pod's row, then the containers' rows as for their own archives together.
        var show = CliRunner.Run("show", pod).Stdout;
        var podRow = show.Split('\n')[5].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal([PodFiles.PodName, PodFiles.Namespace, PodFiles.Uid, engine, "2"], podRow);
        Assert.EndsWith(CliRunner.Run("show", containers[0].Original, containers[1].Original).Stdout, show);

        // memparse: one table per container, named in the heading.
        var tables = CliRunner.Run("memparse", pod).Stdout;
        var ownTables = string.Concat(containers.Select(c =>
            CliRunner.Run("memparse", c.Original).Stdout.Replace(c.Original, $"{pod}, container {c.Files.Name}", StringComparison.Ordinal)));
        Assert.Equal(ownTables, tables);
    }

    [Theory]
    [InlineData("cri-o", false)]
    [InlineData("cri-o", true)]
    [InlineData("containerd", true)]
    public void A_pod_archive_is_read_once_for_all_its_containers(string engine, bool compressed)
    {
        using var dir = new ScratchDir();
        var containers = Containers(engine);
        var files = containers.Select(c => c.Files).ToArray();
        var tar = PodFiles.WriteTar(Layout(engine, files), Path.Combine(dir.Path, "pod.tar"), dotSlash: engine == "cri-o");
        var path = tar;
        if (compressed)
            File.WriteAllBytes(path = tar + ".zst", TestArchive.Zstd(File.ReadAllBytes(tar)));
        var passes = 0;
        var piped = new CheckpointInput(path, () => { passes++; return new NonSeekableStream(File.OpenRead(path)); });
        var options = new InspectOptions { All = true };

        var streamed = Inspection.ReadAll(piped, options);
        Assert.Equal(1, passes);
        Assert.Equal(2, streamed.Items.Count);
        var inPlace = Inspection.ReadAll(tar, options);
        for (var i = 0; i < containers.Length; i++)
        {
            var own = Inspection.Read(files[i].WriteArchive(Path.Combine(dir.Path, $"{i}.tar")), options);
            foreach (var read in new[] { streamed.Items[i].Value, inPlace.Items[i].Value })
            {
                Assert.Equal(own.Container.Config.Id, read.Container.Config.Id);
                Assert.Equal(own.Sizes, read.Sizes);
                Assert.Equal(Flatten(own.ProcessTree!), Flatten(read.ProcessTree!));
            }
        }

        passes = 0;
        Assert.Equal(2, CheckpointOverview.ReadAll(piped).Items.Count);
        Assert.Equal(2, MemoryTable.ReadAll(piped).Items.Count);
        Assert.Equal(2, passes);

        // A process's memory is read front to back in the same pass when the selector names the container's directory
        // as producers name it (pod.options, at the end, then confirms it); one more pass when it does not (an ID prefix).
        foreach (var (container, pid) in containers)
        {
            foreach (var (selector, expectedPasses) in new[] { (container.Name, 1), (container.Id, 1), (container.Id[..10], 2) })
            {
                passes = 0;
                var want = new PageSourceTests.Collect();
                var got = new PageSourceTests.Collect();
                MemoryScan.Run(container.WriteArchive(Path.Combine(dir.Path, "own.tar")), pid, want);
                MemoryScan.Run(piped, pid, got, containers: [selector]);
                Assert.Equal(expectedPasses, passes);
                Assert.True(got.Ended);
                Assert.Equal(want.Starts, got.Starts);
                Assert.Equal(want.Bytes.ToArray(), got.Bytes.ToArray());
            }
        }
    }

    [Fact]
    public void A_directory_named_for_another_container_than_pod_options_says_is_an_error()
    {
        using var dir = new ScratchDir();
        var containers = Containers("cri-o");
        var (a, b) = (containers[0].Files, containers[1].Files);
        // pod.options maps each name to the other's directory.
        var swapped = PodFiles.CrioPod(a, b).Select(f => f.Name != "pod.options" ? f : (f.Name, System.Text.Encoding.UTF8.GetBytes(
            System.Text.Encoding.UTF8.GetString(f.Data).Replace($"\"{a.Name}\":", "\"x-swap\":", StringComparison.Ordinal)
                .Replace($"\"{b.Name}\":", $"\"{a.Name}\":", StringComparison.Ordinal).Replace("\"x-swap\":", $"\"{b.Name}\":", StringComparison.Ordinal)))).ToList();
        var tar = PodFiles.WriteTar(swapped, Path.Combine(dir.Path, "pod.tar"), dotSlash: true);
        var zst = tar + ".zst";
        File.WriteAllBytes(zst, TestArchive.Zstd(File.ReadAllBytes(tar)));
        var directory = $"{a.Id}-k8s_{a.Name}_{PodFiles.PodName}_{PodFiles.Namespace}_{PodFiles.Uid}_0";
        Assert.Equal($"{zst}: pod.options does not name directory {directory} for container {a.Name}",
            CliRunner.AssertError(CliRunner.Run("memparse", zst, "--container", a.Name, "--pid", "1", "-s", "PATH=")));
        // Read in place, pod.options decides.
        Assert.Equal(0, CliRunner.Run("memparse", tar, "--container", a.Name, "--pid", "1", "-s", "PATH=").ExitCode);
    }

    [Fact]
    public void Manifest_archive_paths_stay_inside_the_pod_directory()
    {
        using var dir = new ScratchDir();
        var (pod, containers) = Build(dir.Path, "gen2-v1");
        var (first, second) = (containers[0].Files, containers[1].Files);
        File.Copy(containers[0].Original, Path.Combine(dir.Path, "outside.tar"));
        File.CreateSymbolicLink(Path.Combine(pod, "linked.tar"), Path.Combine(dir.Path, "outside.tar"));
        Directory.CreateSymbolicLink(Path.Combine(pod, "up"), dir.Path);
        foreach (var (archive, error) in new[]
                 {
                     ("../outside.tar", $"{pod}: checkpoint-manifest.json: unsafe archive name for container {first.Name}: \"../outside.tar\""),
                     (Path.Combine(dir.Path, "outside.tar"), $"{pod}: checkpoint-manifest.json: unsafe archive name for container {first.Name}: \"{Path.Combine(dir.Path, "outside.tar")}\""),
                     ("a/../../outside.tar", $"{pod}: checkpoint-manifest.json: unsafe archive name for container {first.Name}: \"a/../../outside.tar\""),
                     ("", $"{pod}: checkpoint-manifest.json: unsafe archive name for container {first.Name}: \"\""),
                     ("linked.tar", $"{pod}: archive linked.tar of container {first.Name}: {pod}/linked.tar is a symbolic link"),
                     ("up/outside.tar", $"{pod}: archive up/outside.tar of container {first.Name}: {pod}/up is a symbolic link"),
                 })
        {
            WriteManifest(pod, (first, archive), (second, PodFiles.ArchiveName(second.Id)));
            foreach (var command in new[] { "show", "inspect", "memparse" })
                Assert.Equal(error, CliRunner.AssertError(CliRunner.Run(command, pod)));
        }
    }

    [Fact]
    public void A_missing_or_altered_container_archive_is_an_error()
    {
        using var dir = new ScratchDir();
        var (pod, containers) = Build(dir.Path, "gen2-v1");
        var (first, second) = (containers[0].Files, containers[1].Files);
        var firstArchive = Path.Combine(pod, PodFiles.ArchiveName(first.Id));
        var secondArchive = Path.Combine(pod, PodFiles.ArchiveName(second.Id));
        var bytes = File.ReadAllBytes(firstArchive);
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));

        // The manifest's size and digest, when it gives them, are checked.
        WriteManifest(pod, (first, PodFiles.ArchiveName(first.Id), bytes.Length, "sha256:" + sha), (second, PodFiles.ArchiveName(second.Id), null, null));
        Assert.Equal(0, CliRunner.Run("show", pod).ExitCode);
        var altered = (byte[])bytes.Clone();
        altered[bytes.Length / 2] ^= 0xff;
        File.WriteAllBytes(firstArchive, altered);
        Assert.Equal($"{firstArchive}: sha256 {Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(altered))}, but checkpoint-manifest.json gives {sha} for container {first.Name}",
            CliRunner.AssertError(CliRunner.Run("inspect", pod)));
        File.WriteAllBytes(firstArchive, bytes[..^1024]);
        Assert.Equal($"{firstArchive}: {bytes.Length - 1024} bytes, but checkpoint-manifest.json gives {bytes.Length} for container {first.Name}",
            CliRunner.AssertError(CliRunner.Run("memparse", pod)));

        // Without them: a truncated archive is an archive error, another container's archive is caught by its ID.
        WriteManifest(pod, (first, PodFiles.ArchiveName(first.Id)), (second, PodFiles.ArchiveName(second.Id)));
        File.WriteAllBytes(firstArchive, bytes[..(bytes.Length / 2)]);
        Assert.Equal($"unexpected EOF ({firstArchive})", CliRunner.AssertError(CliRunner.Run("show", pod)));
        File.Copy(secondArchive, firstArchive, overwrite: true);
        Assert.Equal($"{firstArchive}: holds container {second.Id}, but checkpoint-manifest.json gives {first.Id} for container {first.Name}",
            CliRunner.AssertError(CliRunner.Run("show", pod)));
        File.Delete(firstArchive);
        Assert.Equal($"open {firstArchive}: no such file or directory (archive of container {first.Name} in checkpoint-manifest.json)",
            CliRunner.AssertError(CliRunner.Run("show", pod)));
        // The other container alone is still readable.
        Assert.Equal(0, CliRunner.Run("inspect", pod, "--container", second.Name).ExitCode);

        WriteManifest(pod, (first, "same.tar"), (second, "./same.tar"));
        Assert.Equal($"{pod}: checkpoint-manifest.json: containers share the archive same.tar", CliRunner.AssertError(CliRunner.Run("show", pod)));
    }

    [Fact]
    public void Unsupported_and_malformed_pod_files_are_errors()
    {
        using var dir = new ScratchDir();
        var (pod, containers) = Build(dir.Path, "gen2-v1");
        var first = containers[0].Files;
        foreach (var version in new[] { 0, 3 })
        {
            PodFiles.WriteManifest(pod, new Dictionary<string, object> { ["version"] = version, ["containers"] = new[] { new Dictionary<string, string> { ["name"] = "a", ["id"] = "b", ["archive"] = "c" } } });
            Assert.Equal($"{pod}: unsupported pod checkpoint manifest version {version} (versions 1 and 2 are known)", CliRunner.AssertError(CliRunner.Run("show", pod)));
        }
        File.WriteAllText(Path.Combine(pod, "checkpoint-manifest.json"), "");
        Assert.Equal("failed to unmarshal checkpoint-manifest.json: unexpected end of JSON input", CliRunner.AssertError(CliRunner.Run("show", pod)));
        PodFiles.WriteManifest(pod, new Dictionary<string, object> { ["version"] = 2, ["containers"] = Array.Empty<object>() });
        Assert.Equal($"{pod}: checkpoint-manifest.json lists 0 containers (1 to 1024 are allowed)", CliRunner.AssertError(CliRunner.Run("show", pod)));

        // Generation 1: hostile directory names, generation 0, a missing container directory.
        var crio = PodFiles.CrioPod(first);
        foreach (var (options, error) in new[]
                 {
                     ("""{"version":1,"containers":{"x":"../escape"}}""", "pod.options: unsafe directory name for container x: \"../escape\""),
                     ("""{"version":1,"containers":{"x":"/abs"}}""", "pod.options: unsafe directory name for container x: \"/abs\""),
                     ("""{"version":1,"containers":{"x":"a/b"}}""", "pod.options: unsafe directory name for container x: \"a/b\""),
                     ("""{"version":1,"containers":{"x":"."}}""", "pod.options: unsafe directory name for container x: \".\""),
                     ("""{"version":1,"containers":["k8s_x_pod_ns_uid_0"]}""", "unsupported legacy pod checkpoint (generation 0: pod.options lists its containers in an array)"),
                     ("""{"version":1,"containers":{}}""", "pod.options lists no containers"),
                     ("""{"version":1,"containers":{"x":"missing"}}""", "checkpoint directory is missing in the archive file: <POD> (container x, directory missing)"),
                 })
        {
            var files = crio.Where(f => f.Name != "pod.options").Append(("pod.options", System.Text.Encoding.UTF8.GetBytes(options))).ToList();
            var tar = PodFiles.WriteTar(files, Path.Combine(dir.Path, "bad.tar"), dotSlash: true);
            var expected = error.StartsWith("checkpoint", StringComparison.Ordinal) ? error.Replace("<POD>", tar, StringComparison.Ordinal) : $"{tar}: {error}";
            Assert.Equal(expected, CliRunner.AssertError(CliRunner.Run("inspect", tar)));
        }
        var badJson = crio.Where(f => f.Name != "pod.options").Append(("pod.options", System.Text.Encoding.UTF8.GetBytes("""{"version":"1"}"""))).ToList();
        Assert.Equal("failed to unmarshal pod.options: json: cannot unmarshal string into Go struct field CheckpointedPodOptions.version of type int",
            CliRunner.AssertError(CliRunner.Run("show", PodFiles.WriteTar(badJson, Path.Combine(dir.Path, "bad.tar"), dotSlash: true))));

        // A container directory that is a link, in an unpacked pod.
        var unpacked = PodFiles.WriteDirectory(crio, Path.Combine(dir.Path, "unpacked"));
        var containerDir = Directory.GetDirectories(unpacked).Single();
        Directory.Move(containerDir, Path.Combine(dir.Path, "elsewhere"));
        Directory.CreateSymbolicLink(containerDir, Path.Combine(dir.Path, "elsewhere"));
        Assert.Equal($"{unpacked}: directory {Path.GetFileName(containerDir)} of container {first.Name} is a symbolic link", CliRunner.AssertError(CliRunner.Run("show", unpacked)));

        // Containers without pod.options, and a generation-2 directory packed in a tar.
        var nested = PodFiles.WriteTar(crio.Where(f => f.Name != "pod.options").ToList(), Path.Combine(dir.Path, "nested.tar"), dotSlash: true);
        Assert.Equal($"checkpoint directory is missing in the archive file: {nested} (its directories {Path.GetFileName(containerDir)} hold checkpoints, but there is no pod.options)",
            CliRunner.AssertError(CliRunner.Run("show", nested)));
        var packed = PodFiles.WriteTar([("checkpoint-manifest.json", "{}"u8.ToArray())], Path.Combine(dir.Path, "packed.tar"), dotSlash: false);
        Assert.Equal($"{packed}: a pod checkpoint directory (checkpoint-manifest.json) inside an archive is not supported; unpack it and give the directory",
            CliRunner.AssertError(CliRunner.Run("show", packed)));
    }

    [Fact]
    public void A_manifest_archive_that_is_a_containerd_checkpoint_image_reads_as_that_image()
    {
        using var dir = new ScratchDir();
        var pod = Path.Combine(dir.Path, "pod");
        Directory.CreateDirectory(pod);
        var image = Path.Combine(TestPaths.Fixtures, "images", "containerd", "fx-ckpt-ctr.tar");
        const string id = "0d1f9e6b2a5c4e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7";
        File.Copy(image, Path.Combine(pod, PodFiles.ArchiveName(id)));
        PodFiles.WriteManifest(pod, new Dictionary<string, object>
        {
            ["version"] = 2, ["sandboxId"] = PodFiles.SandboxId,
            ["containers"] = new[] { new Dictionary<string, string> { ["name"] = "fx-ckpt-ctr", ["id"] = id, ["archive"] = PodFiles.ArchiveName(id) } },
        });
        var member = Path.Combine(pod, PodFiles.ArchiveName(id));
        foreach (string[] args in (string[][])[["inspect", "--all"], ["inspect", "--format", "json"], ["memparse"], ["memparse", "--pid", "1", "-s", "counter"]])
        {
            var expected = Normalized(CliRunner.Run([args[0], image, .. args[1..]]), image);
            Assert.Equal(0, expected.ExitCode);
            Assert.Equal(expected, Normalized(Normalized(CliRunner.Run([args[0], pod, "--container", "fx-ckpt-ctr", .. args[1..]]), member), pod));
        }
        Assert.Contains("└── Containers: 1\n", CliRunner.Run("inspect", pod).Stdout);
    }

    [Theory]
    [InlineData("crio-tar")]
    [InlineData("containerd-tar.gz")]
    public void A_pod_image_holds_the_pod_in_its_layer(string packaging)
    {
        // CRI-O #9758 pushes a pod checkpoint as an image whose one layer is the generation-1 layout; build makes the same.
        using var dir = new ScratchDir();
        var (pod, containers) = Build(dir.Path, packaging);
        var image = Path.Combine(dir.Path, "pod.oci.tar");
        Assert.Equal(0, CliRunner.Run("build", pod, "localhost/demo-pod:checkpoint", "-o", image).ExitCode);
        foreach (var (files, pid, original) in containers)
        {
            var p = pid.ToString(System.Globalization.CultureInfo.InvariantCulture);
            foreach (string[] args in (string[][])[["inspect", "--all"], ["memparse"], ["memparse", "--pid", p, "-s", "PATH="]])
            {
                var expected = Normalized(CliRunner.Run([args[0], original, .. args[1..]]), original);
                var actual = Normalized(CliRunner.Run([args[0], image, "--container", files.Name, .. args[1..]]), image);
                // inspect names the image it read the checkpoint from; the container's own tree is the same.
                Assert.Equal(expected.Stdout, args[0] == "inspect" ? WithoutImageNode(actual.Stdout) : actual.Stdout);
            }
        }
        Assert.Contains("Containers: 2", CliRunner.Run("inspect", image).Stdout);
    }

    // The "Checkpoint image" node inspect adds for a checkpoint read from an image.
    private static string WithoutImageNode(string tree)
    {
        var lines = tree.Split('\n').ToList();
        var start = lines.FindIndex(l => l.StartsWith("├── Checkpoint image", StringComparison.Ordinal));
        if (start < 0)
            return tree;
        var end = start + 1;
        while (end < lines.Count && lines[end].StartsWith("│   ", StringComparison.Ordinal))
            end++;
        lines.RemoveRange(start, end - start);
        return string.Join('\n', lines);
    }

    [Fact]
    public void Container_selection_errors()
    {
        using var dir = new ScratchDir();
        var (pod, containers) = Build(dir.Path, "crio-tar");
        var names = string.Join(", ", containers.Select(c => c.Files.Name));
        Assert.Equal($"no container nope in pod checkpoint {pod} (containers: {names})", CliRunner.AssertError(CliRunner.Run("inspect", pod, "--container", "nope")));
        Assert.Equal($"pod checkpoint {pod} has 2 containers ({names}); select one with --container",
            CliRunner.AssertError(CliRunner.Run("memparse", pod, "--pid", "1")));
        Assert.Equal($"pod checkpoint {pod} has 2 containers ({names}); select one with --container",
            CliRunner.AssertError(CliRunner.Run("memparse", pod, "--pid", "1", "-s", "x", "--container", $"{containers[0].Files.Name},{containers[1].Files.Name}")));
        // Flags are checked before the pod is opened.
        Assert.Equal("flag needs an argument: --container", CliRunner.AssertError(CliRunner.Run("inspect", pod, "--container")));
        // Two selected containers: the pod view with those two; a container checkpoint ignores the selection.
        Assert.Contains("└── Containers: 2\n", CliRunner.Run("inspect", pod, "--container", containers[1].Files.Name, "--container", containers[0].Files.Id).Stdout);
        Assert.Equal(CliRunner.Run("inspect", containers[0].Original).Stdout, CliRunner.Run("inspect", containers[0].Original, "--container", "nope").Stdout);
    }

    [Fact]
    public void Diff_pairs_the_containers_of_two_pods_by_name()
    {
        using var dir = new ScratchDir();
        var (pod, containers) = Build(dir.Path, "crio-tar");
        var (first, own) = (containers[0].Files, containers[0].Original);
        var third = first.Renamed("piggie-three", "2d4c6e8f00112233445566778899aabbccddeeff00112233445566778899aabb");
        var podB = PodFiles.WriteTar(PodFiles.CrioPod(first, third), Path.Combine(dir.Path, "pod-b.tar"), dotSlash: true);

        var single = CliRunner.Run("diff", own, own, "--files", "--sockets").Stdout;
        Assert.Equal($"Pod checkpoint diff (pod {PodFiles.PodName}): 1 container in both\nOnly in checkpoint A: {containers[1].Files.Name}\nOnly in checkpoint B: piggie-three\n\n{single}",
            CliRunner.Run("diff", pod, podB, "--files", "--sockets").Stdout);
        var json = JsonNode.Parse(CliRunner.Run("diff", pod, podB, "--format", "json").Stdout)!;
        Assert.Equal(PodFiles.PodName, (string?)json["pod_name"]);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(CliRunner.Run("diff", own, own, "--format", "json").Stdout), json["containers"]![0]));
        Assert.Equal(containers[1].Files.Name, (string?)json["only_in_a"]![0]);
        Assert.Equal("piggie-three", (string?)json["only_in_b"]![0]);

        // One container selected on each side, or a pod against a container archive: that container's diff.
        Assert.Equal(single, CliRunner.Run("diff", pod, podB, "--container", first.Name, "--files", "--sockets").Stdout);
        Assert.Equal(single, CliRunner.Run("diff", pod, own, "--container", first.Name, "--files", "--sockets").Stdout);
        Assert.Equal($"failed to load checkpointA: pod checkpoint {pod} has 2 containers ({first.Name}, {containers[1].Files.Name}); select one with --container",
            CliRunner.AssertError(CliRunner.Run("diff", pod, own)));
    }

    [Fact]
    public void List_shows_each_container_of_pod_checkpoints()
    {
        using var dir = new ScratchDir();
        var (gen2, containers) = Build(dir.Path, "gen2-v1");
        var (gen1, crio) = Build(dir.Path, "crio-tar");
        File.Move(gen1, Path.Combine(dir.Path, "checkpoint-demo-pod_default.tar"));
        var list = CliRunner.Run("list", dir.Path);
        Assert.Equal("", list.Stderr);
        var rows = list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(3).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        string[][] expected =
        [
            [PodFiles.Namespace, PodFiles.PodName, containers[0].Files.Name, "containerd", Path.GetFileName(gen2)],
            [PodFiles.Namespace, PodFiles.PodName, containers[1].Files.Name, "containerd", Path.GetFileName(gen2)],
            [PodFiles.Namespace, PodFiles.PodName, crio[0].Files.Name, "CRI-O", "checkpoint-demo-pod_default.tar"],
            [PodFiles.Namespace, PodFiles.PodName, crio[1].Files.Name, "CRI-O", "checkpoint-demo-pod_default.tar"],
        ];
        Assert.Equal(expected, rows.Select(r => (string[])[.. r[..4], r[^1]]).ToArray());
    }

    [Theory]
    [InlineData("crio-tar")]
    [InlineData("containerd-tar.gz")]
    [InlineData("gen2-v1")]
    public void Build_makes_an_image_of_a_pod(string packaging)
    {
        using var dir = new ScratchDir();
        var (pod, _) = Build(dir.Path, packaging);
        var output = Path.Combine(dir.Path, "image.oci.tar");
        var result = CliRunner.Run("build", pod, "localhost/demo-pod:latest", "-o", output);
        Assert.Equal(0, result.ExitCode);
        // CRI-O's pod images carry the pod's org.criu.checkpoint.* annotations; without them, the pod's own fields.
        var engine = packaging.StartsWith("crio", StringComparison.Ordinal) ? "cri-o" : "containerd";
        Assert.Contains($"Added annotation: org.criu.checkpoint.engine.name={engine}\n", result.Stdout);
        if (packaging.StartsWith("crio", StringComparison.Ordinal))
            Assert.Contains($"Added annotation: org.criu.checkpoint.pod.uid={PodFiles.Uid}\n", result.Stdout);
        if (packaging.StartsWith("gen2", StringComparison.Ordinal))
            Assert.Contains($"Added annotation: org.criu.checkpoint.pod.name={PodFiles.PodName}\n", result.Stdout);
        // An archive becomes the layer byte for byte.
        if (!Directory.Exists(pod))
        {
            var digest = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(pod)));
            using var reader = new System.Formats.Tar.TarReader(File.OpenRead(output));
            var names = new List<string>();
            while (reader.GetNextEntry() is { } entry)
                names.Add(entry.Name);
            Assert.Contains($"blobs/sha256/{digest}", names);
        }
    }

    private static void WriteManifest(string pod, params (ContainerFiles Files, string Archive)[] containers) =>
        WriteManifest(pod, containers.Select(c => (c.Files, c.Archive, (long?)null, (string?)null)).ToArray());

    private static void WriteManifest(string pod, params (ContainerFiles Files, string Archive, long? Size, string? Digest)[] containers) =>
        PodFiles.WriteManifest(pod, new Dictionary<string, object>
        {
            ["version"] = 1,
            ["sandboxId"] = PodFiles.SandboxId,
            ["containers"] = containers.Select(c =>
            {
                var entry = new Dictionary<string, object> { ["name"] = c.Files.Name, ["id"] = c.Files.Id, ["archive"] = c.Archive };
                if (c.Size is { } size)
                    entry["size"] = size;
                if (c.Digest is { } digest)
                    entry["sha256"] = digest;
                return entry;
            }).ToArray(),
        });

    private static List<string> Flatten(ProcessView root) =>
        [$"{root.Pid} {root.Command} {root.Cmdline} {string.Join(',', root.Environment ?? [])}", .. root.Children.SelectMany(Flatten)];

    private static CliResult Normalized(CliResult result, string path) =>
        result with { Stdout = result.Stdout.Replace(path, "<CHECKPOINT>", StringComparison.Ordinal), Stderr = result.Stderr.Replace(path, "<CHECKPOINT>", StringComparison.Ordinal) };
}
