using Checkpointctl.Core.Analysis.CoreDump;
using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Criu;
using Checkpointctl.Core.Criu.Images;

namespace Checkpointctl.Tests;

/// <summary>
/// <c>coredump</c> from every shape of memory the page source serves: LZ4-compressed pages, incremental chains (CRIU
/// parent links, Podman's pre-checkpoint with <c>--parent</c>) and unseekable streams, each giving the same bytes as
/// the plain dump; a streamed archive is read in one pass.
/// </summary>
public class CoreDumpShapesTests
{
    // The fixture with a mapped run of zero, random and text pages, so compressed dumps have every kind of block.
    private static readonly Lazy<DumpFiles> Piggie = new(() => Mapped(DumpFiles.FromArchive(TestPaths.Wrapped("piggie-podman.tar")).WithMixedRun(1), 1));

    [Theory]
    [InlineData(0, "tar")]
    [InlineData(0, "tar.zst")]
    [InlineData(64, "tar.gz")]
    [InlineData(4, "dir")]
    public void CompressedPagesGiveTheSameCores(int regionPages, string container)
    {
        using var dir = new ScratchDir();
        var compressed = Piggie.Value.Compress(regionPages);
        Assert.True(compressed.Blocks is { Zero: > 0, Raw: > 0, Lz4: > 0 }, compressed.Blocks.ToString());
        var path = container == "dir" ? compressed.WriteDirectory(dir.Path, "c")
            : compressed.WriteArchive(dir.Path, "c." + container, container == "tar.gz" ? TestArchive.Gzip : container == "tar.zst" ? TestArchive.Zstd : null);
        AssertSameCores(Cores(Piggie.Value.WriteArchive(dir.Path, "o.tar"), dir.Path, "original"), Cores(path, dir.Path, "compressed"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ParentLinksOfCriuDirectoriesGiveTheSameCores(bool compressedParent)
    {
        using var dir = new ScratchDir();
        var original = Piggie.Value.WriteCriuDirectory(dir.Path, "original");
        var oldest = Piggie.Value.OnePageRuns().MemoryOnly();
        (compressedParent ? oldest.Compress(4) : oldest).WriteCriuDirectory(dir.Path, "dump1");
        var newest = Piggie.Value.Incremental(p => p % 3 == 0).WriteCriuDirectory(dir.Path, "dump2");
        File.CreateSymbolicLink(Path.Combine(newest, "parent"), "../dump1");
        AssertSameCores(Cores(original, dir.Path, "original"), Cores(newest, dir.Path, "chain"));
    }

    [Fact]
    public void PodmanPreCheckpointGivenWithParentGivesTheSameCores()
    {
        using var dir = new ScratchDir();
        var full = Piggie.Value.Incremental(p => p % 3 == 0)
            .WriteArchive(dir.Path, "full.tar.zst", TestArchive.Zstd, [("checkpoint/parent", "../pre-checkpoint")]);
        var pre = Piggie.Value.OnePageRuns().MemoryOnly().Under("pre-checkpoint/").WriteArchive(dir.Path, "dump1.tar.gz", TestArchive.Gzip);
        var missing = CliRunner.AssertError(CliRunner.Run("coredump", full, "-o", dir.Path));
        Assert.Contains("the parent image set is not in the archive, nor beside it as ", missing);
        Assert.EndsWith("(give it with --parent)", missing);
        AssertSameCores(Cores(Piggie.Value.WriteArchive(dir.Path, "o.tar"), dir.Path, "original"), Cores(full, dir.Path, "pair", "--parent", pre));
    }

    /// <summary>
    /// Shared memory pages an incremental dump left in its parent (CRIU's <c>pagemap-shmem-&lt;id&gt;.img</c> of the parent
    /// image set, criu/shmem.c) are read from there like a process's own: py-tree's memfd page lands in all three cores.
    /// </summary>
    [Theory]
    [InlineData("dir")]
    [InlineData("tar")]
    [InlineData("tar.zst")]
    [InlineData("pair")]
    [InlineData("compressed parent")]
    public void SharedMemoryPagesInAParentAreReadFromIt(string shape)
    {
        using var dir = new ScratchDir();
        var dump = DumpFiles.FromCriuDirectory(TestPaths.Criu("py-tree"));
        // Odd pages stay in the dump, even ones (the memfd's page 0 among them) go to the parent.
        var newest = dump.Incremental(p => p % 2 == 1);
        var oldest = dump.OnePageRuns().MemoryOnly();
        var (_, shmemRuns) = DumpFiles.ReadPagemap(newest[SharedPagemap]);
        Assert.Equal((uint)PageFlags.Parent, shmemRuns.Single(e => e.Vaddr == 0).Flags);
        Assert.DoesNotContain(shmemRuns, DumpFiles.IsPresent);
        string chain;
        string[] extra = [];
        (string, string)[] link = [("checkpoint/parent", "../pre-checkpoint")];
        switch (shape)
        {
            case "dir":
                oldest.WriteCriuDirectory(dir.Path, "dump1");
                chain = newest.WriteCriuDirectory(dir.Path, "dump2");
                File.CreateSymbolicLink(Path.Combine(chain, "parent"), "../dump1");
                break;
            case "pair":
            case "compressed parent":
                chain = newest.WriteArchive(dir.Path, "full.tar.zst", TestArchive.Zstd, link);
                var pre = (shape == "pair" ? oldest : oldest.Compress(4)).Under("pre-checkpoint/");
                extra = ["--parent", pre.WriteArchive(dir.Path, "pre.tar.gz", TestArchive.Gzip)];
                break;
            default:
                var bundle = newest.Clone();
                bundle.Files.AddRange(oldest.Under("pre-checkpoint/").Files);
                chain = bundle.WriteArchive(dir.Path, "bundle." + shape, shape == "tar.zst" ? TestArchive.Zstd : null, link);
                break;
        }
        var expected = Cores(TestPaths.Criu("py-tree"), dir.Path, "original");
        var actual = Cores(chain, dir.Path, "chain", extra);
        AssertSameCores(expected, actual, 3);
        // The memfd's page (mm-7032.img maps it at 7f93073dd000) is not all zeros: it came from the parent, not a hole.
        var core = ElfCoreFile.Read(Path.Combine(actual, "core.7032"));
        Assert.Contains(core.Memory(0x7f93073dd000, DumpFiles.Page), b => b != 0);
    }

    private const string SharedPagemap = "pagemap-shmem-394.img";

    /// <summary>A sorted streamed archive is read once, every core written as its pages go by.</summary>
    [Fact]
    public void UnseekableStreamIsReadInOnePass()
    {
        using var dir = new ScratchDir();
        var zst = Piggie.Value.WriteArchive(dir.Path, "c.tar.zst", TestArchive.Zstd);
        var passes = 0;
        var input = new CheckpointInput(zst, () => { passes++; return new NonSeekableStream(File.OpenRead(zst)); });
        var output = Directory.CreateDirectory(Path.Combine(dir.Path, "streamed")).FullName;
        using (var files = new DirectoryCores(output))
        {
            var report = CoreDumper.Run(input, new CoreDumpOptions(), files);
            Assert.Equal([1u, 4, 9, 5, 7, 8], report.Cores.Select(c => c.Pid).ToArray());
            Assert.Equal(6u, Assert.Single(report.Skipped).Pid);
        }
        Assert.Equal(1, passes);
        AssertSameCores(Cores(Piggie.Value.WriteArchive(dir.Path, "o.tar"), dir.Path, "original"), output);
    }

    // An anonymous mapping over the process's last pagemap run (a core holds only mapped memory).
    private static DumpFiles Mapped(DumpFiles dump, uint pid)
    {
        var (_, entries) = DumpFiles.ReadPagemap(dump[$"pagemap-{pid}.img"]);
        var run = entries[^1];
        var mm = MmEntry.Parser.ParseFrom(Frames(dump[$"mm-{pid}.img"]));
        mm.Vmas.Add(new VmaEntry { Start = run.Vaddr, End = run.Vaddr + DumpFiles.Pages(run) * 4096, Prot = 3, Flags = 0x22, Status = 0x201, Fd = -1 });
        dump[$"mm-{pid}.img"] = SyntheticCheckpoint.Frame(CriuMagic.Mm, mm);
        return dump;
    }

    // The one entry of a single-entry image.
    private static byte[] Frames(byte[] image) => image.AsSpan(12, BitConverter.ToInt32(image, 8)).ToArray();

    private static string Cores(string checkpoint, string dir, string name, params string[] extra)
    {
        var output = Directory.CreateDirectory(Path.Combine(dir, "cores-" + name)).FullName;
        var result = CliRunner.Run(["coredump", checkpoint, "-o", output, .. extra]);
        Assert.True(result.ExitCode == 0, result.Stderr);
        return output;
    }

    private static void AssertSameCores(string expected, string actual, int count = 6)
    {
        var names = Directory.GetFiles(expected).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(count, names.Length);
        Assert.Equal(names, Directory.GetFiles(actual).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray());
        foreach (var name in names)
            Assert.True(File.ReadAllBytes(Path.Combine(expected, name)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(actual, name))), $"{name} differs");
    }

    /// <summary>Cores as plain files of a directory (what the CLI does atomically).</summary>
    private sealed class DirectoryCores(string dir) : ICoreFiles, IDisposable
    {
        private readonly Dictionary<uint, FileStream> _open = [];

        public Stream Create(uint pid) => _open[pid] = File.Create(Path.Combine(dir, $"core.{pid}"));

        public void Commit(uint pid)
        {
            _open[pid].Dispose();
            _open.Remove(pid);
        }

        public void Discard(uint pid)
        {
            _open[pid].Dispose();
            _open.Remove(pid);
            File.Delete(Path.Combine(dir, $"core.{pid}"));
        }

        public void Dispose()
        {
            foreach (var s in _open.Values)
                s.Dispose();
        }
    }
}
