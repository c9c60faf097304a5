using System.Text.Json;
using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Criu.Images;
using Google.Protobuf;

namespace Checkpointctl.Tests;

/// <summary>
/// GPU checkpoints (checkpoint-shapes.md §6), built from fixture copies by adding the plugin images and inventory
/// entries the doc describes: the plugin list, AMD GPU images sized by kind, the GPUs of the KFD state, CUDA, in
/// inspect (tree, JSON) and show; damaged plugin images are errors; checkpoints without GPU state print as upstream.
/// </summary>
public class GpuTests
{
    private const uint GpuId = 0xc8f4;
    private const string Fixture = "piggie-podman.tar";

    /// <summary>The AMD GPU plugin's images of one process (file id 12) with one GPU, as §6.2 lays them out.</summary>
    private static List<(string Name, byte[] Data)> AmdImages()
    {
        var kfd = new CriuKfd { Pid = 1 };
        kfd.DeviceEntries.Add(new KfdDeviceEntry { GpuId = GpuId, VendorId = 0x1002, DeviceId = 0x744c, DrmRenderMinor = 128, VramSize = 24UL << 30 });
        kfd.BoEntries.Add(new KfdBoEntry { Size = 8192, GpuId = GpuId });
        kfd.BoEntries.Add(new KfdBoEntry { Size = 4096, GpuId = GpuId });
        // Fields this reader does not declare (num_of_gpus, field 2; priv_data, field 10) must not matter.
        byte[] undeclared = [0x10, 0x01, 0x52, 0x03, 0xaa, 0xbb, 0xcc];
        return
        [
            ("amdgpu-kfd-12.img", Plugin([.. kfd.ToByteArray(), .. undeclared])),
            ("amdgpu-pages-12-c8f4.img", Plugin(new byte[12288])),
            ("amdgpu-renderD-13.img", Plugin([0x08, 0xf4, 0x91, 0x03, 0x10, 0x0d, 0x18, 0x80, 0x01])),
            ("amdgpu-drm-pages-13-128-0000.img", Plugin(new byte[4096])),
            ("amdgpu-drm-pages-13-128-0001.img", Plugin(new byte[4096])),
            ("amdgpu-dmabuf_14.img", Plugin([0x08, 0x05])),
        ];
    }

    /// <summary>A plugin image: the 8-byte payload length, then the payload (§6.2).</summary>
    private static byte[] Plugin(byte[] payload) => [.. BitConverter.GetBytes((ulong)payload.Length), .. payload];

    /// <summary>
    /// A copy of a fixture with the inventory's plugin list set (null: no plugins entry, as before CRIU 4.1) and the
    /// images added below <c>checkpoint/</c>, in the fixture's compression.
    /// </summary>
    private static string GpuCheckpoint(string dir, string fixture, string[]? plugins, IEnumerable<(string Name, byte[] Data)> images)
    {
        var path = Path.Combine(dir, fixture);
        TestArchive.Rewrite(TestPaths.ArchiveByName(fixture), path, (name, data) =>
        {
            if (name != ArchiveLayout.Image("inventory.img"))
                return [(name, data)];
            var inventory = LegacyImageEncoder.Entries(data, 0x58313116, InventoryEntry.Parser).Single();
            inventory.PluginsEntry = plugins == null ? null : new PluginsEntry { Plugins = { plugins } };
            return [(name, [.. BitConverter.GetBytes(0x58313116u), .. BitConverter.GetBytes(inventory.CalculateSize()), .. inventory.ToByteArray()]),
                    .. images.Select(i => (ArchiveLayout.Image(i.Name), i.Data))];
        }, keepCheckpointSize: false);
        return path;
    }

    private static string Run(params string[] args)
    {
        var result = CliRunner.Run(args);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("", result.Stderr);
        return result.Stdout;
    }

    /// <summary>The tree without the glyphs in front of each line.</summary>
    private static string Stripped(string tree) => string.Join('\n', tree.Split('\n').Select(l => l.TrimStart(' ', '│', '├', '└', '─')));

    private static string Normalized(string output, string path) => output.Replace(Path.GetDirectoryName(path)!, "<DIR>", StringComparison.Ordinal);

    // --- AMD GPU ---------------------------------------------------------------------------------------------------

    [Fact]
    public void Amd_gpu_checkpoint_inspect_all_tree()
    {
        using var dir = new ScratchDir();
        var path = GpuCheckpoint(dir.Path, Fixture, ["amdgpu_plugin"], AmdImages());
        var output = Normalized(Run("inspect", path, "--all"), path);
        GoldenFile.Assert(output, "gpu/amd-inspect-all.txt");

        const string block = """
            ├── Checkpoint size: 861.6 KiB
            │   ├── Memory pages size: 656.0 KiB
            │   └── AMD GPU memory pages size: 12.0 KiB
            ├── Root FS diff size: 10.0 KiB
            ├── GPU
            │   ├── CRIU plugins: amdgpu_plugin
            │   ├── AMD GPU images: 20.1 KiB
            │   │   ├── KFD state: 1 file, 61 B
            │   │   ├── Render node state: 1 file, 17 B
            │   │   ├── Memory pages: 1 file, 12.0 KiB
            │   │   ├── DRM memory pages: 2 files, 8.0 KiB
            │   │   └── DMA-BUF state: 1 file, 10 B
            │   └── AMD GPUs
            │       └── [0xc8f4]  PID 1, device 1002:744c, render node 128, VRAM 24.0 GiB, 2 buffer objects (12.0 KiB)
            ├── CRIU dump statistics
            """;
        Assert.Contains(block, output);
        // Apart from the sizes and the GPU node, the output is the original's.
        var original = Normalized(Run("inspect", TestPaths.Wrapped(Fixture), "--all"), TestPaths.Wrapped(Fixture));
        Assert.Equal(WithoutSizesAndGpu(original), WithoutSizesAndGpu(output));
    }

    // The tree without the checkpoint size lines and the GPU node.
    private static string WithoutSizesAndGpu(string tree)
    {
        var lines = tree.Split('\n').ToList();
        var gpu = lines.FindIndex(l => l == "├── GPU");
        if (gpu >= 0)
            lines.RemoveRange(gpu, lines.FindIndex(gpu + 1, l => !l.StartsWith("│ ", StringComparison.Ordinal)) - gpu);
        return string.Join('\n', lines.Where(l => !l.Contains(" size: ", StringComparison.Ordinal)));
    }

    [Fact]
    public void Amd_gpu_checkpoint_inspect_json()
    {
        using var dir = new ScratchDir();
        var path = GpuCheckpoint(dir.Path, Fixture, ["amdgpu_plugin"], AmdImages());
        var output = Normalized(Run("inspect", path, "--all", "--format", "json"), path);
        GoldenFile.Assert(output, "gpu/amd-inspect-all.json");

        using var doc = JsonDocument.Parse(output);
        var json = doc.RootElement[0];
        Assert.Equal(12288 + 8, json.GetProperty("checkpoint_size").GetProperty("amd_gpu_memory_pages_size").GetInt64());
        Assert.Equal("""{"plugins":["amdgpu_plugin"],"amd_gpu_images":[{"kind":"kfd","files":1,"size":61},{"kind":"render_node","files":1,"size":17},{"kind":"pages","files":1,"size":12296},{"kind":"drm_pages","files":2,"size":8208},{"kind":"dmabuf","files":1,"size":10}],"amd_gpus":[{"pid":1,"gpu_id":51444,"vendor_id":4098,"device_id":29772,"render_minor":128,"vram_size":25769803776,"buffer_objects":2,"buffer_objects_size":12288}]}""",
            JsonSerializer.Serialize(json.GetProperty("gpu")));
        // The new field follows checkpoint_size; upstream's fields keep their places.
        var names = json.EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(names.IndexOf("checkpoint_size") + 1, names.IndexOf("gpu"));
    }

    [Theory]
    [InlineData("piggie-podman.tar")]
    [InlineData("simple-zstd.tar.zst")]
    [InlineData("pytree-containerd.tar.gz")]
    public void Plugin_images_are_read_in_every_compression(string fixture)
    {
        using var dir = new ScratchDir();
        var path = GpuCheckpoint(dir.Path, fixture, ["amdgpu_plugin"], AmdImages());
        var tree = Stripped(Run("inspect", path));
        Assert.Contains("\nDRM memory pages: 2 files, 8.0 KiB\n", tree);
        Assert.Contains("\n[0xc8f4]  PID 1, device 1002:744c, render node 128, VRAM 24.0 GiB, 2 buffer objects (12.0 KiB)\n", tree);
    }

    [Fact]
    public void Plugin_images_are_read_from_an_unpacked_checkpoint()
    {
        using var dir = new ScratchDir();
        var archive = GpuCheckpoint(dir.Path, Fixture, ["amdgpu_plugin"], AmdImages());
        var unpacked = Directory.CreateDirectory(Path.Combine(dir.Path, "unpacked")).FullName;
        System.Formats.Tar.TarFile.ExtractToDirectory(archive, unpacked, overwriteFiles: false);
        Assert.Equal(Stripped(Run("inspect", archive, "--format", "json")).Replace(archive, "PATH", StringComparison.Ordinal),
            Stripped(Run("inspect", unpacked, "--format", "json")).Replace(unpacked, "PATH", StringComparison.Ordinal));
        File.WriteAllBytes(Path.Combine(unpacked, "checkpoint", "amdgpu-dmabuf_14.img"), [2, 0, 0, 0, 0, 0, 0, 0, 8]);
        Assert.Equal("failed to get GPU state: amdgpu-dmabuf_14.img: size header says 2 bytes, the image holds 1",
            CliRunner.AssertError(CliRunner.Run("inspect", unpacked)));
    }

    [Fact]
    public void Amd_images_without_a_plugin_list_are_shown()
    {
        using var dir = new ScratchDir();
        var path = GpuCheckpoint(dir.Path, Fixture, null, AmdImages());
        var tree = Stripped(Run("inspect", path));
        Assert.Contains("\nGPU\nCRIU plugins: not recorded (CRIU before 4.1)\nAMD GPU images: 20.1 KiB\n", tree);
        using var doc = JsonDocument.Parse(Run("inspect", path, "--format", "json"));
        Assert.False(doc.RootElement[0].GetProperty("gpu").TryGetProperty("plugins", out _));
    }

    // --- CUDA ------------------------------------------------------------------------------------------------------

    [Fact]
    public void Cuda_checkpoint_is_flagged()
    {
        using var dir = new ScratchDir();
        var path = GpuCheckpoint(dir.Path, Fixture, ["cuda_plugin"], []);
        var tree = Run("inspect", path);
        Assert.EndsWith("└── GPU\n    ├── CRIU plugins: cuda_plugin\n    └── CUDA: device state is in the process memory pages\n\n", tree);
        using var doc = JsonDocument.Parse(Run("inspect", path, "--format", "json"));
        Assert.Equal("""{"plugins":["cuda_plugin"],"cuda":true}""", JsonSerializer.Serialize(doc.RootElement[0].GetProperty("gpu")));
        Assert.Contains("   cuda_plugin\n", Run("show", path));
    }

    [Fact]
    public void Amd_and_cuda_together()
    {
        using var dir = new ScratchDir();
        var path = GpuCheckpoint(dir.Path, Fixture, ["amdgpu_plugin", "cuda_plugin"], AmdImages());
        var tree = Stripped(Run("inspect", path));
        Assert.Contains("\nCRIU plugins: amdgpu_plugin, cuda_plugin\n", tree);
        Assert.EndsWith("\nCUDA: device state is in the process memory pages\n\n", tree);
        Assert.Contains("   amdgpu_plugin (20.1 KiB), cuda_plugin\n", Run("show", path));
    }

    // --- show ------------------------------------------------------------------------------------------------------

    [Fact]
    public void Show_adds_a_gpu_column_only_for_gpu_checkpoints()
    {
        using var dir = new ScratchDir();
        var gpu = GpuCheckpoint(dir.Path, Fixture, ["amdgpu_plugin"], AmdImages());
        var plain = TestPaths.Archive("simple-none.tar");
        var output = Normalized(Run("show", gpu, plain), gpu).Replace(Path.GetDirectoryName(plain)!, "<FIXDIR>", StringComparison.Ordinal);
        GoldenFile.Assert(output, "gpu/show-amd-and-plain.txt");
        var lines = output.Split('\n');
        Assert.EndsWith("   ROOT FS DIFF SIZE   GPU", lines[0]);
        Assert.EndsWith("   amdgpu_plugin (20.1 KiB)", lines[2]);
        Assert.EndsWith("   -", lines[3]);

        // Without GPU state the table is upstream's.
        Assert.Equal(File.ReadAllText(TestPaths.UpstreamOutput("simple-none.tar", "show.out")),
            Run("show", plain).Replace(Path.GetDirectoryName(plain)!, "<FIXDIR>", StringComparison.Ordinal));
    }

    [Fact]
    public void Empty_plugin_list_is_no_gpu_state()
    {
        // CRIU 4.2 writes an empty plugins entry for every ordinary dump (as the fixtures have).
        using var dir = new ScratchDir();
        var path = GpuCheckpoint(dir.Path, Fixture, [], []);
        var original = TestPaths.Wrapped(Fixture);
        Assert.Equal(Normalized(Run("inspect", original, "--all"), original), Normalized(Run("inspect", path, "--all"), path));
        Assert.DoesNotContain("GPU", Run("show", path));
    }

    // --- damage ----------------------------------------------------------------------------------------------------

    public static TheoryData<string, string> DamagedImages() => new()
    {
        { "amdgpu-pages-12-c8f4.img", "size header says 12288 bytes, the image holds 12287" },
        { "amdgpu-drm-pages-13-128-0001.img", "size header says 4096 bytes, the image holds 4095" },
        { "amdgpu-renderD-13.img", "size header says 9 bytes, the image holds 8" },
        { "amdgpu-kfd-12.img", "size header says 53 bytes, the image holds 52" },
    };

    [Theory]
    [MemberData(nameof(DamagedImages))]
    public void Truncated_plugin_image_is_an_error(string image, string message)
    {
        using var dir = new ScratchDir();
        foreach (var fixture in (string[])[Fixture, "simple-zstd.tar.zst"])
        {
            var path = GpuCheckpoint(dir.Path, fixture, ["amdgpu_plugin"], AmdImages().Select(i => i.Name == image ? (i.Name, i.Data[..^1]) : i));
            Assert.Equal($"failed to get GPU state: {image}: {message}", CliRunner.AssertError(CliRunner.Run("inspect", path)));
        }
    }

    [Fact]
    public void Plugin_image_shorter_than_its_header_is_an_error()
    {
        using var dir = new ScratchDir();
        var path = GpuCheckpoint(dir.Path, Fixture, ["amdgpu_plugin"], [("amdgpu-pages-12-c8f4.img", [1, 2, 3])]);
        Assert.Equal("failed to get GPU state: amdgpu-pages-12-c8f4.img: image is too short to hold its 8-byte size (3 bytes)",
            CliRunner.AssertError(CliRunner.Run("inspect", path)));
    }

    [Fact]
    public void Kfd_image_with_a_broken_message_is_an_error()
    {
        using var dir = new ScratchDir();
        var path = GpuCheckpoint(dir.Path, Fixture, ["amdgpu_plugin"], [("amdgpu-kfd-12.img", Plugin([0x22, 0x40, 0x01]))]);
        Assert.StartsWith("failed to get GPU state: amdgpu-kfd-12.img: invalid protobuf message: ",
            CliRunner.AssertError(CliRunner.Run("inspect", path)));
    }
}
