using System.Collections.Concurrent;
using System.Text.Json;
using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Criu;
using Checkpointctl.Core.Criu.Images;
using Checkpointctl.Core.Model;
using Google.Protobuf;

namespace Checkpointctl.Tests;

/// <summary>
/// Images of older CRIU versions (shapes doc §5): every shared fixture re-encoded as CRIU 4.1 (pagemaps with only
/// <c>compat_nr_pages</c>), 3.3 (per-type file images instead of <c>files.img</c>, pagemaps without flags, an
/// inventory without the 4.x fields) and 2.x (also the mappings in <c>vmas-&lt;pid&gt;.img</c>) gives the same
/// output as the original, byte for byte; and the legacy file images of every type decode like <c>files.img</c>.
/// </summary>
public class OlderImagesTests
{
    public static TheoryData<string, string> ArchiveVariants()
    {
        var data = new TheoryData<string, string>();
        foreach (var archive in TestPaths.AllArchives())
        {
            foreach (var variant in (string[])["criu-4.1", "criu-3.3", "criu-2"])
                data.Add(Path.GetFileName(archive), variant);
        }
        return data;
    }

    private static readonly ConcurrentDictionary<(string, string), string> OriginalOutputs = new();

    [Theory]
    [MemberData(nameof(ArchiveVariants))]
    public void Older_layout_gives_the_same_output(string name, string variant)
    {
        var original = TestPaths.ArchiveByName(name);
        using var dir = new ScratchDir();
        var older = Path.Combine(dir.Path, name);
        TestArchive.Rewrite(original, older, (member, data) => Rewrite(variant, member, data));
        AssertLayout(older, variant);

        var root = RootPid(Output(original, "memparse"));
        string[][] commands =
        [
            ["inspect", "--all"], ["inspect", "--all", "--format", "json"], ["show"], ["memparse"], ["memparse", "--pid", root],
        ];
        foreach (var command in commands)
        {
            var expected = OriginalOutputs.GetOrAdd((original, string.Join(' ', command)), _ => Output(original, command));
            Assert.Equal(expected, Output(older, command));
        }
    }

    internal static IEnumerable<(string Name, byte[] Data)> Rewrite(string variant, string member, byte[] data)
    {
        var image = member.StartsWith(ArchiveLayout.CheckpointPrefix, StringComparison.Ordinal) ? member[ArchiveLayout.CheckpointPrefix.Length..] : "";
        var old = variant != "criu-4.1";
        if (image.StartsWith("pagemap-", StringComparison.Ordinal))
            return [(member, LegacyImageEncoder.CompatPagemap(data, withoutFlags: old))];
        if (old && image == "files.img")
            return LegacyImageEncoder.SplitFiles(data).Select(i => (ArchiveLayout.Image(i.Name), i.Data));
        if (old && image == "inventory.img")
            return [(member, LegacyImageEncoder.InventoryBefore41(data))];
        if (variant == "criu-2" && image.StartsWith("mm-", StringComparison.Ordinal))
        {
            var (mm, vmas) = LegacyImageEncoder.VmasOutOfMm(data);
            return [(member, mm), (ArchiveLayout.Image("vmas-" + image["mm-".Length..]), vmas)];
        }
        return [(member, data)];
    }

    // The rewritten archive really has the older layout (so the comparison cannot pass on the modern images).
    private static void AssertLayout(string path, string variant)
    {
        using var archive = CheckpointArchive.Open(path, new ArchiveRequest { Hold = [ArchiveLayout.Image("*.img")], NeedIndex = true });
        var images = new CriuImages(archive);
        Assert.Equal(variant == "criu-4.1", images.Has("files.img"));
        Assert.Equal(variant != "criu-4.1", images.Has("reg-files.img"));
        Assert.Equal(variant == "criu-2", archive.MembersMatching(ArchiveLayout.Image("vmas-*.img")).Any());
        var pagemaps = archive.MembersMatching(ArchiveLayout.Image("pagemap-*.img")).ToList();
        Assert.NotEmpty(pagemaps);
        foreach (var member in pagemaps)
        {
            var entries = LegacyImageEncoder.Entries(archive.TryGetBytes(member.Name)!.Value.ToArray(), CriuMagic.Pagemap, PagemapEntry.Parser).Skip(1).ToList();
            Assert.All(entries, e => Assert.False(e.HasNrPages));
            Assert.Contains(entries, e => e.CompatNrPages > 0);
            Assert.All(entries, e => Assert.Equal(variant == "criu-4.1", e.HasFlags));
        }
    }

    private static string Output(string path, params string[] command)
    {
        var result = CliRunner.Run([command[0], path, .. command[1..]]);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("", result.Stderr);
        return result.Stdout.Replace(Path.GetDirectoryName(path)!, "<DIR>", StringComparison.Ordinal);
    }

    private static string RootPid(string memparseTable) =>
        memparseTable.Split('\n').SkipWhile(l => !l.StartsWith("---", StringComparison.Ordinal)).Skip(1).First().Split(' ')[0];

    // --- pagemaps before CRIU 4.2 and 3.5 -------------------------------------------------------------------------

    [Fact]
    public void Pagemap_entries_of_every_era_are_normalised()
    {
        var image = LegacyImageEncoder.Frame(CriuMagic.Pagemap,
        [
            new PagemapHead { PagesId = 3 },
            new PagemapEntry { Vaddr = 0x1000, CompatNrPages = 2 },                     // ≤ 3.4: present
            new PagemapEntry { Vaddr = 0x4000, CompatNrPages = 1, InParent = true },    // ≤ 3.4: in the parent
            new PagemapEntry { Vaddr = 0x6000, CompatNrPages = 3, InParent = false },   // ≤ 3.4: present
            new PagemapEntry { Vaddr = 0x10000, CompatNrPages = 1, Flags = 2 },         // 3.5 – 4.1: lazy
            new PagemapEntry { Vaddr = 0x20000, CompatNrPages = 0, NrPages = 4, Flags = 4 },  // ≥ 4.2
            new PagemapEntry { Vaddr = 0x30000, CompatNrPages = 9, NrPages = 1, Flags = 6 },  // field 5 wins over field 2
        ]);
        var pagemap = Pagemap.Decode("pagemap-1.img", image);
        Assert.Equal(
        [
            (0x1000UL, 2UL, PageFlags.Present, 0L),
            (0x4000UL, 1UL, PageFlags.Parent, -1L),
            (0x6000UL, 3UL, PageFlags.Present, 2 * 4096L),
            (0x10000UL, 1UL, PageFlags.Lazy, -1L),
            (0x20000UL, 4UL, PageFlags.Present, 5 * 4096L),
            (0x30000UL, 1UL, PageFlags.Present | PageFlags.Lazy, 9 * 4096L),
        ], pagemap.Runs.Select(r => (r.Address, r.PageCount, r.Flags, r.FileOffsetInPages)));
        Assert.Equal(10UL, pagemap.PresentPages);
        Assert.Equal("pages-3.img", pagemap.PagesImageName);
    }

    // --- every legacy file type ---------------------------------------------------------------------------------

    /// <summary>A process with an fd of every type a ≤ 3.3 image can hold, epoll targets, watches and marks included.</summary>
    private static SyntheticCheckpoint EveryFileType()
    {
        var b = SyntheticCheckpoint.OneProcess();
        var fd = 3u;
        var id = 10u;
        foreach (var file in Files())
            b.Fd(1, fd++, file);
        return b;

        IEnumerable<FileEntry> Files()
        {
            yield return new FileEntry { Type = FdTypes.Reg, Id = id, Reg = new RegFileEntry { Id = id++, Name = "/data/log", Pos = 42 } };
            yield return new FileEntry { Type = FdTypes.Pipe, Id = id, Pipe = new PipeEntry { Id = id++, PipeId = 777 } };
            yield return new FileEntry { Type = FdTypes.Fifo, Id = id, Fifo = new FifoEntry { Id = id++, PipeId = 778 } };
            var isk = new InetSkEntry { Id = id, Family = 2, Type = 1, Proto = 6, State = 10, SrcPort = 80, Ino = 9001, Opts = new SkOptsEntry { SoSndbuf = 1, SoRcvbuf = 2 } };
            isk.SrcAddr.Add(0x0100007f);
            isk.DstAddr.Add(0);
            yield return new FileEntry { Type = FdTypes.Inetsk, Id = id++, Isk = isk };
            yield return new FileEntry
            {
                Type = FdTypes.Unixsk, Id = id,
                Usk = new UnixSkEntry { Id = id++, Ino = 3001, Peer = 3002, Type = 1, State = 10, Name = ByteString.CopyFromUtf8("/run/app.sock"), Opts = new SkOptsEntry() },
            };
            yield return new FileEntry { Type = FdTypes.Eventfd, Id = id, Efd = new EventfdFileEntry { Id = id++, Counter = 5 } };
            var epoll = new EventpollFileEntry { Id = id };
            epoll.Tfd.Add(new EventpollTfdEntry { Id = id, Tfd = 3, Events = 1 });
            epoll.Tfd.Add(new EventpollTfdEntry { Id = id, Tfd = 4, Events = 4 });
            yield return new FileEntry { Type = FdTypes.Eventpoll, Id = id++, Epfd = epoll };
            var inotify = new InotifyFileEntry { Id = id };
            inotify.Wd.Add(new InotifyWdEntry { Id = id, IIno = 55, Wd = 1 });
            yield return new FileEntry { Type = FdTypes.Inotify, Id = id++, Ify = inotify };
            yield return new FileEntry { Type = FdTypes.Signalfd, Id = id, Sgfd = new SignalfdEntry { Id = id++, Sigmask = 2 } };
            yield return new FileEntry { Type = FdTypes.Packetsk, Id = id, Psk = new PacketSockEntry { Id = id++, Type = 3, Protocol = 3, Opts = new SkOptsEntry() } };
            yield return new FileEntry { Type = FdTypes.Tty, Id = id, Tty = new TtyFileEntry { Id = id++, TtyInfoId = 1 } };
            var fanotify = new FanotifyFileEntry { Id = id };
            fanotify.Mark.Add(new FanotifyMarkEntry { Id = id, Mask = 8 });
            yield return new FileEntry { Type = FdTypes.Fanotify, Id = id++, Ffy = fanotify };
            yield return new FileEntry { Type = FdTypes.Netlinksk, Id = id, Nlsk = new NetlinkSkEntry { Id = id++, Protocol = 0, State = 7, Opts = new SkOptsEntry() } };
            yield return new FileEntry { Type = FdTypes.Ns, Id = id, Nsf = new NsFileEntry { Id = id++, NsId = 3, NsCflag = 0x40000000 } };
            yield return new FileEntry { Type = FdTypes.Tunf, Id = id, Tunf = new TunfileEntry { Id = id++, Netdev = "tun0" } };
            yield return new FileEntry { Type = FdTypes.Ext, Id = id, Ext = new ExtFileEntry { Id = id++ } };
            yield return new FileEntry { Type = FdTypes.Timerfd, Id = id, Tfd = new TimerfdEntry { Id = id++, Clockid = 1 } };
        }
    }

    private const string Slack = "checkpoint/zz-slack";

    /// <summary>The checkpoint as written by <see cref="WriteModern"/>, with files.img split into per-type images.</summary>
    private static string WriteLegacy(SyntheticCheckpoint checkpoint, string dir)
    {
        var legacy = Path.Combine(dir, "legacy.tar");
        TestArchive.Rewrite(WriteModern(checkpoint, dir, "modern-source.tar"), legacy, (name, data) =>
            name == ArchiveLayout.Image("files.img") ? LegacyImageEncoder.SplitFiles(data).Select(i => (ArchiveLayout.Image(i.Name), i.Data))
            : name == Slack ? []
            : [(name, data)]);
        return legacy;
    }

    // With slack bytes that the legacy copy drops: its 17 images' headers make it larger, and the sizes must match.
    private static string WriteModern(SyntheticCheckpoint checkpoint, string dir, string name = "modern.tar") =>
        checkpoint.WriteTo(dir, name, extra: (Slack, new byte[256]));

    [Fact]
    public void Every_legacy_file_type_decodes_like_files_img()
    {
        var checkpoint = EveryFileType();
        using var dir = new ScratchDir();
        var modern = WriteModern(checkpoint, dir.Path);
        var legacy = WriteLegacy(checkpoint, dir.Path);

        var request = new ArchiveRequest { Hold = CriuImages.FileImages, NeedIndex = true };
        using var modernArchive = CheckpointArchive.Open(modern, request);
        using var legacyArchive = CheckpointArchive.Open(legacy, request);
        var expected = new CriuImages(modernArchive).Files();
        var legacyImages = new CriuImages(legacyArchive);
        Assert.False(legacyImages.Has("files.img"));
        var actual = legacyImages.Files();
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (id, file) in expected)
            Assert.Equal(file, actual[id]);
        Assert.Equal(2, actual.Values.Single(f => f.Type == FdTypes.Eventpoll).Epfd.Tfd.Count);
    }

    [Fact]
    public void Files_and_sockets_of_legacy_images_print_as_modern_ones()
    {
        var checkpoint = EveryFileType();
        using var dir = new ScratchDir();
        var modern = WriteModern(checkpoint, dir.Path);
        var legacy = WriteLegacy(checkpoint, dir.Path);
        foreach (var format in (string[])["tree", "json"])
        {
            var expected = CliRunner.Run("inspect", modern, "--files", "--sockets", "--format", format);
            var actual = CliRunner.Run("inspect", legacy, "--files", "--sockets", "--format", format);
            Assert.Equal(0, actual.ExitCode);
            Assert.Equal(expected.Stdout.Replace("modern.tar", "legacy.tar", StringComparison.Ordinal), actual.Stdout);
        }
        var tree = CliRunner.Run("inspect", legacy, "--files", "--sockets").Stdout;
        Assert.Contains("[REG 3]  /data/log", tree);
        Assert.Contains("[PIPE 4]  pipe[777]", tree);
        Assert.Contains("[UNIXSK 7]  unix[3001 (3002) /run/app.sock]", tree);
        Assert.Contains("[TCP (LISTEN)]  127.0.0.1:80 -> 0.0.0.0:0 (↑ 1 B ↓ 2 B)", tree);
        Assert.Contains("[NETLINK_ROUTE]", tree);
        Assert.Contains("[ETH_P_ALL]", tree);
    }

    [Fact]
    public void Files_img_wins_over_legacy_images()
    {
        // CRIU reads the per-type images only when files.img is absent.
        var checkpoint = SyntheticCheckpoint.OneProcess();
        checkpoint.Fd(1, 3, new FileEntry { Type = FdTypes.Reg, Id = 10, Reg = new RegFileEntry { Id = 10, Name = "/modern" } });
        checkpoint.Image("reg-files.img", LegacyImageEncoder.Frame(0x50363636, [new RegFileEntry { Id = 10, Name = "/legacy" }]));
        using var dir = new ScratchDir();
        var tree = CliRunner.Run("inspect", checkpoint.WriteTo(dir.Path), "--files").Stdout;
        Assert.Contains("[REG 3]  /modern", tree);
        Assert.DoesNotContain("/legacy", tree);
    }

    [Fact]
    public void Legacy_image_with_another_magic_is_an_error()
    {
        var checkpoint = EveryFileType();
        using var dir = new ScratchDir();
        var legacy = WriteLegacy(checkpoint, dir.Path);
        var broken = Path.Combine(dir.Path, "broken.tar");
        TestArchive.Rewrite(legacy, broken, (name, data) =>
            [(name, name == "checkpoint/pipes.img" ? [.. data[..4], .. BitConverter.GetBytes(CriuMagic.Fifo), .. data[8..]] : data)]);
        Assert.Equal("failed to get file descriptors: pipes.img: image magic 0x58364939 (FIFO) is not the expected PIPES",
            CliRunner.AssertError(CliRunner.Run("inspect", broken, "--files")));
    }

    [Fact]
    public void Legacy_image_truncated_is_an_error()
    {
        var checkpoint = EveryFileType();
        using var dir = new ScratchDir();
        var legacy = WriteLegacy(checkpoint, dir.Path);
        var broken = Path.Combine(dir.Path, "broken.tar");
        TestArchive.Rewrite(legacy, broken, (name, data) => [(name, name == "checkpoint/unixsk.img" ? data[..^3] : data)]);
        Assert.StartsWith("failed to get file descriptors: unixsk.img: entry 0 at offset 8: entry size ",
            CliRunner.AssertError(CliRunner.Run("inspect", broken, "--files")));
    }

    [Fact]
    public void Without_files_img_or_legacy_images_the_error_names_files_img()
    {
        using var dir = new ScratchDir();
        var path = SyntheticCheckpoint.OneProcess().WriteTo(dir.Path, without: ["files.img"]);
        Assert.Equal("failed to get file descriptors: error opening binary file: open checkpoint/files.img: no such file or directory",
            CliRunner.AssertError(CliRunner.Run("inspect", path, "--files")));
    }

    [Fact]
    public void Every_legacy_fd_type_is_listed_in_json()
    {
        var checkpoint = EveryFileType();
        using var dir = new ScratchDir();
        var legacy = WriteLegacy(checkpoint, dir.Path);
        using var doc = JsonDocument.Parse(CliRunner.Run("inspect", legacy, "--files", "--format", "json").Stdout);
        var types = doc.RootElement[0].GetProperty("file_descriptors")[0].GetProperty("open_files").EnumerateArray()
            .Select(f => f.GetProperty("type").GetString()).Where(t => t != "").ToList();
        Assert.Equal(["REG", "PIPE", "FIFO", "INETSK", "UNIXSK", "EVENTFD", "EVENTPOLL", "INOTIFY", "SIGNALFD", "PACKETSK", "TTY",
            "FANOTIFY", "NETLINKSK", "NS", "TUNF", "EXT", "TIMERFD"], types);
    }
}
