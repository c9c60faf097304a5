using System.Buffers.Binary;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Checkpointctl.Core.Criu;
using Checkpointctl.Core.Criu.Images;
using Google.Protobuf;

namespace Checkpointctl.Tests;

/// <summary>
/// <c>inspect</c> over small synthetic checkpoints built in the test: sockets of every family, queued data, the
/// <c>--pid</c> filter, deleted files, command line and environment (plain and zstd, pages before or after their
/// pagemap), determinism and the error for each missing or broken image.
/// </summary>
public class InspectSyntheticTests
{
    private const uint Listen = 10, Established = 1, Close = 7;
    private const uint AfInet = 2, AfInet6 = 10;
    private const uint IpProtoTcp = 6, IpProtoUdp = 17;
    private const uint SockStream = 1, SockDgram = 2, SockRaw = 3;

    private static readonly uint[] Loopback4 = [0x0100007f];
    private static readonly uint[] Any4 = [0];
    private static readonly uint[] Loopback6 = [0, 0, 0, 0x01000000];
    private static readonly uint[] Any6 = [0, 0, 0, 0];

    // --- sockets -------------------------------------------------------------------------------------------------

    [Fact]
    public void Ipv6_tcp_socket()
    {
        var b = SyntheticCheckpoint.OneProcess();
        b.Fd(1, 3, Inet(10, AfInet6, IpProtoTcp, Listen, Loopback6, 47003, Any6, 0));
        using var dir = new ScratchDir();
        var path = b.WriteTo(dir.Path);

        Assert.Contains("[TCP (LISTEN)]  [::1]:47003 -> [::]:0 (↑ 16.0 KB ↓ 128.0 KB)", TreeLines(path, "--sockets"));
        Assert.Equal(
            """{"protocol":"TCP","data":{"type":"TCP","state":"LISTEN","src":"::1","src_port":47003,"dst":"::","send_buf":"16.0 KB","recv_buf":"128.0 KB"}}""",
            Compact(Assert.Single(JsonSockets(path, 1))));
    }

    [Fact]
    public void Ipv4_tcp_socket_has_no_brackets()
    {
        var b = SyntheticCheckpoint.OneProcess();
        b.Fd(1, 3, Inet(10, AfInet, IpProtoTcp, Established, Loopback4, 8080, [0x0101a8c0], 51000));
        using var dir = new ScratchDir();
        var path = b.WriteTo(dir.Path);

        Assert.Contains("[TCP (ESTABLISHED)]  127.0.0.1:8080 -> 192.168.1.1:51000 (↑ 16.0 KB ↓ 128.0 KB)", TreeLines(path, "--sockets"));
        var data = Assert.Single(JsonSockets(path, 1)).GetProperty("data");
        Assert.Equal("127.0.0.1", data.GetProperty("src").GetString());
        Assert.Equal("192.168.1.1", data.GetProperty("dst").GetString());
    }

    [Fact]
    public void Udp_ipv4_socket()
    {
        var b = SyntheticCheckpoint.OneProcess();
        b.Fd(1, 4, Inet(11, AfInet, IpProtoUdp, Close, Loopback4, 53, Any4, 0, type: SockDgram));
        using var dir = new ScratchDir();
        var path = b.WriteTo(dir.Path);

        Assert.Contains("[UDP]  127.0.0.1:53 -> 0.0.0.0:0 (↑ 16.0 KB ↓ 128.0 KB)", TreeLines(path, "--sockets"));
        Assert.Equal(
            """{"protocol":"UDP","data":{"type":"UDP","state":"CLOSE","src":"127.0.0.1","src_port":53,"dst":"0.0.0.0","send_buf":"16.0 KB","recv_buf":"128.0 KB"}}""",
            Compact(Assert.Single(JsonSockets(path, 1))));
    }

    [Fact]
    public void Unix_sockets_path_and_abstract_names()
    {
        var b = SyntheticCheckpoint.OneProcess();
        b.Fd(1, 5, Unix(20, ino: 3001, peer: 3002, SockStream, "/run/app.sock\0"u8));
        b.Fd(1, 6, Unix(21, ino: 3003, peer: 0, SockDgram, "\0abstract-name"u8));
        using var dir = new ScratchDir();
        var path = b.WriteTo(dir.Path);

        var tree = TreeLines(path, "--sockets");
        Assert.Contains("[UNIX (STREAM)]  /run/app.sock", tree);
        Assert.Contains("[UNIX (DGRAM)]  @abstract-name", tree);
        var sockets = JsonSockets(path, 1);
        Assert.Equal(2, sockets.Count);
        Assert.Equal("""{"protocol":"UNIX","data":{"type":"STREAM","address":"/run/app.sock","state":"LISTEN","send_buf":"16.0 KB","recv_buf":"128.0 KB"}}""", Compact(sockets[0]));
        Assert.Equal("""{"protocol":"UNIX","data":{"type":"DGRAM","address":"@abstract-name","state":"CLOSE","send_buf":"16.0 KB","recv_buf":"128.0 KB"}}""", Compact(sockets[1]));

        var files = TreeLines(path, "--files");
        Assert.Contains("[UNIXSK 5]  unix[3001 (3002) /run/app.sock]", files);
        Assert.Contains("[UNIXSK 6]  unix[3003 (0) @abstract-name]", files);
    }

    [Fact]
    public void Packet_and_netlink_sockets()
    {
        var b = SyntheticCheckpoint.OneProcess();
        b.Fd(1, 7, new FileEntry
        {
            Type = FdTypes.Packetsk, Id = 30,
            Psk = new PacketSockEntry { Id = 30, Type = SockRaw, Protocol = 3, Opts = Opts(4096, 2 << 20) },
        });
        b.Fd(1, 8, new FileEntry
        {
            Type = FdTypes.Netlinksk, Id = 31,
            Nlsk = new NetlinkSkEntry { Id = 31, Protocol = 0, State = Close, Opts = Opts(1000, 1536) },
        });
        using var dir = new ScratchDir();
        var path = b.WriteTo(dir.Path);

        var tree = TreeLines(path, "--sockets");
        Assert.Contains("[ETH_P_ALL]  ↑ 4.0 KB ↓ 2.0 MB", tree);
        Assert.Contains("[NETLINK_ROUTE]  ↑ 1000 B ↓ 1.5 KB", tree);
        var sockets = JsonSockets(path, 1);
        Assert.Equal(2, sockets.Count);
        Assert.Equal("""{"protocol":"ETH_P_ALL","data":{"type":"RAW","send_buf":"4.0 KB","recv_buf":"2.0 MB"}}""", Compact(sockets[0]));
        Assert.Equal("""{"protocol":"NETLINK_ROUTE","data":{"state":"CLOSE","send_buf":"1000 B","recv_buf":"1.5 KB"}}""", Compact(sockets[1]));
    }

    [Fact]
    public void Tcp_queued_data_from_tcp_stream_image()
    {
        var b = SyntheticCheckpoint.OneProcess();
        b.Fd(1, 3, Inet(10, AfInet, IpProtoTcp, Established, Loopback4, 8080, Loopback4, 40000, ino: 0x1234));
        b.Image("tcp-stream-1234.img", SyntheticCheckpoint.Frame(CriuMagic.TcpStream,
            (new TcpStreamEntry { InqLen = 5, OutqLen = 7 }, "12345abcdefg"u8.ToArray())));
        using var dir = new ScratchDir();
        var path = b.WriteTo(dir.Path);

        Assert.Contains("[TCP (ESTABLISHED)]  127.0.0.1:8080 -> 127.0.0.1:40000 (↑ 16.0 KB ↓ 128.0 KB) queued ↑ 7 B ↓ 5 B", TreeLines(path, "--sockets"));
        var data = Assert.Single(JsonSockets(path, 1)).GetProperty("data");
        Assert.Equal(7, data.GetProperty("send_queue").GetInt32());
        Assert.Equal(5, data.GetProperty("recv_queue").GetInt32());
    }

    [Fact]
    public void Unix_queued_data_from_sk_queues()
    {
        var b = SyntheticCheckpoint.OneProcess();
        b.Fd(1, 5, Unix(20, ino: 3001, peer: 3002, SockDgram, "/run/q.sock"u8));
        b.Fd(1, 6, Unix(21, ino: 3003, peer: 3004, SockDgram, "/run/other.sock"u8));
        b.Image("sk-queues.img", SyntheticCheckpoint.Frame(CriuMagic.SkQueues,
            (new SkPacketEntry { IdFor = 20, Length = 3 }, "abc"u8.ToArray()),
            (new SkPacketEntry { IdFor = 20, Length = 4 }, "defg"u8.ToArray())));
        using var dir = new ScratchDir();
        var path = b.WriteTo(dir.Path);

        var tree = TreeLines(path, "--sockets");
        Assert.Contains("[UNIX (DGRAM)]  /run/q.sock queued ↑ 0 B ↓ 7 B", tree);
        Assert.Contains("[UNIX (DGRAM)]  /run/other.sock", tree);
        var sockets = JsonSockets(path, 1);
        Assert.Equal(7, sockets[0].GetProperty("data").GetProperty("recv_queue").GetInt32());
        Assert.False(sockets[0].GetProperty("data").TryGetProperty("send_queue", out _));
        Assert.False(sockets[1].GetProperty("data").TryGetProperty("recv_queue", out _));
    }

    [Fact]
    public void Sockets_tree_whole_output()
    {
        var b = SyntheticCheckpoint.OneProcess();
        b.Fd(1, 3, Inet(10, AfInet6, IpProtoTcp, Listen, Loopback6, 47003, Any6, 0));
        b.Fd(1, 5, Unix(20, ino: 3001, peer: 3002, SockStream, "/run/app.sock\0"u8));
        using var dir = new ScratchDir();
        var path = b.WriteTo(dir.Path);

        var result = CliRunner.Run("inspect", path, "--sockets");
        Assert.Equal("", result.Stderr);
        Assert.Equal(0, result.ExitCode);
        var size = Size(b.Images().Sum(i => (long)i.Data.Length));
        Assert.Equal($"""

            Displaying container checkpoint tree view from {path}

            test-ctr
            ├── Image: localhost/test:latest
            ├── ID: 0123456789abcdef0123
            ├── Runtime: runc
            ├── Created: 2026-01-02T03:04:05+01:00
            ├── Engine: Podman
            ├── Checkpoint size: {size}
            └── Process tree
                └── [1]  app
                    └── Open sockets
                        ├── [TCP (LISTEN)]  [::1]:47003 -> [::]:0 (↑ 16.0 KB ↓ 128.0 KB)
                        └── [UNIX (STREAM)]  /run/app.sock


            """, result.Stdout);
    }

    // --- --pid, deleted files, determinism -----------------------------------------------------------------------

    [Fact]
    public void Pid_filters_files_and_sockets()
    {
        var b = new SyntheticCheckpoint().Process(1, 0, "init").Process(2, 1, "worker");
        b.Fd(1, 3, Inet(10, AfInet, IpProtoTcp, Listen, Any4, 80, Any4, 0));
        b.Fd(2, 3, Inet(11, AfInet, IpProtoTcp, Listen, Any4, 8080, Any4, 0));
        using var dir = new ScratchDir();
        var path = b.WriteTo(dir.Path);

        var all = InspectJson(path, "--sockets", "--files");
        Assert.Equal(new uint[] { 1, 2 }, Pids(all, "sockets"));
        Assert.Equal(new uint[] { 1, 2 }, Pids(all, "file_descriptors"));

        var only2 = InspectJson(path, "--sockets", "--files", "--pid", "2");
        Assert.Equal(new uint[] { 2 }, Pids(only2, "sockets"));
        Assert.Equal(new uint[] { 2 }, Pids(only2, "file_descriptors"));
        Assert.Equal(8080, only2.GetProperty("sockets")[0].GetProperty("open_sockets")[0].GetProperty("data").GetProperty("src_port").GetInt32());
        Assert.Equal(2u, only2.GetProperty("process_tree").GetProperty("pid").GetUInt32());

        var tree = TreeLines(path, "--sockets", "--pid", "2");
        Assert.Contains("[2]  worker", tree);
        Assert.DoesNotContain("[1]  init", tree);
        Assert.Contains("[TCP (LISTEN)]  0.0.0.0:8080 -> 0.0.0.0:0 (↑ 16.0 KB ↓ 128.0 KB)", tree);
        Assert.DoesNotContain("[TCP (LISTEN)]  0.0.0.0:80 -> 0.0.0.0:0 (↑ 16.0 KB ↓ 128.0 KB)", tree);
    }

    [Fact]
    public void Deleted_while_open_file_is_marked_in_the_tree_and_flagged_in_json()
    {
        var b = SyntheticCheckpoint.OneProcess();
        b.Fd(1, 3, Reg(40, "/tmp/gone.txt"));
        b.Fd(1, 4, Reg(41, "/tmp/kept.txt"));
        b.Image("remap-fpath.img", SyntheticCheckpoint.Frame(CriuMagic.RemapFpath,
            new RemapFilePathEntry { OrigId = 40, RemapId = 99, RemapType = RemapType.Ghost }));
        using var dir = new ScratchDir();
        var path = b.WriteTo(dir.Path);

        var tree = TreeLines(path, "--files");
        Assert.Contains("[REG 3]  /tmp/gone.txt (deleted)", tree);
        Assert.Contains("[REG 4]  /tmp/kept.txt", tree);
        Assert.Contains("[cwd]  /app", tree);
        Assert.Contains("[root]  /", tree);
        var files = InspectJson(path, "--files").GetProperty("file_descriptors")[0].GetProperty("open_files");
        // JSON keeps upstream's path (consumers compare paths) and says "deleted" beside it, omitted when false.
        Assert.Equal("""{"type":"REG","fd":"REG 3","path":"/tmp/gone.txt","deleted":true}""", Compact(files[0]));
        Assert.Equal("""{"type":"REG","fd":"REG 4","path":"/tmp/kept.txt"}""", Compact(files[1]));
    }

    [Fact]
    public void Same_command_twice_gives_identical_bytes()
    {
        var b = SyntheticCheckpoint.WithMemory().Process(2, 1, "worker").Memory(2, pagesId: 2, "worker\0-v\0"u8, "Z=26\0"u8);
        b.Fd(1, 3, Inet(10, AfInet6, IpProtoTcp, Listen, Loopback6, 47003, Any6, 0));
        b.Fd(1, 4, Reg(40, "/tmp/data"));
        b.Fd(2, 5, Unix(20, ino: 3001, peer: 3002, SockStream, "/run/app.sock\0"u8));
        using var dir = new ScratchDir();
        var path = b.WriteTo(dir.Path);

        foreach (var format in new[] { "tree", "json" })
        {
            string[] args = ["inspect", path, "--sockets", "--files", "--ps-tree-cmd", "--ps-tree-env", "--format", format];
            var first = CliRunner.Run(args);
            var second = CliRunner.Run(args);
            Assert.Equal(0, first.ExitCode);
            Assert.Equal("", first.Stderr);
            Assert.Equal(Encoding.UTF8.GetBytes(first.Stdout), Encoding.UTF8.GetBytes(second.Stdout));
        }
    }

    // --- command line and environment ----------------------------------------------------------------------------

    [Fact]
    public void Cmdline_and_environment()
    {
        using var dir = new ScratchDir();
        var path = SyntheticCheckpoint.WithMemory().WriteTo(dir.Path);

        var lines = TreeLines(path, "--ps-tree-cmd", "--ps-tree-env");
        Assert.Contains("[1]  prog --flag ", lines);
        Assert.Equal(new[] { "Environment variables", "A=1", "B=", "C=x=y" },
            lines.SkipWhile(l => l != "Environment variables").Take(4).ToArray());
        var tree = InspectJson(path, "--ps-tree-cmd", "--ps-tree-env").GetProperty("process_tree");
        Assert.Equal("prog --flag ", tree.GetProperty("cmdline").GetString());
        Assert.Equal("""{"A":"1","B":"","C":"x=y"}""", Compact(tree.GetProperty("environment_variables")));
    }

    [Fact]
    public void Cmdline_and_environment_same_from_zstd_in_either_member_order()
    {
        AssertSameMemoryViews(SyntheticCheckpoint.WithMemory());
    }

    [Fact]
    public void Environment_crossing_a_page_same_from_zstd_in_either_member_order()
    {
        AssertSameMemoryViews(SyntheticCheckpoint.WithMemory(envCrossesPage: true));
    }

    /// <summary>
    /// The cmd/env views of the plain archive, the zstd one (pages after their mm and pagemap: captured in the single
    /// pass) and a zstd one with pages-1.img first (captured in the second pass) are identical but for the path.
    /// </summary>
    private static void AssertSameMemoryViews(SyntheticCheckpoint b)
    {
        using var dir = new ScratchDir();
        string[] paths =
        [
            b.WriteTo(dir.Path, "plain.tar"),
            b.WriteTo(dir.Path, "sorted.tar.zst", TestArchive.Zstd),
            b.WriteTo(dir.Path, "pages-first.tar.zst", TestArchive.Zstd, first: ["pages-1.img"]),
        ];
        foreach (var format in new[] { "tree", "json" })
        {
            var expected = Inspect(paths[0], "--ps-tree-cmd", "--ps-tree-env", "--format", format).Replace(paths[0], "ARCHIVE");
            Assert.Contains("prog --flag ", expected);
            Assert.Contains(format == "tree" ? "C=x=y" : "\"C\": \"x=y\"", expected);
            foreach (var path in paths[1..])
                Assert.Equal(expected, Inspect(path, "--ps-tree-cmd", "--ps-tree-env", "--format", format).Replace(path, "ARCHIVE"));
        }
    }

    [Theory]
    [InlineData("plain.tar")]
    [InlineData("sorted.tar.zst")]
    public void Environment_entry_without_equals_is_an_error(string name)
    {
        using var dir = new ScratchDir();
        var path = SyntheticCheckpoint.WithMemory(env: "A=1\0NOEQUALS\0"u8)
            .WriteTo(dir.Path, name, name.EndsWith(".zst", StringComparison.Ordinal) ? TestArchive.Zstd : null);
        Assert.Equal("failed to get process tree: failed to build JSON process tree node: invalid environment variable NOEQUALS",
            CliRunner.AssertError(CliRunner.Run("inspect", path, "--ps-tree-env")));
    }

    // --- errors ------------------------------------------------------------------------------------------------

    [Fact]
    public void Missing_pstree()
    {
        using var dir = new ScratchDir();
        var path = SyntheticCheckpoint.OneProcess().WriteTo(dir.Path, without: ["pstree.img"]);
        Assert.Equal("failed to get process tree: error opening binary file: open checkpoint/pstree.img: no such file or directory",
            CliRunner.AssertError(CliRunner.Run("inspect", path, "--ps-tree")));
    }

    [Fact]
    public void Missing_ids_image()
    {
        using var dir = new ScratchDir();
        var path = SyntheticCheckpoint.OneProcess().WriteTo(dir.Path, without: ["ids-1.img"]);
        var message = CliRunner.AssertError(CliRunner.Run("inspect", path, "--files"));
        Assert.StartsWith("failed to get file descriptors: ", message);
        Assert.Equal("failed to get file descriptors: error opening binary file: open checkpoint/ids-1.img: no such file or directory", message);
    }

    [Fact]
    public void Missing_stats_dump()
    {
        using var dir = new ScratchDir();
        var path = SyntheticCheckpoint.OneProcess().WriteTo(dir.Path);
        Assert.Equal("failed to get dump statistics: open stats-dump: no such file or directory",
            CliRunner.AssertError(CliRunner.Run("inspect", path, "--stats")));
    }

    [Fact]
    public void Stats_dump_that_is_text()
    {
        using var dir = new ScratchDir();
        var path = SyntheticCheckpoint.OneProcess().WriteTo(dir.Path, extra: ("stats-dump", "{ \n  \"freezing_time\": 1\n}\n"u8.ToArray()));
        Assert.Equal("failed to get dump statistics: unknown magic 0x200a207b",
            CliRunner.AssertError(CliRunner.Run("inspect", path, "--stats")));
    }

    [Fact]
    public void Unknown_pid()
    {
        using var dir = new ScratchDir();
        var path = SyntheticCheckpoint.OneProcess().WriteTo(dir.Path);
        Assert.Equal("failed to get process tree: no process with PID 99999 (use `inspect --ps-tree` to view all PIDs)",
            CliRunner.AssertError(CliRunner.Run("inspect", path, "--pid", "99999")));
    }

    [Fact]
    public void Invalid_format()
    {
        using var dir = new ScratchDir();
        var path = SyntheticCheckpoint.OneProcess().WriteTo(dir.Path);
        Assert.Equal("invalid output format: x", CliRunner.AssertError(CliRunner.Run("inspect", path, "--format", "x")));
    }

    // --- helpers -------------------------------------------------------------------------------------------------

    private static SkOptsEntry Opts(uint send = 16 << 10, uint recv = 128 << 10) => new() { SoSndbuf = send, SoRcvbuf = recv };

    private static FileEntry Inet(uint id, uint family, uint proto, uint state, uint[] src, uint srcPort, uint[] dst, uint dstPort,
        uint ino = 0, uint type = SockStream)
    {
        var sk = new InetSkEntry
        {
            Id = id, Ino = ino != 0 ? ino : 5000 + id, Family = family, Type = type, Proto = proto, State = state,
            SrcPort = srcPort, DstPort = dstPort, Opts = Opts(),
        };
        sk.SrcAddr.AddRange(src);
        sk.DstAddr.AddRange(dst);
        return new FileEntry { Type = FdTypes.Inetsk, Id = id, Isk = sk };
    }

    private static FileEntry Unix(uint id, uint ino, uint peer, uint type, ReadOnlySpan<byte> name) => new()
    {
        Type = FdTypes.Unixsk, Id = id,
        Usk = new UnixSkEntry { Id = id, Ino = ino, Peer = peer, Type = type, State = type == SockStream ? Listen : Close, Name = ByteString.CopyFrom(name), Opts = Opts() },
    };

    private static FileEntry Reg(uint id, string name) =>
        new() { Type = FdTypes.Reg, Id = id, Reg = new RegFileEntry { Id = id, Name = name } };

    private static string Inspect(string path, params string[] flags)
    {
        var result = CliRunner.Run(["inspect", path, .. flags]);
        Assert.True(result.Stderr.Length == 0, result.Stderr);
        Assert.Equal(0, result.ExitCode);
        return result.Stdout;
    }

    /// <summary>The tree view's lines without the tree glyphs in front.</summary>
    private static string[] TreeLines(string path, params string[] flags) => StripTree(Inspect(path, flags));

    private static string[] StripTree(string output) =>
        output.Split('\n').Select(l => l.TrimStart(' ', '│', '├', '└', '─')).ToArray();

    private static JsonElement InspectJson(string path, params string[] flags)
    {
        using var doc = JsonDocument.Parse(Inspect(path, [.. flags, "--format", "json"]));
        return Assert.Single(doc.RootElement.EnumerateArray().ToArray()).Clone();
    }

    private static List<JsonElement> JsonSockets(string path, uint pid)
    {
        var entry = InspectJson(path, "--sockets").GetProperty("sockets").EnumerateArray().Single(s => s.GetProperty("pid").GetUInt32() == pid);
        return entry.GetProperty("open_sockets").EnumerateArray().ToList();
    }

    private static uint[] Pids(JsonElement inspection, string list) =>
        inspection.GetProperty(list).EnumerateArray().Select(e => e.GetProperty("pid").GetUInt32()).ToArray();

    private static string Compact(JsonElement element)
    {
        var output = new MemoryStream();
        using (var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            element.WriteTo(writer);
        return Encoding.UTF8.GetString(output.ToArray());
    }

    private static string Size(long bytes) => Checkpointctl.Cli.Rendering.Units.Bytes(bytes);
}

/// <summary>
/// A synthetic checkpoint: processes (pstree, core, ids, fs), their fds (fdinfo and files.img), and any other image.
/// Each process's files id is its PID; cwd (<c>/app</c>, id 2) and root (<c>/</c>, id 1) are shared.
/// </summary>
internal sealed class SyntheticCheckpoint
{
    private const uint RootId = 1, CwdId = 2;

    private readonly List<PstreeEntry> _pstree = [];
    private readonly List<FileEntry> _files = [];
    private readonly SortedDictionary<uint, List<FdinfoEntry>> _fdinfo = [];
    private readonly List<(string Name, byte[] Data)> _images = [];

    public SyntheticCheckpoint()
    {
        _files.Add(new FileEntry { Type = FdTypes.Reg, Id = RootId, Reg = new RegFileEntry { Id = RootId, Name = "/" } });
        _files.Add(new FileEntry { Type = FdTypes.Reg, Id = CwdId, Reg = new RegFileEntry { Id = CwdId, Name = "/app" } });
    }

    public static SyntheticCheckpoint OneProcess() => new SyntheticCheckpoint().Process(1, 0, "app");

    /// <summary>Process 1 (<c>prog</c>) with <c>prog\0--flag\0</c> and an environment in memory (see <see cref="Memory"/>).</summary>
    public static SyntheticCheckpoint WithMemory(ReadOnlySpan<byte> env = default, bool envCrossesPage = false) =>
        new SyntheticCheckpoint().Process(1, 0, "prog")
            .Memory(1, pagesId: 1, "prog\0--flag\0"u8, env.IsEmpty ? "A=1\0B=\0\0C=x=y\0"u8 : env, envCrossesPage);

    /// <summary>
    /// mm, pagemap and pages images for <paramref name="pid"/>: one present page of filler, a lazy (absent) run, then a
    /// present two-page stack run (pages-file offset 4096) holding argv at +0x100 and the environment at +0x200, or
    /// straddling the stack run's two pages when <paramref name="envCrossesPage"/>.
    /// </summary>
    public SyntheticCheckpoint Memory(uint pid, uint pagesId, ReadOnlySpan<byte> argv, ReadOnlySpan<byte> env, bool envCrossesPage = false)
    {
        const int page = 4096, argAt = 0x100;
        const ulong stack = 0x7ffd_0000_0000;
        var envAt = envCrossesPage ? page - env.Length / 2 : 0x200;
        var pages = new byte[3 * page];
        pages.AsSpan(0, page).Fill((byte)'J');
        argv.CopyTo(pages.AsSpan(page + argAt));
        env.CopyTo(pages.AsSpan(page + envAt));
        var mm = new MmEntry
        {
            MmArgStart = stack + argAt, MmArgEnd = stack + argAt + (ulong)argv.Length,
            MmEnvStart = stack + (ulong)envAt, MmEnvEnd = stack + (ulong)(envAt + env.Length),
        };
        return Image($"mm-{pid}.img", Frame(CriuMagic.Mm, mm))
            .Image($"pagemap-{pid}.img", Frame(CriuMagic.Pagemap,
                new PagemapHead { PagesId = pagesId },
                new PagemapEntry { Vaddr = 0x40_0000, NrPages = 1, Flags = 4 },
                new PagemapEntry { Vaddr = 0x50_0000, NrPages = 8, Flags = 2 },
                new PagemapEntry { Vaddr = stack, NrPages = 2, Flags = 6 }))
            .Image($"pages-{pagesId}.img", pages);
    }

    public SyntheticCheckpoint Process(uint pid, uint ppid, string comm)
    {
        _pstree.Add(new PstreeEntry { Pid = pid, Ppid = ppid, Pgid = pid, Sid = pid });
        _fdinfo[pid] = [];
        return Image($"core-{pid}.img", Frame(CriuMagic.Core, new CoreEntry { Tc = new TaskCoreEntry { TaskState = 1, Comm = comm } }))
            .Image($"ids-{pid}.img", Frame(CriuMagic.Ids, new TaskKobjIdsEntry { FilesId = pid }))
            .Image($"fs-{pid}.img", Frame(CriuMagic.Fs, new FsEntry { CwdId = CwdId, RootId = RootId }));
    }

    /// <summary>Opens <paramref name="file"/> (its id and type as given) as <paramref name="fd"/> of <paramref name="pid"/>.</summary>
    public SyntheticCheckpoint Fd(uint pid, uint fd, FileEntry file)
    {
        _files.Add(file);
        _fdinfo[pid].Add(new FdinfoEntry { Id = file.Id, Type = file.Type, Fd = fd });
        return this;
    }

    /// <summary>Adds an image below <c>checkpoint/</c>.</summary>
    public SyntheticCheckpoint Image(string name, byte[] data)
    {
        _images.Add((name, data));
        return this;
    }

    /// <summary>The archive: metadata, then the images in <paramref name="first"/>, then the rest in the order added.</summary>
    public TestArchive ToArchive(IReadOnlyCollection<string>? first = null, IReadOnlyCollection<string>? without = null)
    {
        var images = Images();
        first ??= [];
        var archive = new TestArchive().File("config.dump", TestArchive.Config).File("spec.dump", TestArchive.Spec).Directory("checkpoint/");
        foreach (var (name, data) in images.OrderBy(i => first.Contains(i.Name) ? 0 : 1))
        {
            if (without == null || !without.Contains(name))
                archive.File("checkpoint/" + name, data);
        }
        return archive;
    }

    /// <summary>Every image below <c>checkpoint/</c>: pstree, files, fdinfo, then those added.</summary>
    public List<(string Name, byte[] Data)> Images()
    {
        var images = new List<(string Name, byte[] Data)>
        {
            ("pstree.img", Frame(CriuMagic.Pstree, [.. _pstree])),
            ("files.img", Frame(CriuMagic.Files, [.. _files])),
        };
        images.AddRange(_fdinfo.Select(f => ($"fdinfo-{f.Key}.img", Frame(CriuMagic.Fdinfo, [.. f.Value]))));
        images.AddRange(_images);
        return images;
    }

    public string WriteTo(string dir, string name = "checkpoint.tar", Func<byte[], byte[]>? compress = null,
        IReadOnlyCollection<string>? first = null, IReadOnlyCollection<string>? without = null, (string Name, byte[] Data)? extra = null)
    {
        var archive = ToArchive(first, without);
        if (extra is { } e)
            archive.File(e.Name, e.Data);
        return archive.WriteTo(dir, name, compress);
    }

    /// <summary>A CRIU image (format doc §1): head magic, type magic, then size-prefixed entries.</summary>
    public static byte[] Frame(uint magic, params IMessage[] entries) =>
        Frame(magic, entries.Select(e => (e, Array.Empty<byte>())).ToArray());

    /// <summary>A CRIU image whose entries are each followed by a raw payload (format doc §1.5).</summary>
    public static byte[] Frame(uint magic, params (IMessage Entry, byte[] Payload)[] entries)
    {
        var output = new MemoryStream();
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(word, CriuMagic.ImgCommon);
        output.Write(word);
        BinaryPrimitives.WriteUInt32LittleEndian(word, magic);
        output.Write(word);
        foreach (var (entry, payload) in entries)
        {
            var bytes = entry.ToByteArray();
            BinaryPrimitives.WriteUInt32LittleEndian(word, (uint)bytes.Length);
            output.Write(word);
            output.Write(bytes);
            output.Write(payload);
        }
        return output.ToArray();
    }
}
