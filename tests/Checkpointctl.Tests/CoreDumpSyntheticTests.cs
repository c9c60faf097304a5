using System.Buffers.Binary;
using System.Text;
using Checkpointctl.Core.Criu;
using Checkpointctl.Core.Criu.Images;
using Google.Protobuf;

namespace Checkpointctl.Tests;

/// <summary>
/// <c>coredump</c> of CRIU images the tests build: aarch64 registers (taken from the images, never the host), every
/// kind of mapping (guard, [vvar], PROT_NONE, memfd shared and private, anonymous shared, SysV, file-backed), files
/// from <c>--rootfs</c> checked by size and build-id, and more mappings than e_phnum can count.
/// </summary>
public class CoreDumpSyntheticTests
{
    private const int Page = 4096;
    private const uint Memfd = 11, LibFile = 10, MemfdShmid = 500, AnonShmid = 600, SysvId = 700, SysvKey = 0xabcd;
    private const ulong Stack = 0x7ff000, ArgStart = Stack + 0x100;
    private static readonly byte[] BuildId = [.. Enumerable.Range(1, 20).Select(i => (byte)(i * 7))];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EveryKindOfMappingGetsItsContentsAndName(bool aarch64)
    {
        using var dir = new ScratchDir();
        var dump = Build(dir.Path, aarch64);
        var output = Directory.CreateDirectory(Path.Combine(dir.Path, "out")).FullName;
        var result = CliRunner.Run("coredump", dump, "-o", output);
        Assert.Equal($"Wrote {output}/core.1 for process ID 1 (app): 2 threads, 11 mappings, {Size(output)}\n" +
                     "  81000-83000 /usr/lib/libfake.so: 1 of 2 pages left as zeros (no --rootfs given)\n", result.Stdout);
        var core = ElfCoreFile.Read(Path.Combine(output, "core.1"));
        Assert.Equal(aarch64 ? (ushort)183 : (ushort)62, core.Machine);
        var loads = core.Loads.ToDictionary(l => l.Vaddr);
        Assert.Equal(11, loads.Count);
        Assert.Equal(0UL, loads[0x20000].FileSize);
        Assert.Equal(0UL, loads[0x30000].FileSize);
        Assert.Equal(0UL, loads[0x80000].FileSize);
        Assert.Equal(2UL * Page, loads[0x81000].FileSize);
        Assert.Equal(Text("ANON0"), core.Memory(0x10000, Page));
        Assert.Equal(new byte[Page], core.Memory(0x11000, Page));
        Assert.Equal(Text("SHM500-1"), core.Memory(0x40000, Page));
        Assert.Equal(new byte[Page], core.Memory(0x41000, Page));
        Assert.Equal(Text("SHM500-0"), core.Memory(0x50000, Page));
        Assert.Equal(Text("PRIVCOW"), core.Memory(0x51000, Page));
        Assert.Equal(Text("ANONSHARED"), core.Memory(0x60000, Page));
        Assert.Equal(Text("SYSV700"), core.Memory(0x70000, Page));
        Assert.Equal(new byte[Page], core.Memory(0x81000, Page));
        Assert.Equal(Text("COWDATA"), core.Memory(0x82000, Page));
        Assert.Equal(
        [
            (0x40000UL, 0x42000UL, 1UL, "/memfd:buf (deleted)"), (0x50000UL, 0x52000UL, 0UL, "/memfd:buf (deleted)"),
            (0x60000UL, 0x61000UL, 0UL, "/dev/zero (deleted)"), (0x70000UL, 0x71000UL, 0UL, "/SYSV0000abcd (deleted)"),
            (0x80000UL, 0x81000UL, 0UL, "/usr/lib/libfake.so"), (0x81000UL, 0x83000UL, 1UL, "/usr/lib/libfake.so"),
        ], CoreDumpTests.FileNoteEntries(core.Note(0x46494C45)));
        Assert.Equal("app --flag \0", Encoding.ASCII.GetString(core.Note(3).Desc, 56, 12));
        AssertThreadNotes(core, aarch64);
    }

    [Fact]
    public void FilesComeFromTheRootfsOnlyWhenTheyAreTheOnesMapped()
    {
        using var dir = new ScratchDir();
        var dump = Build(dir.Path, aarch64: false);
        var rootfs = Directory.CreateDirectory(Path.Combine(dir.Path, "rootfs", "usr", "lib")).Parent!.Parent!.FullName;
        var lib = Path.Combine(rootfs, "usr", "lib", "libfake.so");
        // /lib -> /usr/lib, absolute, resolved inside the rootfs; the mapped path goes through it.
        File.CreateSymbolicLink(Path.Combine(rootfs, "lib"), "/usr/lib");
        File.WriteAllBytes(lib, Library(BuildId));
        var output = Directory.CreateDirectory(Path.Combine(dir.Path, "out")).FullName;
        var result = CliRunner.Run("coredump", dump, "-o", output, "--rootfs", rootfs);
        Assert.Equal($"Wrote {output}/core.1 for process ID 1 (app): 2 threads, 11 mappings, {Size(output)}\n", result.Stdout);
        var core = ElfCoreFile.Read(Path.Combine(output, "core.1"));
        Assert.Equal(Library(BuildId).AsSpan(0, Page).ToArray(), core.Memory(0x80000, Page));
        Assert.Equal(Text("FILEPAGE1"), core.Memory(0x81000, Page));
        Assert.Equal(Text("COWDATA"), core.Memory(0x82000, Page));

        foreach (var (content, problem) in new[]
        {
            (Library([.. BuildId.Reverse()]), "/usr/lib/libfake.so has another build-id in the rootfs"),
            ([.. Library(BuildId), 0], $"/usr/lib/libfake.so is {2 * Page + 1} bytes in the rootfs, {2 * Page} in the checkpoint"),
        })
        {
            File.WriteAllBytes(lib, content);
            result = CliRunner.Run("coredump", dump, "-o", output, "--rootfs", rootfs);
            Assert.EndsWith($"  80000-81000 /usr/lib/libfake.so: ELF header page left out ({problem})\n" +
                            $"  81000-83000 /usr/lib/libfake.so: 1 of 2 pages left as zeros ({problem})\n", result.Stdout);
        }
        // A link leading out of the rootfs stays inside it: the host's file is never read.
        File.Delete(lib);
        File.CreateSymbolicLink(lib, "../../../../../../../../etc/hostname");
        result = CliRunner.Run("coredump", dump, "-o", output, "--rootfs", rootfs);
        Assert.Contains("/usr/lib/libfake.so not found in the rootfs)\n", result.Stdout);
    }

    [Fact]
    public void MoreMappingsThanEPhnumCountUseExtendedNumbering()
    {
        using var dir = new ScratchDir();
        const int count = 70_000;
        var vmas = Enumerable.Range(0, count).Select(i => new VmaEntry
        {
            Start = 0x1000_0000UL + (ulong)i * 2 * Page, End = 0x1000_0000UL + ((ulong)i * 2 + 1) * Page, Prot = 0, Flags = 0x22, Status = 0x201, Fd = -1,
        });
        var dump = Build(dir.Path, aarch64: false, extraVmas: vmas);
        var output = Directory.CreateDirectory(Path.Combine(dir.Path, "out")).FullName;
        Assert.Equal(0, CliRunner.Run("coredump", dump, "-o", output).ExitCode);
        var core = ElfCoreFile.Read(Path.Combine(output, "core.1"));
        Assert.Equal((ushort)0xFFFF, core.RawPhnum);
        Assert.Equal(1 + 11 + count, core.Segments.Count);
        Assert.Equal(64UL + 56UL * (ulong)core.Segments.Count, core.SectionHeaderOffset);
        Assert.Equal((ulong)(64 + 56 * core.Segments.Count + 64 + Page - 1) / Page * Page, core.Loads.First().Offset);
        Assert.Equal(Text("ANON0"), core.Memory(0x10000, Page));
    }

    [ToolTheory("eu-readelf")]
    [InlineData(false)]
    [InlineData(true)]
    public void ElfutilsDecodesTheNotesOfEitherArchitecture(bool aarch64)
    {
        using var dir = new ScratchDir();
        var output = Directory.CreateDirectory(Path.Combine(dir.Path, "out")).FullName;
        Assert.Equal(0, CliRunner.Run("coredump", Build(dir.Path, aarch64), "-o", output).ExitCode);
        var (code, text, errors) = Run("eu-readelf", ["-n", Path.Combine(output, "core.1")]);
        Assert.True(code == 0 && errors.Length == 0, errors);
        Assert.Contains(aarch64 ? "  LINUX                  8  ARM_TLS\n" : "  LINUX                832  X86_XSTATE\n", text);
        Assert.Contains(aarch64 ? "    pc: 0x0000000000400123" : "  rip:      0x0000000000400123", text);
        Assert.Contains("    6 files:\n", text);
    }

    /// <summary>
    /// gdb-multiarch reads the aarch64 core on any host: both threads, each thread's registers as the images recorded
    /// them, and memory equal to the dumped pages (private, memfd-shared at its offset, COW'ed file pages, arguments).
    /// </summary>
    [ToolFact("gdb-multiarch")]
    public void GdbMultiarchReadsTheAarch64Core()
    {
        using var dir = new ScratchDir();
        var output = Directory.CreateDirectory(Path.Combine(dir.Path, "out")).FullName;
        Assert.Equal(0, CliRunner.Run("coredump", Build(dir.Path, aarch64: true), "-o", output).ExitCode);
        string[] commands = ["show architecture", "info threads", "info registers", "p/x $v1.d.u", "thread 2", "info registers",
                             "x/s 0x10000", "x/s 0x40000", "x/s 0x50000", "x/s 0x51000", "x/s 0x82000", $"x/2gx 0x{ArgStart:x}"];
        var (code, text, errors) = Run("gdb-multiarch", ["-nx", "-batch", .. commands.SelectMany(c => new[] { "-ex", c }), "-c", Path.Combine(output, "core.1")]);
        Assert.True(code == 0, errors);
        Assert.Contains("(currently \"aarch64\")", text);
        Assert.Matches(@"\* 1 +LWP 1 +0x0000000000400123 in \?\? \(\)\n  2 +LWP 2 +0x0000000000400123 in \?\? \(\)\n", text);
        var registers = text.Split("[Switching to thread 2 (LWP 2)]");
        Assert.Equal(2, registers.Length);
        foreach (var (part, tid) in registers.Zip(new ulong[] { 1, 2 }))
        {
            for (var i = 0; i < 31; i++)
                Assert.Matches($@"\nx{i} +0x{tid * 100 + (ulong)i:x} +{tid * 100 + (ulong)i}\n", part);
            Assert.Matches(@"\nsp +0x7ff800 +0x7ff800\n", part);
            Assert.Matches(@"\npc +0x400123 +0x400123\n", part);
            Assert.Matches(@"\ncpsr +0x60000000 ", part);
            Assert.Matches(@"\nfpsr +0x11 ", part);
            Assert.Matches(@"\nfpcr +0x22 ", part);
            Assert.Matches($@"\ntpidr +0x{0x1000 + tid:x} ", part);
        }
        // The FP/SIMD registers: v1 is the second pair of the 64 recorded halves.
        Assert.Contains(" = {0x2, 0x3}\n", registers[0]);
        Assert.Contains("0x10000:\t\"ANON0\"\n", text);
        Assert.Contains("0x40000:\t\"SHM500-1\"\n", text);
        Assert.Contains("0x50000:\t\"SHM500-0\"\n", text);
        Assert.Contains("0x51000:\t\"PRIVCOW\"\n", text);
        Assert.Contains("0x82000:\t\"COWDATA\"\n", text);
        var args = "app\0--flag\0\0A=1\0"u8;
        Assert.Contains($"0x{ArgStart:x}:\t0x{BitConverter.ToUInt64(args):x16}\t0x{BitConverter.ToUInt64(args[8..]):x16}\n", text);
        // Only the files named in NT_FILE, which this host does not have, are warned about.
        Assert.All(errors.Split('\n').Where(l => l.Contains("warning", StringComparison.OrdinalIgnoreCase)),
            l => Assert.Matches("^warning: Can't open file /(memfd:buf|dev/zero|SYSV0000abcd|usr/lib/libfake.so).* during file-backed mapping note processing$", l));
    }

    // Registers as the images hold them, in the kernel's layouts of the image's architecture.
    private static void AssertThreadNotes(ElfCoreFile core, bool aarch64)
    {
        var status = core.Notes.Where(n => n.Type == 1).ToList();
        Assert.Equal([1u, 2u], status.Select(n => ElfCoreFile.U32(n.Desc, 32)).ToArray());
        foreach (var (note, tid) in status.Zip(new ulong[] { 1, 2 }))
        {
            var d = note.Desc;
            Assert.Equal(aarch64 ? 392 : 336, d.Length);
            if (aarch64)
            {
                Assert.Equal(Enumerable.Range(0, 31).Select(i => tid * 100 + (ulong)i), Enumerable.Range(0, 31).Select(i => ElfCoreFile.U64(d, 112 + 8 * i)));
                Assert.Equal((0x7ff800UL, 0x400123UL, 0x60000000UL), (ElfCoreFile.U64(d, 112 + 248), ElfCoreFile.U64(d, 112 + 256), ElfCoreFile.U64(d, 112 + 264)));
                Assert.Equal(1, BitConverter.ToInt32(d, 384));
            }
            else
            {
                Assert.Equal(tid * 100 + 10, ElfCoreFile.U64(d, 112 + 8 * 10));
                Assert.Equal(0x400123UL, ElfCoreFile.U64(d, 112 + 8 * 16));
                Assert.Equal(0x7ff800UL, ElfCoreFile.U64(d, 112 + 8 * 19));
                Assert.Equal(1, BitConverter.ToInt32(d, 328));
            }
        }
        var fp = core.Notes.Where(n => n.Type == 2).ToList();
        Assert.Equal(2, fp.Count);
        if (aarch64)
        {
            Assert.All(fp, n => Assert.Equal(528, n.Desc.Length));
            Assert.Equal((63UL, 0x11u, 0x22u), (ElfCoreFile.U64(fp[0].Desc, 8 * 63), ElfCoreFile.U32(fp[0].Desc, 512), ElfCoreFile.U32(fp[0].Desc, 516)));
            var tls = core.Notes.Where(n => n.Type == 0x401).ToList();
            Assert.Equal([0x1000UL + 1, 0x1000UL + 2], tls.Select(n => ElfCoreFile.U64(n.Desc, 0)).ToArray());
            Assert.All(tls, n => Assert.Equal(("LINUX", 8), (n.Owner, n.Desc.Length)));
            Assert.DoesNotContain(core.Notes, n => n.Type == 0x202);
        }
        else
        {
            Assert.All(fp, n => Assert.Equal(512, n.Desc.Length));
            Assert.Equal(0x1f80u, ElfCoreFile.U32(fp[0].Desc, 24));
            Assert.All(core.Notes.Where(n => n.Type == 0x202), n => Assert.Equal(7UL, ElfCoreFile.U64(n.Desc, 464)));
        }
    }

    // A bare CRIU image directory: process 1 ("app", threads 1 and 2) with one mapping of each kind.
    private static string Build(string dir, bool aarch64, IEnumerable<VmaEntry>? extraVmas = null)
    {
        var root = Directory.CreateDirectory(Path.Combine(dir, "dump")).FullName;
        void Image(string name, byte[] data) => File.WriteAllBytes(Path.Combine(root, name), data);
        byte[] Frame(uint magic, params IMessage[] entries) => SyntheticCheckpoint.Frame(magic, entries);

        Image("inventory.img", Frame(CriuMagic.Inventory, new InventoryEntry { ImgVersion = 2 }));
        Image("pstree.img", Frame(CriuMagic.Pstree, new PstreeEntry { Pid = 1, Ppid = 0, Pgid = 1, Sid = 1, Threads = { 1, 2 } }));
        Image("core-1.img", Frame(CriuMagic.Core, Core(1, aarch64, leader: true)));
        Image("core-2.img", Frame(CriuMagic.Core, Core(2, aarch64, leader: false)));
        VmaEntry Vma(ulong start, ulong end, uint prot, uint status, ulong shmid = 0, ulong pgoff = 0, uint flags = 0x22) =>
            new() { Start = start, End = end, Prot = prot, Status = status, Shmid = shmid, Pgoff = pgoff, Flags = flags, Fd = -1 };
        var mm = new MmEntry
        {
            MmArgStart = ArgStart, MmArgEnd = ArgStart + 11, MmEnvStart = ArgStart + 12, MmEnvEnd = ArgStart + 16,
            MmSavedAuxv = { 6, 4096, 9, 0x400000, 0, 0, 7, 7 },
            Vmas =
            {
                Vma(0x10000, 0x12000, 3, 0x201),
                Vma(0x20000, 0x21000, 1, 0x1201),
                Vma(0x30000, 0x31000, 0, 0x201),
                Vma(0x40000, 0x42000, 3, 0x4081, Memfd, 0x1000, 1),
                Vma(0x50000, 0x52000, 3, 0x4041, Memfd, 0, 2),
                Vma(0x60000, 0x61000, 3, 0x101, AnonShmid, 0, 0x21),
                Vma(0x70000, 0x71000, 3, 0x401, SysvId, 0, 1),
                Vma(0x80000, 0x81000, 1, 0x41, LibFile, 0, 2),
                Vma(0x81000, 0x83000, 3, 0x41, LibFile, 0x1000, 2),
                Vma(0x90000, 0x91000, 3, 0x201),
                Vma(Stack, Stack + Page, 3, 0x203),
            },
        };
        mm.Vmas.AddRange(extraVmas ?? []);
        mm.Vmas.Add(Vma(0x10000, 0x11000, 0, 0x10000, flags: 0));
        Image("mm-1.img", Frame(CriuMagic.Mm, mm));
        var args = new byte[Page];
        "app\0--flag\0\0A=1\0"u8.CopyTo(args.AsSpan(0x100));
        Pages(Image, "pagemap-1.img", 1, [(0x10000, Text("ANON0")), (0x51000, Text("PRIVCOW")), (0x82000, Text("COWDATA")), (Stack, args)]);
        Pages(Image, $"pagemap-shmem-{MemfdShmid}.img", 2, [(0, Text("SHM500-0")), (0x1000, Text("SHM500-1"))]);
        Pages(Image, $"pagemap-shmem-{AnonShmid}.img", 3, [(0, Text("ANONSHARED"))]);
        Pages(Image, $"pagemap-shmem-{SysvId}.img", 4, [(0, Text("SYSV700"))]);
        Image("files.img", Frame(CriuMagic.Files,
            new FileEntry { Type = FdTypes.Reg, Id = LibFile, Reg = new RegFileEntry { Id = LibFile, Name = "/usr/lib/libfake.so", Size = 2 * Page, BuildId = { Words(BuildId) } } },
            new FileEntry { Type = FdTypes.Memfd, Id = Memfd, Memfd = new MemfdFileEntry { Id = Memfd, InodeId = 1 } }));
        Image("memfd.img", Frame(CriuMagic.MemfdInode, new MemfdInodeEntry { Name = "buf", InodeId = 1, Shmid = MemfdShmid, Size = 4 * Page }));
        Image("ipcns-shm-9.img", Frame(CriuMagic.IpcnsShm, new IpcShmEntry { Desc = new IpcDescEntry { Key = SysvKey, Id = SysvId }, Size = Page, InPagemaps = true }));
        return root;
    }

    private static CoreEntry Core(uint tid, bool aarch64, bool leader)
    {
        var core = new CoreEntry
        {
            Mtype = aarch64 ? CoreEntry.Types.March.Aarch64 : CoreEntry.Types.March.X8664,
            ThreadCore = new ThreadCoreEntry { BlkSigset = 0, Creds = new CredsEntry { Uid = 1000, Gid = 1000 } },
        };
        if (leader)
            core.Tc = new TaskCoreEntry { TaskState = 1, Comm = "app", Flags = 0x400000 };
        if (aarch64)
        {
            core.TiAarch64 = new ThreadInfoAarch64
            {
                Tls = 0x1000UL + tid,
                Gpregs = new UserAarch64RegsEntry { Sp = 0x7ff800, Pc = 0x400123, Pstate = 0x60000000 },
                Fpsimd = new UserAarch64FpsimdContextEntry { Fpsr = 0x11, Fpcr = 0x22 },
            };
            core.TiAarch64.Gpregs.Regs.AddRange(Enumerable.Range(0, 31).Select(i => tid * 100 + (ulong)i));
            core.TiAarch64.Fpsimd.Vregs.AddRange(Enumerable.Range(0, 64).Select(i => (ulong)i));
        }
        else
        {
            core.ThreadInfo = new ThreadInfoX86
            {
                Gpregs = new UserX86RegsEntry { Ax = tid * 100 + 10, Ip = 0x400123, Sp = 0x7ff800, Cs = 0x33, Ss = 0x2b, Flags = 0x202 },
                Fpregs = new UserX86FpregsEntry { Cwd = 0x37f, Mxcsr = 0x1f80, Xsave = new UserX86XsaveEntry { XstateBv = 0xff } },
            };
            core.ThreadInfo.Fpregs.StSpace.AddRange(new uint[32]);
            core.ThreadInfo.Fpregs.XmmSpace.AddRange(new uint[64]);
            core.ThreadInfo.Fpregs.Xsave.YmmhSpace.AddRange(new uint[64]);
        }
        return core;
    }

    // A pagemap of one-page present runs and its pages file.
    private static void Pages(Action<string, byte[]> image, string pagemap, uint pagesId, (ulong Address, byte[] Data)[] pages)
    {
        var entries = new List<IMessage> { new PagemapHead { PagesId = pagesId } };
        entries.AddRange(pages.Select(p => new PagemapEntry { Vaddr = p.Address, NrPages = 1, Flags = 4 }));
        image(pagemap, SyntheticCheckpoint.Frame(CriuMagic.Pagemap, [.. entries]));
        image($"pages-{pagesId}.img", [.. pages.SelectMany(p => p.Data)]);
    }

    private static (int Code, string Output, string Errors) Run(string tool, string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(tool, args) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        using var process = System.Diagnostics.Process.Start(psi)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(120_000), $"{tool} did not finish");
        return (process.ExitCode, output.Result, errors.Result);
    }

    // A page starting with a marker.
    private static byte[] Text(string marker)
    {
        var page = new byte[Page];
        Encoding.ASCII.GetBytes(marker).CopyTo(page, 0);
        return page;
    }

    // Two pages: an ELF header whose one PT_NOTE holds a GNU build-id, then a page of data.
    private static byte[] Library(byte[] buildId)
    {
        var file = new byte[2 * Page];
        var f = file.AsSpan();
        f[0] = 0x7F;
        "ELF"u8.CopyTo(f[1..]);
        (f[4], f[5], f[6]) = (2, 1, 1);
        BinaryPrimitives.WriteUInt16LittleEndian(f[16..], 3);
        BinaryPrimitives.WriteUInt16LittleEndian(f[18..], 62);
        BinaryPrimitives.WriteUInt64LittleEndian(f[32..], 64);
        BinaryPrimitives.WriteUInt16LittleEndian(f[54..], 56);
        BinaryPrimitives.WriteUInt16LittleEndian(f[56..], 1);
        BinaryPrimitives.WriteUInt32LittleEndian(f[64..], 4);
        BinaryPrimitives.WriteUInt64LittleEndian(f[72..], 120);
        BinaryPrimitives.WriteUInt64LittleEndian(f[96..], 16 + (ulong)buildId.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(f[120..], 4);
        BinaryPrimitives.WriteUInt32LittleEndian(f[124..], (uint)buildId.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(f[128..], 3);
        "GNU\0"u8.CopyTo(f[132..]);
        buildId.CopyTo(f[136..]);
        Text("FILEPAGE1").CopyTo(f[Page..]);
        return file;
    }

    private static IEnumerable<uint> Words(byte[] id) => Enumerable.Range(0, id.Length / 4).Select(i => BitConverter.ToUInt32(id, 4 * i));

    private static string Size(string output) => Checkpointctl.Cli.Rendering.Units.Bytes(new FileInfo(Path.Combine(output, "core.1")).Length);
}
