using System.Formats.Tar;
using System.Text;
using System.Text.Json.Nodes;
using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Criu.Images;
using Checkpointctl.Core.Model;

namespace Checkpointctl.Tests;

/// <summary>
/// <c>coredump</c>: every core written from the shared fixtures is parsed by the tests' own ELF reader and checked
/// against the images (forensics.md §1.18 (a)): program headers per mapping, the offset chain, the notes and their
/// sizes, the file length; the memory against the raw pages files and crit's pagemaps; the same bytes from every shape.
/// </summary>
public class CoreDumpTests
{
    private const int Page = 4096;
    private const uint StatusGuard = 0x10000, StatusFilePrivate = 0x40, StatusFileShared = 0x80, StatusAnonShared = 0x100,
        StatusAnonPrivate = 0x200, StatusSysv = 0x400, StatusMemfd = 0x4000, StatusSocket = 0x800;

    public static TheoryData<string> Checkpoints()
    {
        var data = new TheoryData<string>();
        foreach (var dump in new[] { "piggie", "py-tree", "shell-loop" })
            data.Add(TestPaths.Criu(dump));
        foreach (var archive in TestPaths.AllArchives())
            data.Add(archive);
        return data;
    }

    [Theory]
    [MemberData(nameof(Checkpoints))]
    public void EveryCoreOfEveryFixtureIsWellFormed(string checkpoint)
    {
        using var dir = new ScratchDir();
        var result = CliRunner.Run("coredump", checkpoint, "-o", dir.Path);
        Assert.True(result.ExitCode == 0, result.Stderr);
        using var archive = OpenImages(checkpoint);
        var images = new CriuImages(archive);
        var tree = ProcessTree.Build(images).DepthFirst().ToList();
        var expected = tree.Where(n => n.HasImages).Select(n => $"core.{n.Pid}").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(expected, Directory.GetFiles(dir.Path).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray());
        foreach (var node in tree.Where(n => n.HasImages))
        {
            AssertStructure(ElfCoreFile.Read(Path.Combine(dir.Path, $"core.{node.Pid}")), images, node);
            Assert.Contains($"Wrote {Path.Combine(dir.Path, $"core.{node.Pid}")} for process ID {node.Pid} ({node.Comm}): ", result.Stdout);
        }
        foreach (var node in tree.Where(n => !n.HasImages))
            Assert.Contains($"Skipped process ID {node.Pid} ({node.Comm}): task state is zombie or dead, no memory to dump\n", result.Stdout);
    }

    [Theory]
    [InlineData("shell-loop")]
    [InlineData("py-tree")]
    [InlineData("piggie")]
    public void MemoryIsTheDumpedPagesAndZerosElsewhere(string dump)
    {
        using var dir = new ScratchDir();
        var fixture = TestPaths.Criu(dump);
        Assert.Equal(0, CliRunner.Run("coredump", fixture, "-o", dir.Path).ExitCode);
        foreach (var core in Directory.GetFiles(dir.Path))
        {
            var pid = uint.Parse(Path.GetFileName(core)["core.".Length..]);
            var (pages, zeros) = AssertMemory(ElfCoreFile.Read(core), fixture, pid);
            Assert.True(pages > 10, $"{core}: only {pages} dumped pages compared");
            Assert.True(zeros > 0, $"{core}: no undumped anonymous page compared");
        }
    }

    [Fact]
    public void SharedMemoryOfAMemfdIsInEveryProcessThatMapsIt()
    {
        using var dir = new ScratchDir();
        var fixture = TestPaths.Criu("py-tree");
        Assert.Equal(0, CliRunner.Run("coredump", fixture, "-o", dir.Path).ExitCode);
        var shmem = Json($"{fixture}.crit/pagemap-shmem-394.img.decode.json")["entries"]!.AsArray();
        var pages = File.ReadAllBytes(Path.Combine(fixture, $"pages-{shmem[0]!["pages_id"]}.img"));
        foreach (var pid in new[] { 7032u, 7035u, 7036u })
        {
            var vma = Vmas(fixture, pid).Single(v => ((uint)v!["status"]! & StatusMemfd) != 0)!;
            var core = ElfCoreFile.Read(Path.Combine(dir.Path, $"core.{pid}"));
            var start = (ulong)vma["start"]!;
            Assert.Equal(pages.AsSpan(0, Page).ToArray(), core.Memory(start, Page));
            Assert.Equal(new byte[Page], core.Memory(start + Page, Page));
            var files = FileNoteEntries(core.Note(0x46494C45));
            Assert.Contains((start, (ulong)vma["end"]!, 0UL, "/dev/zero (deleted)"), files);
        }
    }

    [Fact]
    public void ArgumentsAndNotesAreTheKernelsNotCriusCoredumps()
    {
        using var dir = new ScratchDir();
        Assert.Equal(0, CliRunner.Run("coredump", TestPaths.Criu("shell-loop"), "-o", dir.Path, "--pid", "6580").ExitCode);
        Assert.Equal(["core.6580"], Directory.GetFiles(dir.Path).Select(f => Path.GetFileName(f)).ToArray());
        var core = ElfCoreFile.Read(Path.Combine(dir.Path, "core.6580"));
        var info = core.Note(3).Desc;
        Assert.Equal("sh", Encoding.ASCII.GetString(info, 40, 16).TrimEnd('\0'));
        // At most 79 bytes of the arguments, NULs as spaces, NUL-terminated (the kernel's pr_psargs).
        Assert.Equal("/bin/sh -c while true; do date >> shell-loop.log; sleep 1; done \0",
            Encoding.ASCII.GetString(info, 56, 80)[..65]);
        // AUXV: correct pairs up to AT_NULL (CRIU's coredump shifted them), ending with one (0, 0) pair.
        var auxv = core.Note(6).Desc;
        Assert.Equal((33UL, 140053889781760UL), Pair(auxv, 0));
        Assert.Equal((51UL, 3376UL), Pair(auxv, 1));
        Assert.Equal((3UL, 93910409539648UL), Pair(auxv, 5));
        Assert.Equal((0UL, 0UL), Pair(auxv, auxv.Length / 16 - 1));
        Assert.Equal(23, auxv.Length / 16);
        // XCR0 at 464 (CRIU left 0, and gdb warned), xstate_bv within it.
        var xstate = core.Note(0x202).Desc;
        Assert.Equal(7UL, ElfCoreFile.U64(xstate, 464));
        Assert.Equal(0UL, ElfCoreFile.U64(xstate, 512) & ~7UL);
        // The syscall restart state as compel left it: rax == orig_rax == wait4.
        var status = core.Note(1).Desc;
        Assert.Equal(61UL, ElfCoreFile.U64(status, 112 + 8 * 10));
        Assert.Equal(61UL, ElfCoreFile.U64(status, 112 + 8 * 15));
        Assert.Equal(0x7f60d6478bd1UL, ElfCoreFile.U64(status, 112 + 8 * 16));
        Assert.Equal(1, BitConverter.ToInt32(status, 328));
        var files = FileNoteEntries(core.Note(0x46494C45));
        Assert.Equal(15, files.Count);
        Assert.Equal((0x55693899f000UL, 0x5569389a3000UL, 0UL, "/usr/bin/dash"), files[0]);
        Assert.Contains((0x7f60d63cb000UL, 0x7f60d6521000UL, 0x26UL, "/usr/lib/x86_64-linux-gnu/libc.so.6"), files);
    }

    /// <summary>The same checkpoint as a directory, a plain tar, gzip and zstd tars, and a tar whose pages come first.</summary>
    [Fact]
    public void EveryShapeOfOneCheckpointGivesTheSameBytes()
    {
        using var dir = new ScratchDir();
        var fixture = TestPaths.Criu("py-tree");
        var images = Directory.GetFiles(fixture).Where(f => f.EndsWith(".img", StringComparison.Ordinal))
            .Select(f => (Name: Path.GetFileName(f), Data: File.ReadAllBytes(f))).OrderBy(i => i.Name, StringComparer.Ordinal).ToList();
        TestArchive Archive(IEnumerable<(string Name, byte[] Data)> members)
        {
            var archive = new TestArchive().File("config.dump", TestArchive.Config).File("spec.dump", TestArchive.Spec).Directory("checkpoint/");
            foreach (var (name, data) in members)
                archive.File("checkpoint/" + name, data);
            return archive;
        }
        var sorted = Archive(images);
        var shapes = new Dictionary<string, string>
        {
            ["dir"] = fixture,
            ["tar"] = sorted.WriteTo(dir.Path, "c.tar"),
            ["gz"] = sorted.WriteTo(dir.Path, "c.tar.gz", TestArchive.Gzip),
            ["zst"] = sorted.WriteTo(dir.Path, "c.tar.zst", TestArchive.Zstd),
            // Pages before every other image: a streamed pass cannot know whose they are, so a second pass reads them.
            ["pages-first.zst"] = Archive(images.OrderBy(i => i.Name.StartsWith("pages-", StringComparison.Ordinal) ? 0 : 1))
                .WriteTo(dir.Path, "p.tar.zst", TestArchive.Zstd),
        };
        string? reference = null;
        foreach (var (shape, path) in shapes)
        {
            var output = Directory.CreateDirectory(Path.Combine(dir.Path, "out-" + shape)).FullName;
            var result = CliRunner.Run("coredump", path, "-o", output);
            Assert.True(result.ExitCode == 0, $"{shape}: {result.Stderr}");
            Assert.Equal(3, Directory.GetFiles(output).Length);
            if (reference == null)
            {
                reference = output;
                continue;
            }
            foreach (var core in Directory.GetFiles(reference))
                Assert.True(File.ReadAllBytes(core).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(output, Path.GetFileName(core)))), $"{shape}: {Path.GetFileName(core)} differs");
        }
    }

    /// <summary>Stale images of an earlier checkpoint (pid 20) name the same pages as a live process (pid 22).</summary>
    [Fact]
    public void StaleImagesNamingTheSamePagesDoNotMixIntoCores()
    {
        using var dir = new ScratchDir();
        var zst = TestPaths.Archive("simple-final.tar.zst");
        var tar = Path.Combine(dir.Path, "final.tar");
        using (var input = new ZstdSharp.DecompressionStream(File.OpenRead(zst)))
        using (var output = File.Create(tar))
            input.CopyTo(output);
        var fromZst = Directory.CreateDirectory(Path.Combine(dir.Path, "zst")).FullName;
        var fromTar = Directory.CreateDirectory(Path.Combine(dir.Path, "tar")).FullName;
        Assert.Equal(0, CliRunner.Run("coredump", zst, "-o", fromZst).ExitCode);
        Assert.Equal(0, CliRunner.Run("coredump", tar, "-o", fromTar).ExitCode);
        Assert.Equal(["core.1", "core.22"], Directory.GetFiles(fromZst).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray());
        foreach (var name in new[] { "core.1", "core.22" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(fromTar, name)), File.ReadAllBytes(Path.Combine(fromZst, name)));
    }

    [Fact]
    public void AZombieIsSkippedOrRefusedAndAMissingImageIsNamed()
    {
        using var dir = new ScratchDir();
        var piggie = TestPaths.Criu("piggie");
        Assert.Equal("process 6 has no memory pages (task state is zombie or dead)",
            CliRunner.AssertError(CliRunner.Run("coredump", piggie, "-o", dir.Path, "-p", "1,6")));
        Assert.Equal("no process with PID 66 (use `inspect --ps-tree` to view all PIDs)",
            CliRunner.AssertError(CliRunner.Run("coredump", piggie, "-o", dir.Path, "--pid", "66")));
        Assert.Empty(dir.Files());

        var copy = Directory.CreateDirectory(Path.Combine(dir.Path, "dump")).FullName;
        foreach (var f in Directory.GetFiles(TestPaths.Criu("shell-loop")).Where(f => !f.EndsWith("pages-2.img", StringComparison.Ordinal)))
            File.Copy(f, Path.Combine(copy, Path.GetFileName(f)));
        var output = Directory.CreateDirectory(Path.Combine(dir.Path, "out")).FullName;
        Assert.Equal("error opening binary file: open checkpoint/pages-2.img: no such file or directory",
            CliRunner.AssertError(CliRunner.Run("coredump", copy, "-o", output)));
        File.Delete(Path.Combine(copy, "mm-6616.img"));
        Assert.Equal("error opening binary file: open checkpoint/mm-6616.img: no such file or directory",
            CliRunner.AssertError(CliRunner.Run("coredump", copy, "-o", output, "-p", "6616")));
        Assert.Empty(Directory.GetFiles(output));
    }

    [Theory]
    [InlineData(new[] { "-p", "x" }, "invalid argument \"x\" for \"-p, --pid\" flag: strconv.ParseUint: parsing \"x\": invalid syntax")]
    [InlineData(new[] { "--pid", "1,4294967296" }, "invalid argument \"1,4294967296\" for \"-p, --pid\" flag: strconv.ParseUint: parsing \"4294967296\": value out of range")]
    [InlineData(new[] { "-o", "/no/such/dir" }, "stat /no/such/dir: no such file or directory")]
    [InlineData(new[] { "--rootfs", "/no/such/dir" }, "stat /no/such/dir: no such file or directory")]
    [InlineData(new[] { "--rootfs", "/etc/hostname" }, "/etc/hostname: not a directory")]
    public void FlagsAreCheckedBeforeTheCheckpointIsOpened(string[] flags, string message)
    {
        Assert.Equal(message, CliRunner.AssertError(CliRunner.Run(["coredump", "/no/such/checkpoint", .. flags])));
    }

    [Fact]
    public void ALinkWhereACoreGoesIsRefusedAndNothingIsWritten()
    {
        using var dir = new ScratchDir();
        var target = Path.Combine(dir.Path, "target");
        File.WriteAllText(target, "keep");
        File.CreateSymbolicLink(Path.Combine(dir.Path, "core.6616"), target);
        Assert.Equal($"refusing to write to {dir.Path}/core.6616: it is a symbolic link",
            CliRunner.AssertError(CliRunner.Run("coredump", TestPaths.Criu("shell-loop"), "-o", dir.Path)));
        Assert.Equal([Path.Combine(dir.Path, "core.6616"), target], dir.Files());
        Assert.Equal("keep", File.ReadAllText(target));
    }

    internal static CheckpointArchive OpenImages(string checkpoint) => CheckpointArchive.Open(checkpoint, new ArchiveRequest
    {
        Hold = [.. CriuImages.ProcessTreeImages, .. CriuImages.MemoryMapImages, .. CriuImages.FileImages, ArchiveLayout.Image("memfd.img")],
    });

    /// <summary>§1.2–§1.13: headers, one PT_LOAD per mapping in image order, the offset chain, the notes and their sizes.</summary>
    internal static void AssertStructure(ElfCoreFile core, CriuImages images, ProcessNode node)
    {
        var vmas = images.Vmas(node.Pid).Where(v => (v.Status & StatusGuard) == 0 && v.Start < v.End).ToList();
        Assert.Equal((ushort)4, core.Type);
        Assert.Equal((ushort)62, core.Machine);
        Assert.Equal(1 + vmas.Count, core.Segments.Count);
        Assert.Equal(4u, core.Segments[0].Type);
        var loads = core.Segments.Skip(1).ToList();
        var offset = (ulong)(64 + 56 * core.Segments.Count + Page - 1) / Page * Page;
        for (var i = 0; i < vmas.Count; i++)
        {
            var (load, vma) = (loads[i], vmas[i]);
            Assert.Equal(1u, load.Type);
            Assert.Equal(vma.Start, load.Vaddr);
            Assert.Equal(vma.End - vma.Start, load.MemSize);
            Assert.Equal(((vma.Prot & 1) != 0 ? 4u : 0) | ((vma.Prot & 2) != 0 ? 2u : 0) | ((vma.Prot & 4) != 0 ? 1u : 0), load.Flags);
            Assert.Equal((ulong)Page, load.Align);
            Assert.True(load.FileSize % Page == 0 && load.FileSize <= load.MemSize, $"mapping {i}: file size {load.FileSize}");
            Assert.Equal(offset, load.Offset);
            offset += load.FileSize;
        }
        var notes = core.Segments[0];
        Assert.Equal(offset, notes.Offset);
        Assert.Equal((ulong)core.Bytes.Length, notes.Offset + notes.FileSize);
        Assert.Equal((0UL, 0UL), (notes.Vaddr, notes.MemSize));

        // PRPSINFO, then PRSTATUS, FPREGSET, SIGINFO, X86_XSTATE per thread (leader first), then AUXV and FILE.
        var threads = new[] { node.Pid }.Concat(node.Threads.Where(t => t != node.Pid)).ToList();
        var expected = new List<(string, uint, int)> { ("CORE", 3, 136) };
        foreach (var _ in threads)
            expected.AddRange([("CORE", 1, 336), ("CORE", 2, 512), ("CORE", 0x53494749, 128), ("LINUX", 0x202, 832)]);
        var n = core.Notes;
        Assert.Equal(expected.Count + 2, n.Count);
        Assert.Equal(expected, n.Take(expected.Count).Select(x => (x.Owner, x.Type, x.Desc.Length)).ToList());
        Assert.All(n, x => Assert.Equal((uint)x.Owner.Length + 1, x.NameSize));
        Assert.Equal(threads, n.Where(x => x.Type == 1).Select(x => ElfCoreFile.U32(x.Desc, 32)).ToList());
        Assert.All(n.Where(x => x.Type == 0x202), x => Assert.Equal(7UL, ElfCoreFile.U64(x.Desc, 464)));
        var info = n[0].Desc;
        Assert.Equal((node.Pid, node.Ppid, node.Pgid, node.Sid), (ElfCoreFile.U32(info, 24), ElfCoreFile.U32(info, 28), ElfCoreFile.U32(info, 32), ElfCoreFile.U32(info, 36)));
        Assert.Equal(node.Comm, Encoding.UTF8.GetString(info, 40, 16).TrimEnd('\0'));
        var auxv = n[^2];
        Assert.Equal((6u, "CORE"), (auxv.Type, auxv.Owner));
        Assert.True(auxv.Desc.Length % 16 == 0 && auxv.Desc.Length >= 16);
        Assert.Equal((0UL, 0UL), Pair(auxv.Desc, auxv.Desc.Length / 16 - 1));
        Assert.All(Enumerable.Range(0, auxv.Desc.Length / 16 - 1), i => Assert.NotEqual(0UL, Pair(auxv.Desc, i).Type));

        // NT_FILE: every file, memfd, anonymous shared or SysV mapping, named; the descriptor ends at the last NUL.
        Assert.Equal((0x46494C45u, "CORE"), (n[^1].Type, n[^1].Owner));
        var files = FileNoteEntries(n[^1]);
        var named = vmas.Where(v => (v.Status & StatusSocket) == 0
                                    && (v.Status & (StatusFilePrivate | StatusFileShared | StatusAnonShared | StatusSysv | StatusMemfd)) != 0).ToList();
        Assert.Equal(named.Select(v => (v.Start, v.End, v.Pgoff / Page)), files.Select(f => (f.Start, f.End, f.Offset)));
        var table = images.Files();
        foreach (var (vma, file) in named.Zip(files))
        {
            if (table[(uint)vma.Shmid].Reg is { } reg && (vma.Status & StatusMemfd) == 0)
                Assert.Equal(reg.Name, file.Name);
        }
    }

    /// <summary>Dumped pages (crit's pagemap, the raw pages file) where the core holds them; zeros in never-dumped anonymous memory.</summary>
    private static (int Pages, int Zeros) AssertMemory(ElfCoreFile core, string fixture, uint pid)
    {
        var entries = Json($"{fixture}.crit/pagemap-{pid}.img.decode.json")["entries"]!.AsArray();
        var pages = File.ReadAllBytes(Path.Combine(fixture, $"pages-{entries[0]!["pages_id"]}.img"));
        var dumped = new HashSet<ulong>();
        long offset = 0;
        var compared = 0;
        foreach (var e in entries.Skip(1))
        {
            var (vaddr, count, flags) = ((ulong)e!["vaddr"]!, (long)e["nr_pages"]!, (uint)e["flags"]!);
            for (var k = 0L; k < count; k++)
            {
                var address = vaddr + (ulong)(k * Page);
                dumped.Add(address);
                if ((flags & 4) == 0 || !Holds(core, address))
                    continue;
                Assert.True(pages.AsSpan((int)(offset + k * Page), Page).SequenceEqual(core.Memory(address, Page)), $"page 0x{address:x}");
                compared++;
            }
            if ((flags & 4) != 0)
                offset += count * Page;
        }
        var zeros = 0;
        foreach (var vma in Vmas(fixture, pid).Select(v => v!).Where(v => (uint)v["status"]! == (StatusAnonPrivate | 1) && (uint)v["prot"]! != 0))
        {
            for (var address = (ulong)vma["start"]!; address < (ulong)vma["end"]!; address += Page)
            {
                if (dumped.Contains(address))
                    continue;
                Assert.Equal(new byte[Page], core.Memory(address, Page));
                zeros++;
            }
        }
        return (compared, zeros);
    }

    private static bool Holds(ElfCoreFile core, ulong address) =>
        core.Loads.Any(s => address >= s.Vaddr && address + Page <= s.Vaddr + s.FileSize);

    private static JsonArray Vmas(string fixture, uint pid) =>
        Json($"{fixture}.crit/mm-{pid}.img.decode.json")["entries"]![0]!["vmas"]!.AsArray();

    private static JsonNode Json(string path) => JsonNode.Parse(File.ReadAllText(path))!;

    internal static (ulong Type, ulong Value) Pair(byte[] auxv, int i) => (ElfCoreFile.U64(auxv, 16 * i), ElfCoreFile.U64(auxv, 16 * i + 8));

    /// <summary>NT_FILE: count, page size, (start, end, offset in pages) triples, then exactly one NUL-terminated name each.</summary>
    internal static List<(ulong Start, ulong End, ulong Offset, string Name)> FileNoteEntries(ElfNote note)
    {
        var d = note.Desc;
        var count = (int)ElfCoreFile.U64(d, 0);
        Assert.Equal((ulong)Page, ElfCoreFile.U64(d, 8));
        var names = Encoding.UTF8.GetString(d, 16 + 24 * count, d.Length - 16 - 24 * count);
        Assert.EndsWith("\0", names);
        var list = names[..^1].Split('\0');
        Assert.Equal(count, count == 0 ? 0 : list.Length);
        return [.. Enumerable.Range(0, count).Select(i => (ElfCoreFile.U64(d, 16 + 24 * i), ElfCoreFile.U64(d, 24 + 24 * i), ElfCoreFile.U64(d, 32 + 24 * i), list[i]))];
    }
}
