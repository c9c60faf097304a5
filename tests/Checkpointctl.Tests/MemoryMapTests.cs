using System.Globalization;
using System.Text.Json;
using Checkpointctl.Core.Criu;
using Checkpointctl.Core.Criu.Images;

namespace Checkpointctl.Tests;

/// <summary><c>inspect --memory-map</c>: against crit's <c>x mems</c> and <c>x rss</c> on every fixture, and on built checkpoints.</summary>
public class MemoryMapTests
{
    public static TheoryData<string, string> Oracles() => ThreadViewTests.Oracles();

    [Theory]
    [MemberData(nameof(Oracles))]
    public void Mappings_match_crit_x_mems(string checkpoint, string oracle)
    {
        var maps = ThreadViewTests.InspectJson(checkpoint, "--memory-map").GetProperty("memory_map").EnumerateArray().ToList();
        var compared = 0;
        foreach (var (pid, lines) in CritSections(Path.Combine(oracle, "x-mems.txt")))
        {
            var ours = maps.Single(m => m.GetProperty("pid").GetUInt32() == pid);
            var exe = lines[0];
            Assert.StartsWith("exe", exe.TrimStart('\t'));
            Assert.Equal(exe.Split("    ", 2)[1].Trim(), ours.GetProperty("executable").GetString());
            var mappings = ours.GetProperty("mappings").EnumerateArray().ToList();
            Assert.Equal(lines.Count - 1, mappings.Count);
            for (var i = 1; i < lines.Count; i++)
            {
                var line = lines[i].TrimStart('\t');
                var m = mappings[i - 1];
                Assert.Equal(line[..line.IndexOf(' ')], $"{Hex(m, "start"):x8}-{Hex(m, "end"):x8}");
                var rest = line[36..];
                Assert.Equal(rest[..3], m.GetProperty("perms").GetString()![..3]);
                var fn = rest[3..].TrimEnd(' ', '*');
                var name = m.GetProperty("name").GetString()!;
                if (m.GetProperty("kind").GetString() == "file")
                {
                    var path = fn.Trim().Replace(" (s)", "");
                    var offset = m.GetProperty("offset").GetUInt64();
                    Assert.Equal(offset == 0 ? path : $"{path[..path.LastIndexOf(" + 0x", StringComparison.Ordinal)]}", name);
                    if (offset != 0)
                        Assert.EndsWith($" + 0x{offset:x}", path);
                    Assert.Equal(fn.EndsWith(" (s)", StringComparison.Ordinal), m.GetProperty("perms").GetString()![3] == 's');
                }
                else if (fn.Trim() is "[vdso]" or "[vsyscall]")
                {
                    Assert.Equal(fn.Trim(), name);
                }
                else if (fn.Trim() == "[stack?]")
                {
                    // crit names every MAP_GROWSDOWN mapping so; the kernel only the one holding the start of the stack.
                    Assert.Contains("GROWSDOWN", m.GetProperty("flags").EnumerateArray().Select(f => f.GetString()));
                    Assert.True(name is "[stack]" or "", name);
                }
                compared++;
            }
        }
        Assert.True(compared > 20, $"only {compared} mappings compared");
    }

    [Theory]
    [MemberData(nameof(Oracles))]
    public void Page_counts_match_crit_x_rss(string checkpoint, string oracle)
    {
        var rss = Path.Combine(oracle, "x-rss.txt");
        if (!File.Exists(rss))
            return;
        var maps = ThreadViewTests.InspectJson(checkpoint, "--memory-map").GetProperty("memory_map").EnumerateArray().ToList();
        foreach (var (pid, lines) in CritSections(rss))
        {
            var ours = maps.Single(m => m.GetProperty("pid").GetUInt32() == pid);
            var own = ours.GetProperty("mappings").EnumerateArray().Where(m => !m.GetProperty("pages_image").GetString()!.StartsWith("pagemap-shmem-", StringComparison.Ordinal)).ToList();
            ulong total = 0;
            foreach (var line in lines.Where(l => l.Length > 1 && l[1] != ' '))
            {
                var fields = line.Trim('\t').Split('/', 2);
                total += ulong.Parse(fields[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
            Assert.Equal(total, own.Aggregate(0UL, (s, m) => s + m.GetProperty("dumped_pages").GetUInt64() + m.GetProperty("parent_pages").GetUInt64() + m.GetProperty("lazy_pages").GetUInt64()));
            // Every mapping crit lists beside a pagemap entry has pages in ours.
            foreach (var line in lines)
            {
                var vma = line.Length > 24 ? line[24..].Trim() : "";
                if (vma.Length == 0 || vma == "~")
                    continue;
                var start = Convert.ToUInt64(vma.Split(' ')[0], 16);
                var m = own.Single(m => Hex(m, "start") == start);
                Assert.True(m.GetProperty("dumped_pages").GetUInt64() > 0, $"{pid}: {vma}");
            }
        }
    }

    [Fact]
    public void Maps_lines_put_names_at_column_73()
    {
        var lines = ThreadViewTests.TreeLines(TestPaths.Criu("shell-loop"), "--memory-map");
        var stack = lines.First(l => l.Contains("[stack]", StringComparison.Ordinal) && l.Contains("rw-p", StringComparison.Ordinal));
        Assert.Equal(73, stack.IndexOf("[stack]", StringComparison.Ordinal));
        var anonymous = lines.First(l => l.Contains(" rw-p 00000000 00:00 0   [", StringComparison.Ordinal));
        Assert.Matches(@"^[0-9a-f]{8,}-[0-9a-f]{8,} rw-p 00000000 00:00 0   \[\d+ pages?\]$", anonymous);
    }

    [Fact]
    public void Built_mappings_names_kinds_and_page_counts()
    {
        using var dir = new ScratchDir();
        var path = Built().WriteTo(dir.Path);
        var lines = ThreadViewTests.TreeLines(path, "--memory-map");
        string Line(string start) => lines.Single(l => l.StartsWith(start, StringComparison.Ordinal));
        Assert.Equal("00400000-00402000 r-xp 00000000 08:11 0                                  /app/bin (deleted)  [1 page]", Line("00400000-"));
        // A pagemap run from 0x402000 to 0x405000 straddles two mappings: one page here, two in the next one.
        Assert.Equal("00402000-00403000 rw-p 00002000 08:11 0                                  /app/bin (deleted)  [1 page]", Line("00402000-"));
        Assert.Equal("00403000-00408000 rw-p 00000000 00:00 0                                  [heap]  [2 dumped, 2 in parent, 1 lazy]", Line("00403000-"));
        Assert.Equal("7f0000000000-7f0000002000 rw-s 00001000 00:00 0                          /memfd:cache (deleted)  [1 page in pagemap-shmem-77.img]", Line("7f0000000000-"));
        Assert.Equal("7f0000002000-7f0000003000 rw-s 00000000 00:00 0                          /SYSV0000abcd (deleted)", Line("7f0000002000-"));
        Assert.Equal("7f0000003000-7f0000004000 rw-s 00000000 00:00 9                          /dev/zero (deleted)", Line("7f0000003000-"));
        Assert.Equal("7ffd00000000-7ffd00002000 rw-p 00000000 00:00 0                          [stack]  [2 pages]", Line("7ffd00000000-"));
        Assert.Contains("Guard: 7ffd00000000-7ffd00001000", lines);
        Assert.Contains("Pages: 7 dumped (28.0 KiB), 2 in parent, 1 lazy", lines);
        Assert.Contains("Executable: /app/bin", lines);

        var json = ThreadViewTests.InspectJson(path, "--memory-map").GetProperty("memory_map")[0];
        var heap = json.GetProperty("mappings")[2];
        Assert.Equal("""{"start":"0x403000","end":"0x408000","perms":"rw-p","offset":0,"device":"00:00","inode":0,"name":"[heap]","kind":"heap","status":["REGULAR","HEAP","ANON_PRIVATE"],"flags":["PRIVATE","ANONYMOUS"],"madvise":["DONTDUMP"],"dumped_pages":2,"parent_pages":2,"lazy_pages":1,"pages_image":"pagemap-1.img"}""",
            JsonSerializer.Serialize(heap));
        Assert.Equal(["file", "file", "heap", "memfd", "sysv", "shared", "stack"], json.GetProperty("mappings").EnumerateArray().Select(m => m.GetProperty("kind").GetString()));
    }

    [Fact]
    public void Memory_map_does_not_depend_on_the_pages_file()
    {
        using var dir = new ScratchDir();
        // The pages file is garbage of the wrong size: only the memory map's own images may be read.
        var path = Built().Image("pages-1.img", new byte[10]).WriteTo(dir.Path);
        Assert.Contains("Pages: 7 dumped (28.0 KiB), 2 in parent, 1 lazy", ThreadViewTests.TreeLines(path, "--memory-map"));
    }

    // Process 1: a deleted executable (two mappings) on mount 5 (dev 8:17), a heap with present, parent and lazy pages,
    // a memfd, a SysV segment, anonymous shared memory, the stack and a guard range.
    internal static SyntheticCheckpoint Built()
    {
        const uint regular = 0x1, heap = 0x20, filePrivate = 0x40, fileShared = 0x80, anonShared = 0x100, anonPrivate = 0x200, sysv = 0x400, memfd = 0x4000;
        var mm = new MmEntry { ExeFileId = 10, MmStartBrk = 0x403000, MmBrk = 0x404000, MmStartStack = 0x7ffd_0000_1f00 };
        mm.Vmas.Add(new VmaEntry { Start = 0x400000, End = 0x402000, Prot = 5, Flags = 2, Status = regular | filePrivate, Shmid = 10 });
        mm.Vmas.Add(new VmaEntry { Start = 0x402000, End = 0x403000, Prot = 3, Flags = 2, Status = regular | filePrivate, Shmid = 10, Pgoff = 0x2000 });
        mm.Vmas.Add(new VmaEntry { Start = 0x403000, End = 0x408000, Prot = 3, Flags = 0x22, Status = regular | heap | anonPrivate, Madv = 1 << 16 });
        mm.Vmas.Add(new VmaEntry { Start = 0x7f00_0000_0000, End = 0x7f00_0000_2000, Prot = 3, Flags = 1, Status = regular | fileShared | memfd, Shmid = 11, Pgoff = 0x1000 });
        mm.Vmas.Add(new VmaEntry { Start = 0x7f00_0000_2000, End = 0x7f00_0000_3000, Prot = 3, Flags = 1, Status = regular | sysv, Shmid = 3 });
        mm.Vmas.Add(new VmaEntry { Start = 0x7f00_0000_3000, End = 0x7f00_0000_4000, Prot = 3, Flags = 0x21, Status = regular | anonShared, Shmid = 9 });
        mm.Vmas.Add(new VmaEntry { Start = 0x7ffd_0000_0000, End = 0x7ffd_0000_2000, Prot = 3, Flags = 0x122, Status = regular | anonPrivate });
        mm.Vmas.Add(new VmaEntry { Start = 0x7ffd_0000_0000, End = 0x7ffd_0000_1000, Status = 0x10000 });
        var files = new[]
        {
            new FileEntry { Type = FdTypes.Reg, Id = 10, Reg = new RegFileEntry { Id = 10, Name = "/app/bin", MntId = 5 } },
            new FileEntry { Type = FdTypes.Memfd, Id = 11, Memfd = new MemfdFileEntry { Id = 11, InodeId = 4 } },
        };
        var ipcShm = new IpcShmEntry { Desc = new IpcDescEntry { Id = 3, Key = 0xabcd }, Size = 4096, InPagemaps = true };
        return SyntheticCheckpoint.OneProcess()
            .Image("ids-1.img", SyntheticCheckpoint.Frame(CriuMagic.Ids, new TaskKobjIdsEntry { FilesId = 1, MntNsId = 6, IpcNsId = 7 }))
            .Image("files.img", SyntheticCheckpoint.Frame(CriuMagic.Files, files))
            .Image("remap-fpath.img", SyntheticCheckpoint.Frame(CriuMagic.RemapFpath, new RemapFilePathEntry { OrigId = 10, RemapId = 99, RemapType = RemapType.Ghost }))
            .Image("mountpoints-6.img", SyntheticCheckpoint.Frame(CriuMagic.Mnts, new MntEntry { MntId = 5, RootDev = (8u << 20) | 17, Mountpoint = "/" }))
            .Image("memfd.img", SyntheticCheckpoint.Frame(CriuMagic.MemfdInode, new MemfdInodeEntry { InodeId = 4, Name = "cache", Shmid = 77, Size = 0x3000 }))
            .Image("ipcns-shm-7.img", SyntheticCheckpoint.Frame(CriuMagic.IpcnsShm, ipcShm))
            .Image("mm-1.img", SyntheticCheckpoint.Frame(CriuMagic.Mm, mm))
            .Image("pagemap-1.img", SyntheticCheckpoint.Frame(CriuMagic.Pagemap,
                new PagemapHead { PagesId = 1 },
                new PagemapEntry { Vaddr = 0x401000, NrPages = 1, Flags = 4 },
                new PagemapEntry { Vaddr = 0x402000, NrPages = 3, Flags = 4 },
                new PagemapEntry { Vaddr = 0x405000, NrPages = 2, Flags = 1 },
                new PagemapEntry { Vaddr = 0x407000, NrPages = 1, Flags = 2 },
                new PagemapEntry { Vaddr = 0x7ffd_0000_0000, NrPages = 2, Flags = 4 }))
            // Object offsets: the memfd mapping shows offsets 0x1000-0x3000 of the object; only page 0x2000 of them is dumped.
            .Image("pagemap-shmem-77.img", SyntheticCheckpoint.Frame(CriuMagic.Pagemap,
                new PagemapHead { PagesId = 2 }, new PagemapEntry { Vaddr = 0, NrPages = 1, Flags = 4 }, new PagemapEntry { Vaddr = 0x2000, NrPages = 1, Flags = 4 }))
            .Image("pages-1.img", new byte[6 * 4096])
            .Image("pages-2.img", new byte[2 * 4096]);
    }

    private static ulong Hex(JsonElement mapping, string name) => Convert.ToUInt64(mapping.GetProperty(name).GetString(), 16);

    /// <summary>A crit explorer's output split per process: a line with the PID, then that process's lines.</summary>
    internal static List<(uint Pid, List<string> Lines)> CritSections(string path)
    {
        var sections = new List<(uint, List<string>)>();
        foreach (var line in File.ReadAllLines(path))
        {
            if (line.Length > 0 && char.IsDigit(line[0]))
                sections.Add((uint.Parse(line, CultureInfo.InvariantCulture), []));
            else if (line.Length > 0)
                sections[^1].Item2.Add(line);
        }
        return sections;
    }
}
