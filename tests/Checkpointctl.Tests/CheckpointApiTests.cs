using Checkpointctl.Core;
using Checkpointctl.Core.Analysis;
using Checkpointctl.Core.Api;
using Checkpointctl.Core.Criu;
using Checkpointctl.Core.Model;

namespace Checkpointctl.Tests;

/// <summary>
/// The library's facade (<see cref="Checkpoint"/>): every shape opens to the same containers and processes the CLI
/// shows, memory reads give the bytes a full scan delivers, searches the matches of <c>memparse --search</c>.
/// </summary>
public sealed class CheckpointApiTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ckpt-api-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    public static TheoryData<string> Shapes() => new("simple-zstd.tar.zst", "simple-gzip.tar.gz", "simple-none.tar", "directory", "oci-archive", "oci-dir", "docker-archive");

    [Theory]
    [MemberData(nameof(Shapes))]
    public void EveryShapeOpensToTheProcessesInspectShows(string shape)
    {
        var checkpoint = Checkpoint.Open(Input(shape));
        var container = Assert.Single(checkpoint.Containers);
        Assert.Same(container, checkpoint.Container);
        Assert.Null(checkpoint.Pod);
        Assert.Equal("fx-simple", container.Name);
        Assert.Equal("Podman", container.Info.EngineName);
        Assert.Equal(shape.StartsWith("oci", StringComparison.Ordinal) || shape == "docker-archive", container.Image != null);
        Assert.Equal([1u, 20u], checkpoint.Processes.Select(p => p.Pid));
        var shell = checkpoint.Processes[0];
        Assert.Equal((0u, "sh", TaskState.Alive), (shell.ParentPid, shell.Command, shell.State));
        Assert.Equal([20u], shell.ChildPids);
        Assert.StartsWith("sh -c i=0; while true; do", shell.CommandLine);
        Assert.Equal(["REG 0", "PIPE 1", "PIPE 2", "cwd", "root"], shell.Files.Select(f => f.FdLabel));
        Assert.Contains(shell.Environment, e => e.Key == "PATH");
        Assert.Equal(18UL, shell.MemoryMap!.DumpedPages);
        Assert.Equal("sleep 1", checkpoint.Processes[1].CommandLine);
    }

    [Fact]
    public void WithoutCommandLinesNoPageIsRead()
    {
        // The unpacked fixture has no pages files: only what the small images say can be read.
        var path = TestPaths.Archive("simple-none.tar.extracted");
        Assert.Contains("pages-1.img", Assert.ThrowsAny<CheckpointException>(() => Checkpoint.Open(path)).Message);
        var checkpoint = Checkpoint.Open(path, commandLines: false);
        Assert.Equal([1u, 20u], checkpoint.Processes.Select(p => p.Pid));
        Assert.All(checkpoint.Processes, p => Assert.Equal(("", 0, 5), (p.CommandLine, p.Environment.Count, p.Files.Count)));
        Assert.Equal(18UL, checkpoint.Processes[0].MemoryMap!.DumpedPages);
    }

    [Fact]
    public void ProcessesAreThoseOfInspectWithSocketsAndDeadOnes()
    {
        var path = TestPaths.Wrapped("piggie-podman.tar");
        var checkpoint = Checkpoint.Open(path);
        var inspection = Inspection.Read(path, new InspectOptions { All = true, MemoryMap = true });
        var tree = Flatten(inspection.ProcessTree!).ToList();
        Assert.Equal(tree.Select(p => (p.Pid, p.Ppid, p.Command, p.State)), checkpoint.Processes.Select(p => (p.Pid, p.ParentPid, p.Command, p.State)));
        Assert.Equal(3, inspection.Sockets!.Sum(s => s.Sockets.Count));
        foreach (var (pid, sockets) in inspection.Sockets!)
            Assert.Equal(sockets, checkpoint.Processes.Single(p => p.Pid == pid).Sockets);
        Assert.Equal(inspection.Files!.SelectMany(f => f.Files).Count(), checkpoint.Processes.Sum(p => p.Files.Count));
        var zombie = checkpoint.Processes.Single(p => p.Command == "piggie-zombie");
        Assert.Equal((TaskState.Dead, "", 0, null), (zombie.State, zombie.CommandLine, zombie.Files.Count, zombie.MemoryMap));
        Assert.Contains(checkpoint.Processes, p => p.Sockets.Any(s => s.State == "ESTABLISHED" && s.SourcePort == 5000));
    }

    [Fact]
    public void ReadMemoryGivesTheBytesOfAFullScanAndZerosForPagesNotHeld()
    {
        var path = TestPaths.Archive("simple-zstd.tar.zst");
        var checkpoint = Checkpoint.Open(path);
        var all = new Collect();
        MemoryScan.Run(path, 1, all);
        var heap = checkpoint.Processes[0].MemoryMap!.Mappings.Single(m => m.Name == "[heap]");
        // Every dumped range, a range across a run's end into pages not held, and bytes off page boundaries.
        var (start, data) = all.Ranges[0];
        foreach (var (address, length) in new[] { (start, data.Length), (start + 3, 100), (start + (ulong)data.Length - 10, 30), (heap.Start, (int)(heap.End - heap.Start)) })
        {
            var buffer = new byte[length];
            buffer.AsSpan().Fill(0xAA);
            var held = checkpoint.ReadMemory(1, address, buffer);
            var expected = new byte[length];
            long expectedHeld = 0;
            foreach (var (rangeStart, bytes) in all.Ranges)
            {
                var from = Math.Max(rangeStart, address);
                var to = Math.Min(rangeStart + (ulong)bytes.Length, address + (ulong)length);
                if (from >= to)
                    continue;
                bytes.AsSpan((int)(from - rangeStart), (int)(to - from)).CopyTo(expected.AsSpan((int)(from - address)));
                expectedHeld += (long)(to - from);
            }
            Assert.Equal(expected, buffer);
            Assert.Equal(expectedHeld, held);
            Assert.True(held > 0);
        }
        Assert.Equal(0, checkpoint.ReadMemory(1, 0x1000, new byte[16]));
        Assert.Equal(0, checkpoint.ReadMemory(1, start, Span<byte>.Empty));
    }

    [Fact]
    public void SearchFindsWhatMemparseSearchFinds()
    {
        var path = TestPaths.Archive("simple-zstd.tar.zst");
        var matches = Checkpoint.Open(path).Search(1, "counter.log");
        var cli = CliRunner.Run("memparse", path, "--pid", "1", "--search", "counter.log");
        Assert.Equal(0, cli.ExitCode);
        Assert.Equal(4, matches.Count);
        foreach (var match in matches)
            Assert.Contains($"{match.Address:x}", cli.Stdout);
        var regex = Checkpoint.Open(path).Search(1, MemorySearch.ForRegex("counter\\.[a-z]+", 0));
        Assert.Equal(matches.Select(m => m.Address), regex.Select(m => m.Address));
    }

    [Fact]
    public void PodContainersAreReadEachWithTheirOwnMemory()
    {
        var piggie = ContainerFiles.FromArchive(TestPaths.Wrapped("piggie-crio.tar"), "piggie-ctr");
        var simple = ContainerFiles.FromArchive(TestPaths.Archive("simple-none.tar"), "simple-ctr");
        var pod = PodFiles.WriteTar(PodFiles.CrioPod(piggie, simple), Path.Combine(_dir, "pod.tar"), dotSlash: true);
        var checkpoint = Checkpoint.Open(pod);
        Assert.Equal(PodFiles.PodName, checkpoint.Pod!.Name);
        Assert.Equal(["piggie-ctr", "simple-ctr"], checkpoint.Containers.Select(c => c.Name));
        var error = Assert.ThrowsAny<CheckpointException>(() => checkpoint.Processes);
        Assert.Contains("has 2 containers (piggie-ctr, simple-ctr)", error.Message);
        var shell = checkpoint.Containers[1].Processes[0];
        Assert.Equal("sh", shell.Command);
        var vdso = shell.MemoryMap!.Mappings.Single(m => m.Name == "[vdso]");
        var header = new byte[4];
        Assert.Equal(4, checkpoint.Containers[1].ReadMemory(shell.Pid, vdso.Start, header));
        Assert.Equal("\u007fELF"u8.ToArray(), header);
        Assert.Empty(checkpoint.Containers[0].Search(1, "counter.log"));
        Assert.Equal(4, checkpoint.Containers[1].Search(1, "counter.log").Count);
    }

    [Fact]
    public void ErrorsAreCheckpointExceptionsWithUserMessages()
    {
        var missing = Assert.ThrowsAny<CheckpointException>(() => Checkpoint.Open(Path.Combine(_dir, "none.tar")));
        Assert.Equal($"stat {Path.Combine(_dir, "none.tar")}: no such file or directory", missing.Message);
        var damaged = Path.Combine(_dir, "damaged.tar.zst");
        var bytes = File.ReadAllBytes(TestPaths.Archive("simple-zstd.tar.zst"));
        File.WriteAllBytes(damaged, bytes[..(bytes.Length / 2)]);
        Assert.ThrowsAny<CheckpointException>(() => Checkpoint.Open(damaged));
        var checkpoint = Checkpoint.Open(TestPaths.Archive("simple-none.tar"));
        Assert.Contains("no process with PID 99", Assert.ThrowsAny<CheckpointException>(() => checkpoint.ReadMemory(99, 0, new byte[1])).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => checkpoint.ReadMemory(1, ulong.MaxValue, new byte[2]));
    }

    private string Input(string shape)
    {
        var archive = TestPaths.Archive("simple-none.tar");
        return shape switch
        {
            "oci-archive" => TestImages.ArchiveInLayer(archive, LayerCompression.Zstd, TestImages.PodmanAnnotations("fx-simple")).WriteOciArchive(Path.Combine(_dir, "image.tar")),
            "oci-dir" => TestImages.ArchiveInLayer(archive, LayerCompression.Gzip, TestImages.PodmanAnnotations("fx-simple")).WriteOciDirectory(Path.Combine(_dir, "image")),
            "docker-archive" => TestImages.ArchiveInLayer(archive, LayerCompression.None, TestImages.PodmanAnnotations("fx-simple")).WriteDockerArchive(Path.Combine(_dir, "docker.tar")),
            "directory" => Extract(archive, Path.Combine(_dir, "unpacked")),
            _ => TestPaths.Archive(shape),
        };
    }

    // An unpacked checkpoint directory, as `tar -x` leaves it.
    private static string Extract(string archive, string directory)
    {
        Directory.CreateDirectory(directory);
        System.Formats.Tar.TarFile.ExtractToDirectory(archive, directory, overwriteFiles: false);
        return directory;
    }

    private static IEnumerable<ProcessView> Flatten(ProcessView view) => view.Children.SelectMany(Flatten).Prepend(view);

    private sealed class Collect : IMemorySink
    {
        public List<(ulong Start, byte[] Data)> Ranges { get; } = [];

        public void Begin(Pagemap pagemap)
        {
        }

        public void Write(ulong address, ReadOnlySpan<byte> data)
        {
            if (Ranges.Count > 0 && Ranges[^1].Start + (ulong)Ranges[^1].Data.Length == address)
                Ranges[^1] = (Ranges[^1].Start, [.. Ranges[^1].Data, .. data]);
            else
                Ranges.Add((address, data.ToArray()));
        }

        public void End()
        {
        }
    }
}
