using System.Formats.Tar;
using System.Text.Json;

namespace Checkpointctl.Tests;

/// <summary><c>inspect --rootfs-diff</c> and <c>--logs [--tail N]</c>: against the fixtures' listings, and on built archives.</summary>
public class ContainerChangesTests
{
    public static TheoryData<string> PodmanArchives()
    {
        var data = new TheoryData<string>();
        foreach (var a in Directory.EnumerateDirectories(Path.Combine(TestPaths.Fixtures, "archives"), "*.extracted").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(a)[..^".extracted".Length]);
        return data;
    }

    [Theory]
    [MemberData(nameof(PodmanArchives))]
    public void Rootfs_diff_matches_tar_listing_and_deleted_files(string archive)
    {
        var extracted = TestPaths.Archive(archive) + ".extracted";
        var json = ThreadViewTests.InspectJson(TestPaths.Archive(archive), "--rootfs-diff").GetProperty("rootfs_diff");
        var listing = Path.Combine(extracted, "rootfs-diff.listing.txt");
        if (!File.Exists(listing))
        {
            Assert.False(json.TryGetProperty("entries", out _));
            return;
        }
        var lines = ThreadViewTests.TreeLines(TestPaths.Archive(archive), "--rootfs-diff");
        var expected = File.ReadAllLines(listing).Where(l => l.Length > 0).ToList();
        var entries = json.GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(expected.Count, entries.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            // tar -tv: mode, owner, size, date, minute, path.
            var f = expected[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(f[5], entries[i].GetProperty("path").GetString());
            Assert.Equal(long.Parse(f[2]), entries[i].GetProperty("size").GetInt64());
            Assert.StartsWith($"{f[3]}T{f[4]}:", entries[i].GetProperty("mtime").GetString());
            Assert.Contains(lines, l => l.StartsWith(f[0], StringComparison.Ordinal) && l.EndsWith(" " + f[5], StringComparison.Ordinal) && l.Contains($" {f[3]} {f[4]}:", StringComparison.Ordinal));
        }
        var deleted = Path.Combine(extracted, "deleted.files");
        if (File.Exists(deleted))
        {
            Assert.Equal(JsonDocument.Parse(File.ReadAllText(deleted)).RootElement.EnumerateArray().Select(e => e.GetString()),
                json.GetProperty("deleted_files").EnumerateArray().Select(e => e.GetString()));
        }
    }

    [Theory]
    [MemberData(nameof(PodmanArchives))]
    public void Container_log_tail_matches_ctr_log(string archive)
    {
        var log = File.ReadAllLines(Path.Combine(TestPaths.Archive(archive) + ".extracted", "ctr.log"));
        foreach (var tail in new[] { "2", "0", "-1" })
        {
            var json = ThreadViewTests.InspectJson(TestPaths.Archive(archive), "--tail", tail).GetProperty("logs").GetProperty("container_log");
            Assert.Equal(log.Length, json.GetProperty("lines").GetInt32());
            var n = tail == "-1" ? log.Length : Math.Min(int.Parse(tail), log.Length);
            Assert.Equal(log[^n..], json.GetProperty("tail").EnumerateArray().Select(l => l.GetString()!));
        }
    }

    [Fact]
    public void Dump_log_warnings_and_errors_match_the_log()
    {
        var dump = File.ReadAllLines(Path.Combine(TestPaths.Criu("piggie"), "dump.log"));
        var problems = dump.Where(l => l.Contains(") Error (", StringComparison.Ordinal) || l.Contains(") Warn ", StringComparison.Ordinal)).ToList();
        var json = ThreadViewTests.InspectJson(TestPaths.Criu("piggie"), "--logs").GetProperty("logs").GetProperty("dump_log");
        Assert.Equal(problems, json.GetProperty("problems").EnumerateArray().Select(l => l.GetString()!));
        Assert.Equal(problems.Count(l => l.Contains(") Error (", StringComparison.Ordinal)), json.GetProperty("errors").GetInt32());
        Assert.Equal(dump.Length, json.GetProperty("lines").GetInt32());
    }

    [Fact]
    public void Gzip_rootfs_diff_with_links_devices_and_special_modes()
    {
        var inner = new MemoryStream();
        using (var writer = new TarWriter(inner, TarEntryFormat.Pax, leaveOpen: true))
        {
            var mtime = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "./usr/bin/tool") { Mode = (UnixFileMode)0b_100_111_101_101, ModificationTime = mtime, DataStream = new MemoryStream(new byte[1234]) });
            writer.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "etc/alt") { LinkName = "/usr/bin/tool", Mode = (UnixFileMode)0x1ff, ModificationTime = mtime });
            writer.WriteEntry(new PaxTarEntry(TarEntryType.HardLink, "usr/bin/tool2") { LinkName = "usr/bin/tool", ModificationTime = mtime });
            writer.WriteEntry(new PaxTarEntry(TarEntryType.CharacterDevice, "dev/null2") { DeviceMajor = 1, DeviceMinor = 3, Mode = (UnixFileMode)0x1b6, ModificationTime = mtime });
            writer.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "tmp/") { Mode = (UnixFileMode)0x3ff, ModificationTime = mtime });
        }
        using var dir = new ScratchDir();
        var path = SyntheticCheckpoint.OneProcess().WriteTo(dir.Path, compress: TestArchive.Zstd, extra: ("rootfs-diff.tar", TestArchive.Gzip(inner.ToArray())));
        var lines = ThreadViewTests.TreeLines(path, "--rootfs-diff");
        Assert.Contains("Changed files (rootfs-diff.tar, gzip): 5 entries, 1.2 KiB in files", lines);
        Assert.Contains("-rwsr-xr-x      1234 2025-01-02 03:04:05 usr/bin/tool", lines);
        Assert.Contains("lrwxrwxrwx         0 2025-01-02 03:04:05 etc/alt -> /usr/bin/tool", lines);
        Assert.Contains("hrw-r--r--         0 2025-01-02 03:04:05 usr/bin/tool2 link to usr/bin/tool", lines);
        Assert.Contains("crw-rw-rw-         0 2025-01-02 03:04:05 dev/null2", lines);
        Assert.Contains("drwxrwxrwt         0 2025-01-02 03:04:05 tmp/", lines);
        Assert.Contains("Deleted files: none recorded (no deleted.files)", lines);
    }

    [Fact]
    public void Crio_log_member_and_top_level_dump_log()
    {
        using var dir = new ScratchDir();
        var archive = SyntheticCheckpoint.OneProcess().ToArchive()
            .File("io.kubernetes.cri-o.LogPath", "one\ntwo\r\nthree")
            .File("dump.log", "(00.1) Version: 4.0\n(00.2) Warn  (criu/x.c:1): careful\n(00.3) Error (criu/y.c:2): broken\nplain\n");
        var path = archive.WriteTo(dir.Path, "c.tar");
        var lines = ThreadViewTests.TreeLines(path, "--logs");
        Assert.Contains("Container log (io.kubernetes.cri-o.LogPath): 3 lines", lines);
        Assert.Contains("three", lines);
        Assert.Contains("two", lines);
        Assert.Contains("CRIU dump log (dump.log): 1 error, 1 warning", lines);
        Assert.Contains("(00.2) Warn  (criu/x.c:1): careful", lines);
        Assert.Contains("Changed files: none recorded (no rootfs-diff.tar)", ThreadViewTests.TreeLines(path, "--rootfs-diff"));
    }

    [Fact]
    public void Damaged_members_are_errors()
    {
        using var dir = new ScratchDir();
        var badJson = SyntheticCheckpoint.OneProcess().WriteTo(dir.Path, "a.tar", extra: ("deleted.files", "{\"x\":1}"u8.ToArray()));
        Assert.StartsWith("failed to get root file system changes: failed to unmarshal deleted.files: json: cannot unmarshal object",
            CliRunner.AssertError(CliRunner.Run("inspect", badJson, "--rootfs-diff")));
        var badTar = SyntheticCheckpoint.OneProcess().WriteTo(dir.Path, "b.tar", extra: ("rootfs-diff.tar", new byte[700].Select((_, i) => (byte)(i * 7)).ToArray()));
        Assert.Equal("rootfs-diff.tar: archive/tar: invalid tar header", CliRunner.AssertError(CliRunner.Run("inspect", badTar, "--rootfs-diff")));
        Assert.Equal("invalid argument \"x\" for \"--tail\" flag: strconv.ParseInt: parsing \"x\": invalid syntax",
            CliRunner.AssertError(CliRunner.Run("inspect", "/nonexistent", "--tail", "x")));
    }
}
