using System.Buffers.Binary;
using System.Diagnostics;
using System.Formats.Tar;
using System.Text;
using System.Text.Json;
using Checkpointctl.Core.Analysis;
using Checkpointctl.Core.Criu;
using Checkpointctl.Core.Criu.Images;
using Google.Protobuf;

namespace Checkpointctl.Tests;

/// <summary>
/// <c>diff</c> over pairs of checkpoints derived from one container: synthetic ones (processes, files, sockets, memory,
/// environments changed between A and B) and the piggie fixture with members rewritten (a process dropped, a socket
/// state and an environment variable changed). Tree and JSON, goldens, determinism, a &gt;1 MiB environment
/// difference, and the errors.
/// </summary>
public class DiffTests
{
    private const uint Listen = 10, Established = 1, CloseWait = 8, Close = 7;
    private const uint AfInet = 2, AfInet6 = 10;
    private const uint IpProtoTcp = 6, IpProtoUdp = 17;
    private const uint SockStream = 1, SockDgram = 2;
    private const uint Alive = 1, Stopped = 3;

    private const string OtherConfig =
        """{"id":"fedcba9876543210fedc","name":"other-ctr","rootfsImageName":"localhost/test:latest","runtime":"runc","createdTime":"2026-01-02T03:04:05.123+01:00"}""";

    // --- the synthetic pair ---------------------------------------------------------------------------------------

    /// <summary>
    /// A: init(1) → worker(2), helper(3), old-task(4). B: worker stopped, helper renamed helper2 and moved below worker,
    /// old-task gone, new-task(5) added; init's cmdline, environment and memory (+1 page) changed; files and sockets
    /// added, removed and (one socket) changed state.
    /// </summary>
    private static (string A, string B) SyntheticPair(string dir)
    {
        var a = new SyntheticCheckpoint()
            .Process(1, 0, "init").Process(2, 1, "worker").Process(3, 1, "helper").Process(4, 1, "old-task");
        Memory(a, 1, "init\0--mode=a\0"u8, "A=1\0B=2\0C=3\0"u8, pages: 2);
        Memory(a, 2, "worker\0"u8, "W=1\0"u8);
        Memory(a, 3, "helper\0"u8, "H=1\0"u8);
        Memory(a, 4, "old-task\0"u8, "O=1\0"u8);
        a.Fd(1, 3, Reg(40, "/var/log/app.log"));
        a.Fd(1, 4, Reg(41, "/tmp/only-in-a"));
        a.Fd(1, 6, Inet(10, AfInet, IpProtoTcp, Listen, [0], 80, [0], 0));
        a.Fd(1, 7, Inet(11, AfInet, IpProtoTcp, Established, [0x0100000a], 80, [0x0200000a], 5555));
        a.Fd(1, 9, Inet(12, AfInet, IpProtoTcp, Listen, [0x0100007f], 8080, [0], 0));
        a.Fd(2, 5, Unix(20, ino: 3001, peer: 0, SockStream, "/run/worker.sock"u8));

        var b = new SyntheticCheckpoint()
            .Process(1, 0, "init").Process(2, 1, "worker").Process(3, 2, "helper2").Process(5, 1, "new-task");
        Memory(b, 1, "init\0--mode=b\0"u8, "A=1\0B=two\0D=4\0"u8, pages: 3);
        Memory(b, 2, "worker\0"u8, "W=1\0"u8);
        Memory(b, 3, "helper\0"u8, "H=1\0"u8);
        Memory(b, 5, "new-task\0--fresh\0"u8, "N=1\0"u8);
        b.Fd(1, 3, Reg(40, "/var/log/app.log"));
        b.Fd(1, 5, Reg(42, "/tmp/only-in-b"));
        b.Fd(1, 6, Inet(10, AfInet, IpProtoTcp, Listen, [0], 80, [0], 0));
        b.Fd(1, 7, Inet(11, AfInet, IpProtoTcp, CloseWait, [0x0100000a], 80, [0x0200000a], 5555));
        b.Fd(1, 8, Inet(13, AfInet6, IpProtoUdp, Close, [0, 0, 0, 0x01000000], 53, [0, 0, 0, 0], 0, type: SockDgram));
        b.Fd(1, 9, Inet(12, AfInet, IpProtoTcp, Listen, [0], 8080, [0], 0));

        return (a.WriteTo(dir, "a.tar"),
            b.ToArchive(without: ["core-2.img"]).File("checkpoint/core-2.img", Core("worker", Stopped)).WriteTo(dir, "b.tar"));
    }

    [Fact]
    public void Tree_of_synthetic_pair()
    {
        using var dir = new ScratchDir();
        var (a, b) = SyntheticPair(dir.Path);

        var output = Diff(a, b, "--files", "--sockets", "--ps-tree-cmd", "--ps-tree-env");
        GoldenFile.Assert(output, "diff/synthetic-tree.txt");
        var lines = output.Split('\n');
        Assert.Equal("╔════════════════════════════════════════════════════════════════╗", lines[0]);
        Assert.Equal("║ Container: test-ctr                                            ║", lines[3]);
        Assert.Equal("║ ID:        0123456789abcdef0123                                ║", lines[5]);
        Assert.Contains("│ ↑ Increased by 0.00 MB", lines);
        Assert.Contains("│   PID 1     init            8.0 KiB → 12.0 KiB (+4.0 KiB)", lines);
        Assert.Contains("│   PID 4     old-task        4.0 KiB → 0 B (-4.0 KiB)", lines);
        Assert.Contains("│   PID 5     new-task        0 B → 4.0 KiB (+4.0 KiB)", lines);
        Assert.Equal(
            [
                "┌─ Process Tree ───────────────────────────────────────────────┐",
                "│ Added:",
                "│   + PID 5     new-task",
                "│             new-task --fresh ",
                "│ Removed:",
                "│   - PID 4     old-task",
                "│ Modified:",
                "│   ~ PID 1     init",
                "│             cmdline changed, env: +1 -1 ~1",
                "│   ~ PID 2     worker",
                "│             state: Alive → Stopped",
                "│   ~ PID 3     helper2",
                "│             command: helper → helper2, ppid: 1 → 2",
                "└──────────────────────────────────────────────────────────────┘",
            ],
            lines.SkipWhile(l => !l.StartsWith("┌─ Process Tree", StringComparison.Ordinal)).Take(14));
        Assert.Contains("│   + PID 1     REG 5      /tmp/only-in-b", lines);
        Assert.Contains("│   + PID 1     INETSK 8   INETSK.13", lines);
        Assert.Contains("│   + PID 5     cwd        /app", lines);
        Assert.Contains("│   - PID 1     REG 4      /tmp/only-in-a", lines);
        Assert.Contains("│   - PID 2     UNIXSK 5   unix[3001 (0) /run/worker.sock]", lines);
        Assert.DoesNotContain("│ Unchanged:", lines);
        Assert.Contains("│     PID   PROTO STATE        LOCAL                 PEER", lines);
        Assert.Contains("│  +  1     UDP   CLOSE        [::1]:53              -", lines);
        Assert.Contains("│  +  1     TCP   LISTEN       0.0.0.0:8080          -", lines);
        Assert.Contains("│  -  1     TCP   LISTEN       127.0.0.1:8080        -", lines);
        Assert.Contains("│  -  2     UNIX  -            /run/worker.sock      -", lines);
        Assert.Contains("│  ~  1     TCP   CLOSE_WAIT   10.0.0.1:80           10.0.0.2:5555  (was ESTABLISHED)", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith("│  =  ", StringComparison.Ordinal));
        Assert.Equal(
            ["Summary:", "Checkpoint comparison for container test-ctr", "Processes: +1 -1 ~3", "Files: +4 -4", "Sockets: +2 -2 ~1", "Memory: +0.00 MB", ""],
            lines.SkipWhile(l => l != "Summary:"));
    }

    [Fact]
    public void Json_of_synthetic_pair()
    {
        using var dir = new ScratchDir();
        var (a, b) = SyntheticPair(dir.Path);

        var output = Diff(a, b, "--files", "--sockets", "--ps-tree-cmd", "--ps-tree-env", "--format", "json");
        GoldenFile.Assert(output, "diff/synthetic.json");
        Assert.EndsWith("}\n", output);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.Equal(
            ["container_id", "container_name", "image", "checkpoint_a", "checkpoint_b", "process_changes", "file_changes", "memory_changes", "socket_changes", "summary"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("0123456789abcdef0123", root.GetProperty("container_id").GetString());

        var processes = root.GetProperty("process_changes");
        Assert.Equal("""[{"pid":5,"command":"new-task","cmdline":"new-task --fresh "}]""", Compact(processes.GetProperty("added")));
        Assert.Equal("""[{"pid":4,"command":"old-task","cmdline":"old-task "}]""", Compact(processes.GetProperty("removed")));
        var modified = processes.GetProperty("modified").EnumerateArray().ToArray();
        Assert.Equal([1u, 2u, 3u], modified.Select(p => p.GetProperty("pid").GetUInt32()));
        Assert.Equal("""[{"field":"cmdline","old":"init --mode=a ","new":"init --mode=b "}]""", Compact(modified[0].GetProperty("changes")));
        Assert.Equal("""{"added":{"D":"4"},"removed":{"C":"3"},"changed":{"B":{"old":"2","new":"two"}}}""",
            Compact(modified[0].GetProperty("environment_changes")));
        Assert.Equal("""[{"field":"state","old":"Alive","new":"Stopped"}]""", Compact(modified[1].GetProperty("changes")));
        Assert.False(modified[1].TryGetProperty("environment_changes", out _));
        Assert.Equal("""[{"field":"command","old":"helper","new":"helper2"},{"field":"ppid","old":"1","new":"2"}]""",
            Compact(modified[2].GetProperty("changes")));
        Assert.False(processes.TryGetProperty("unchanged", out _));

        var files = root.GetProperty("file_changes");
        Assert.Equal("""{"path":"/tmp/only-in-b","type":"REG","pid":1,"fd":"REG 5"}""", Compact(files.GetProperty("added")[0]));
        Assert.Equal("""{"path":"/tmp/only-in-a","type":"REG","pid":1,"fd":"REG 4"}""", Compact(files.GetProperty("removed")[0]));
        Assert.Equal(["1 REG 5", "1 INETSK 8", "5 cwd", "5 root"], FileLabels(files.GetProperty("added")));
        Assert.Equal(["1 REG 4", "2 UNIXSK 5", "4 cwd", "4 root"], FileLabels(files.GetProperty("removed")));
        Assert.Equal(["1 REG 3", "1 INETSK 6", "1 INETSK 7", "1 INETSK 9", "1 cwd", "1 root", "2 cwd", "2 root", "3 cwd", "3 root"],
            FileLabels(files.GetProperty("unchanged")));

        Assert.Equal(
            """{"size_change_bytes":4096,"size_change_mb":0.00390625,"processes":[{"pid":1,"old_bytes":8192,"new_bytes":12288,"change_bytes":4096},{"pid":4,"old_bytes":4096,"new_bytes":0,"change_bytes":-4096},{"pid":5,"old_bytes":0,"new_bytes":4096,"change_bytes":4096}]}""",
            Compact(root.GetProperty("memory_changes")));

        var sockets = root.GetProperty("socket_changes");
        Assert.Equal(
            """[{"pid":1,"protocol":"UDP","type":"UDP","state":"CLOSE","source":"::1","src_port":53,"dest":"::"},{"pid":1,"protocol":"TCP","type":"TCP","state":"LISTEN","source":"0.0.0.0","src_port":8080,"dest":"0.0.0.0"}]""",
            Compact(sockets.GetProperty("added")));
        Assert.Equal(
            """[{"pid":1,"protocol":"TCP","type":"TCP","state":"LISTEN","source":"127.0.0.1","src_port":8080,"dest":"0.0.0.0"},{"pid":2,"protocol":"UNIX","type":"STREAM","address":"/run/worker.sock","state":"LISTEN"}]""",
            Compact(sockets.GetProperty("removed")));
        Assert.Equal(
            """[{"pid":1,"protocol":"TCP","type":"TCP","state":"CLOSE_WAIT","source":"10.0.0.1","src_port":80,"dest":"10.0.0.2","dst_port":5555,"old_state":"ESTABLISHED","new_state":"CLOSE_WAIT"}]""",
            Compact(sockets.GetProperty("modified")));
        Assert.Equal("""[{"pid":1,"protocol":"TCP","type":"TCP","state":"LISTEN","source":"0.0.0.0","src_port":80,"dest":"0.0.0.0"}]""",
            Compact(sockets.GetProperty("unchanged")));
        Assert.Equal("Checkpoint comparison for container test-ctr\nProcesses: +1 -1 ~3\nFiles: +4 -4\nSockets: +2 -2 ~1\nMemory: +0.00 MB",
            root.GetProperty("summary").GetString());
    }

    [Fact]
    public void Without_cmd_and_env_flags_only_ppid_comm_and_state_count()
    {
        using var dir = new ScratchDir();
        var (a, b) = SyntheticPair(dir.Path);

        using var doc = JsonDocument.Parse(Diff(a, b, "--format", "json"));
        var processes = doc.RootElement.GetProperty("process_changes");
        Assert.Equal([2u, 3u], processes.GetProperty("modified").EnumerateArray().Select(p => p.GetProperty("pid").GetUInt32()));
        Assert.Equal("""[{"pid":1,"command":"init"}]""", Compact(processes.GetProperty("unchanged")));
        Assert.False(doc.RootElement.TryGetProperty("file_changes", out _));
        Assert.False(doc.RootElement.TryGetProperty("socket_changes", out _));
        Assert.Contains("│   ~ PID 1     init", Diff(a, b, "--ps-tree-cmd").Split('\n'));
        Assert.DoesNotContain("│   ~ PID 1     init", Diff(a, b).Split('\n'));
    }

    [Fact]
    public void Show_unchanged_draws_tree_b_and_unchanged_rows()
    {
        using var dir = new ScratchDir();
        var (a, b) = SyntheticPair(dir.Path);

        var output = Diff(a, b, "--files", "--sockets", "--ps-tree-cmd", "--show-unchanged");
        GoldenFile.Assert(output, "diff/synthetic-show-unchanged.txt");
        var lines = output.Split('\n');
        Assert.Equal(
            [
                "┌─ Process Tree ───────────────────────────────────────────────┐",
                "│ Process tree",
                "│ └── [~ PID 1]  init --mode=b ",
                "│     cmdline changed",
                "│     ├── [~ PID 2]  worker ",
                "│     │   state: Alive → Stopped",
                "│     │   └── [~ PID 3]  helper ",
                "│     │       command: helper → helper2, ppid: 1 → 2",
                "│     └── [+ PID 5]  new-task --fresh ",
                "│ Removed:",
                "│   - PID 4     old-task",
                "└──────────────────────────────────────────────────────────────┘",
            ],
            lines.SkipWhile(l => !l.StartsWith("┌─ Process Tree", StringComparison.Ordinal)).Take(12));
        Assert.Contains("│ Unchanged:", lines);
        Assert.Contains("│   = PID 1     REG 3      /var/log/app.log", lines);
        Assert.Contains("│   = PID 2     cwd        /app", lines);
        Assert.Contains("│  =  1     TCP   LISTEN       0.0.0.0:80            -", lines);
    }

    [Fact]
    public void Identical_checkpoints()
    {
        using var dir = new ScratchDir();
        var (a, _) = SyntheticPair(dir.Path);

        var output = Diff(a, a, "--files", "--sockets");
        var lines = output.Split('\n');
        Assert.Equal(
            [
                "┌─ Memory Changes ─────────────────────────────────────────────┐",
                "│ = No change",
                "└──────────────────────────────────────────────────────────────┘",
                "┌─ Process Tree ───────────────────────────────────────────────┐",
                "│ = No change",
                "└──────────────────────────────────────────────────────────────┘",
                "┌─ File Descriptor Changes ────────────────────────────────────┐",
                "└──────────────────────────────────────────────────────────────┘",
                "┌─ Socket Changes ──────────────────────────────────────────────────────┐",
                "└───────────────────────────────────────────────────────────────────────┘",
                "Summary:",
                "Checkpoint comparison for container test-ctr",
                "",
            ],
            lines.SkipWhile(l => !l.StartsWith("┌─ Memory", StringComparison.Ordinal)));
        using var doc = JsonDocument.Parse(Diff(a, a, "--format", "json"));
        Assert.Equal("""{"size_change_bytes":0,"size_change_mb":0}""", Compact(doc.RootElement.GetProperty("memory_changes")));
        Assert.Equal(4, doc.RootElement.GetProperty("process_changes").GetProperty("unchanged").GetArrayLength());
    }

    [Fact]
    public void File_deleted_since_a_is_removed_and_added_with_its_plain_path_in_json()
    {
        using var dir = new ScratchDir();
        var a = SyntheticCheckpoint.OneProcess();
        a.Fd(1, 3, Reg(40, "/tmp/gone.txt"));
        var b = SyntheticCheckpoint.OneProcess();
        b.Fd(1, 3, Reg(40, "/tmp/gone.txt"));
        b.Image("remap-fpath.img", SyntheticCheckpoint.Frame(CriuMagic.RemapFpath,
            new RemapFilePathEntry { OrigId = 40, RemapId = 99, RemapType = RemapType.Ghost }));
        var pathA = a.WriteTo(dir.Path, "a.tar");
        var pathB = b.WriteTo(dir.Path, "b.tar");

        var lines = Diff(pathA, pathB, "--files").Split('\n');
        Assert.Contains("│   + PID 1     REG 3      /tmp/gone.txt (deleted)", lines);
        Assert.Contains("│   - PID 1     REG 3      /tmp/gone.txt", lines);
        using var doc = JsonDocument.Parse(Diff(pathA, pathB, "--files", "--format", "json"));
        var files = doc.RootElement.GetProperty("file_changes");
        Assert.Equal("""[{"path":"/tmp/gone.txt","deleted":true,"type":"REG","pid":1,"fd":"REG 3"}]""", Compact(files.GetProperty("added")));
        Assert.Equal("""[{"path":"/tmp/gone.txt","type":"REG","pid":1,"fd":"REG 3"}]""", Compact(files.GetProperty("removed")));
        using var same = JsonDocument.Parse(Diff(pathB, pathB, "--files", "--format", "json"));
        Assert.Equal("""{"path":"/tmp/gone.txt","deleted":true,"type":"REG","pid":1,"fd":"REG 3"}""",
            Compact(same.RootElement.GetProperty("file_changes").GetProperty("unchanged")[0]));
    }

    [Fact]
    public void Same_bytes_on_repeated_runs()
    {
        using var dir = new ScratchDir();
        var (a, b) = SyntheticPair(dir.Path);
        string[][] flagSets =
        [
            ["--files", "--sockets", "--ps-tree-cmd", "--ps-tree-env"],
            ["--files", "--sockets", "--ps-tree-cmd", "--ps-tree-env", "--show-unchanged"],
            ["--files", "--sockets", "--ps-tree-env", "--format", "json"],
        ];
        foreach (var flags in flagSets)
        {
            var first = Diff(a, b, flags);
            for (var i = 0; i < 3; i++)
                Assert.Equal(Encoding.UTF8.GetBytes(first), Encoding.UTF8.GetBytes(Diff(a, b, flags)));
        }
    }

    [Fact]
    public void Same_result_from_compressed_archives()
    {
        using var dir = new ScratchDir();
        var (a, b) = SyntheticPair(dir.Path);
        var az = Path.Combine(dir.Path, "a.tar.zst");
        var bz = Path.Combine(dir.Path, "b.tar.gz");
        File.WriteAllBytes(az, TestArchive.Zstd(File.ReadAllBytes(a)));
        File.WriteAllBytes(bz, TestArchive.Gzip(File.ReadAllBytes(b)));
        string[] flags = ["--files", "--sockets", "--ps-tree-cmd", "--ps-tree-env", "--format", "json"];
        var plain = Diff(a, b, flags);
        var compressed = Diff(az, bz, flags);
        Assert.Equal(plain.Replace("\"total_size\": ", "\"total_size\": X"), compressed.Replace("\"total_size\": ", "\"total_size\": X"));
    }

    // --- memory figures ---------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(0, false, "0.00")]
    [InlineData(4096, true, "+0.00")]
    [InlineData(131072, false, "0.12")] // 0.125 exactly: half to even, as Go's %.2f
    [InlineData(393216, false, "0.38")] // 0.375 exactly
    [InlineData(-131072, true, "-0.12")]
    [InlineData(20971520, true, "+20.00")]
    [InlineData(1048576L * 1000 + 10486, false, "1000.01")]
    public void Megabytes_round_like_go(long bytes, bool signed, string expected) =>
        Assert.Equal(expected, CheckpointDiff.Megabytes(bytes, signed));

    [Fact]
    public void Memory_change_of_one_byte_and_of_128_KiB()
    {
        using var dir = new ScratchDir();
        var a = SyntheticCheckpoint.OneProcess().WriteTo(dir.Path, "a.tar");
        var oneByte = SyntheticCheckpoint.OneProcess().WriteTo(dir.Path, "b1.tar", extra: ("checkpoint/pages-9.img", new byte[1]));
        var big = SyntheticCheckpoint.OneProcess().WriteTo(dir.Path, "b2.tar", extra: ("checkpoint/pages-9.img", new byte[131072]));

        using (var doc = JsonDocument.Parse(Diff(a, oneByte, "--format", "json")))
        {
            Assert.Equal("""{"size_change_bytes":1,"size_change_mb":9.5367431640625e-7}""", Compact(doc.RootElement.GetProperty("memory_changes")));
        }
        Assert.Contains("\"size_change_mb\": 9.5367431640625e-7\n", Diff(a, oneByte, "--format", "json"));
        Assert.Contains("│ ↑ Increased by 0.00 MB", Diff(a, oneByte).Split('\n'));
        Assert.Contains("\"size_change_mb\": 0.125\n", Diff(a, big, "--format", "json"));
        var lines = Diff(big, a).Split('\n');
        Assert.Contains("│ ↓ Decreased by 0.12 MB", lines);
        Assert.Contains("Memory: -0.12 MB", lines);
    }

    // --- environments ---------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("a.tar", "b.tar")]
    [InlineData("a.tar.zst", "b.tar.zst")]
    public void Environment_difference_over_one_MiB(string nameA, string nameB)
    {
        const int count = 10_000;
        var valueA = new string('a', 110);
        var valueB = new string('b', 110);
        var envA = new StringBuilder();
        var envB = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            if (i % 100 != 99)
                envA.Append($"VAR_{i:D5}={valueA}\0");
            if (i % 100 != 0)
                envB.Append($"VAR_{i:D5}={valueB}\0");
        }
        envA.Append("SAME=1\0");
        envB.Append("SAME=1\0");
        Assert.True(envA.Length > 1 << 20 && envB.Length > 1 << 20);

        using var dir = new ScratchDir();
        var compress = nameA.EndsWith(".zst", StringComparison.Ordinal) ? TestArchive.Zstd : (Func<byte[], byte[]>?)null;
        var a = new SyntheticCheckpoint().Process(1, 0, "big-env");
        Memory(a, 1, "big-env\0"u8, Encoding.UTF8.GetBytes(envA.ToString()));
        var b = new SyntheticCheckpoint().Process(1, 0, "big-env");
        Memory(b, 1, "big-env\0"u8, Encoding.UTF8.GetBytes(envB.ToString()));
        var pathA = a.WriteTo(dir.Path, nameA, compress);
        var pathB = b.WriteTo(dir.Path, nameB, compress);

        var watch = Stopwatch.StartNew();
        var output = Diff(pathA, pathB, "--ps-tree-env", "--format", "json");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"diff took {watch.Elapsed}");
        Assert.True(output.Length > 1 << 20);
        using var doc = JsonDocument.Parse(output);
        var env = Assert.Single(doc.RootElement.GetProperty("process_changes").GetProperty("modified").EnumerateArray().ToArray())
            .GetProperty("environment_changes");
        var added = env.GetProperty("added").EnumerateObject().ToArray();
        var removed = env.GetProperty("removed").EnumerateObject().ToArray();
        var changed = env.GetProperty("changed").EnumerateObject().ToArray();
        Assert.Equal(count / 100, added.Length);
        Assert.Equal(count / 100, removed.Length);
        Assert.Equal(count - 2 * count / 100, changed.Length);
        Assert.Equal("VAR_00099", added[0].Name);
        Assert.Equal(valueB, added[0].Value.GetString());
        Assert.Equal("VAR_00000", removed[0].Name);
        Assert.Equal("VAR_00001", changed[0].Name);
        Assert.Equal(valueA, changed[0].Value.GetProperty("old").GetString());
        Assert.Equal(valueB, changed[0].Value.GetProperty("new").GetString());
        Assert.Equal(changed.Select(c => c.Name).Order(StringComparer.Ordinal), changed.Select(c => c.Name));
        Assert.DoesNotContain(changed, c => c.Name == "SAME");

        Assert.Contains("│             env: +100 -100 ~9800", Diff(pathA, pathB, "--ps-tree-env").Split('\n'));
    }

    // --- the piggie fixture, rewritten -----------------------------------------------------------------------------

    /// <summary>B = piggie-podman.tar without process 8 in pstree.img, pid 5's TCP socket in CLOSE_WAIT, TEST_ENV=BAZ in pages-1.img.</summary>
    private static string RewrittenPiggie(string dir)
    {
        var path = Path.Combine(dir, "piggie-b.tar");
        RewriteTar(TestPaths.Wrapped("piggie-podman.tar"), path, (name, data) => name switch
        {
            "checkpoint/pstree.img" => Reframe(data, CriuMagic.Pstree, PstreeEntry.Parser, e => e.Pid == 8 ? null : e),
            "checkpoint/files.img" => Reframe(data, CriuMagic.Files, FileEntry.Parser, e =>
            {
                if (e.Isk is { State: Established, SrcPort: not 5000 } sk)
                    sk.State = CloseWait;
                return e;
            }),
            "checkpoint/pages-1.img" => Replace(data, "TEST_ENV=BAR\0"u8, "TEST_ENV=BAZ\0"u8),
            _ => data,
        });
        return path;
    }

    [Fact]
    public void Piggie_fixture_rewritten_json()
    {
        using var dir = new ScratchDir();
        var a = TestPaths.Wrapped("piggie-podman.tar");
        var b = RewrittenPiggie(dir.Path);

        var output = Diff(a, b, "--ps-tree-env", "--sockets", "--files", "--format", "json");
        GoldenFile.Assert(output, "diff/piggie-rewritten.json");
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.Equal("piggie-ctr", root.GetProperty("container_name").GetString());
        var processes = root.GetProperty("process_changes");
        Assert.False(processes.TryGetProperty("added", out _));
        Assert.Equal("""[{"pid":8,"command":"alive-child"}]""", Compact(processes.GetProperty("removed")));
        Assert.Equal("""[{"pid":1,"command":"piggie","environment_changes":{"changed":{"TEST_ENV":{"old":"BAR","new":"BAZ"}}}}]""",
            Compact(processes.GetProperty("modified")));
        Assert.Equal([4u, 5u, 6u, 7u, 9u], processes.GetProperty("unchanged").EnumerateArray().Select(p => p.GetProperty("pid").GetUInt32()));
        Assert.Equal(
            """[{"pid":5,"protocol":"TCP","type":"TCP","state":"CLOSE_WAIT","source":"127.0.0.1","src_port":46274,"dest":"127.0.0.1","dst_port":5000,"old_state":"ESTABLISHED","new_state":"CLOSE_WAIT"}]""",
            Compact(root.GetProperty("socket_changes").GetProperty("modified")));
        Assert.False(root.GetProperty("socket_changes").TryGetProperty("added", out _));
        Assert.Equal(["REG 0", "REG 1", "REG 2", "cwd", "root"],
            root.GetProperty("file_changes").GetProperty("removed").EnumerateArray().Select(f => f.GetProperty("fd").GetString()));
        var memory = root.GetProperty("memory_changes");
        Assert.Equal(0, memory.GetProperty("size_change_bytes").GetInt64());
        var gone = Assert.Single(memory.GetProperty("processes").EnumerateArray().ToArray());
        Assert.Equal(8u, gone.GetProperty("pid").GetUInt32());
        Assert.Equal(0, gone.GetProperty("new_bytes").GetInt64());
        Assert.True(gone.GetProperty("old_bytes").GetInt64() > 0);
        Assert.Equal(-gone.GetProperty("old_bytes").GetInt64(), gone.GetProperty("change_bytes").GetInt64());
    }

    [Fact]
    public void Piggie_fixture_rewritten_tree()
    {
        using var dir = new ScratchDir();
        var a = TestPaths.Wrapped("piggie-podman.tar");
        var b = RewrittenPiggie(dir.Path);

        var output = Diff(a, b, "--ps-tree-env", "--sockets");
        GoldenFile.Assert(output, "diff/piggie-rewritten.txt");
        var lines = output.Split('\n');
        Assert.Contains("║ ID:        0aea716c53bf28e738712269385a60148afb9c63340f0455... ║", lines);
        Assert.Contains("│ = No change", lines);
        Assert.Contains("│   - PID 8     alive-child", lines);
        Assert.Contains("│   ~ PID 1     piggie", lines);
        Assert.Contains("│             env: +0 -0 ~1", lines);
        Assert.Contains("│  ~  5     TCP   CLOSE_WAIT   127.0.0.1:46274       127.0.0.1:5000  (was ESTABLISHED)", lines);
        Assert.Equal(["Processes: +0 -1 ~1", "Sockets: +0 -0 ~1", ""], lines.SkipWhile(l => !l.StartsWith("Checkpoint comparison", StringComparison.Ordinal)).Skip(1));
    }

    // --- errors -----------------------------------------------------------------------------------------------------

    [Fact]
    public void Different_containers_is_a_three_line_error()
    {
        using var dir = new ScratchDir();
        var a = SyntheticCheckpoint.OneProcess().WriteTo(dir.Path, "a.tar");
        var b = SyntheticCheckpoint.OneProcess().ToArchive().Without("config.dump").File("config.dump", OtherConfig).WriteTo(dir.Path, "b.tar");

        var result = CliRunner.Run("diff", a, b, "--format", "json");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Assert.Equal(
            "Error: checkpoints are from different containers:\n  A: test-ctr (0123456789abcdef0123)\n  B: other-ctr (fedcba9876543210fedc)\n",
            result.Stderr);
        // Flags are checked before any checkpoint is opened.
        Assert.Equal("Error: invalid output format: x\n", CliRunner.Run("diff", a, b, "--format", "x").Stderr);
    }

    [Fact]
    public void Load_errors_name_the_side()
    {
        using var dir = new ScratchDir();
        var good = SyntheticCheckpoint.OneProcess().WriteTo(dir.Path, "a.tar");
        var missing = Path.Combine(dir.Path, "does-not-exist.tar");
        var notCheckpoint = new TestArchive().File("config.dump", TestArchive.Config).WriteTo(dir.Path, "bad.tar");

        Assert.Equal($"failed to load checkpointA: stat {missing}: no such file or directory",
            CliRunner.AssertError(CliRunner.Run("diff", missing, good)));
        Assert.Equal($"failed to load checkpointB: stat {missing}: no such file or directory",
            CliRunner.AssertError(CliRunner.Run("diff", good, missing)));
        Assert.Equal($"failed to load checkpointB: checkpoint directory is missing in the archive file: {notCheckpoint}",
            CliRunner.AssertError(CliRunner.Run("diff", good, notCheckpoint)));
        Assert.DoesNotContain(dir.Files(), f => !f.EndsWith(".tar", StringComparison.Ordinal));
    }

    [Fact]
    public void Argument_count_and_format_errors()
    {
        using var dir = new ScratchDir();
        var a = SyntheticCheckpoint.OneProcess().WriteTo(dir.Path, "a.tar");

        Assert.Equal("accepts 2 arg(s), received 0", CliRunner.AssertError(CliRunner.Run("diff")));
        Assert.Equal("accepts 2 arg(s), received 1", CliRunner.AssertError(CliRunner.Run("diff", a)));
        Assert.Equal("accepts 2 arg(s), received 3", CliRunner.AssertError(CliRunner.Run("diff", a, a, a)));
        Assert.Equal("invalid output format: x", CliRunner.AssertError(CliRunner.Run("diff", a, a, "--format", "x")));
        Assert.Equal("unknown flag: --ps-tree", CliRunner.AssertError(CliRunner.Run("diff", a, a, "--ps-tree")));
    }

    [Fact]
    public void Checkpoint_without_pstree_has_no_processes()
    {
        using var dir = new ScratchDir();
        var a = SyntheticCheckpoint.OneProcess().WriteTo(dir.Path, "a.tar", without: ["pstree.img"]);
        var b = SyntheticCheckpoint.OneProcess().WriteTo(dir.Path, "b.tar");

        using var doc = JsonDocument.Parse(Diff(a, b, "--format", "json"));
        Assert.Equal("""{"added":[{"pid":1,"command":"app"}]}""", Compact(doc.RootElement.GetProperty("process_changes")));
    }

    [Fact]
    public void Help_lists_diff()
    {
        var help = CliRunner.Run("--help").Stdout;
        Assert.Contains("  diff        Show changes between two container checkpoints\n", help);
        var diffHelp = CliRunner.Run("diff", "--help").Stdout;
        Assert.Contains("Usage:\n  checkpointctl diff <checkpointA> <checkpointB> [flags]\n", diffHelp);
        Assert.Contains("      --show-unchanged      Show entries that are identical between the two checkpoints\n", diffHelp);
    }

    // --- helpers ----------------------------------------------------------------------------------------------------

    private static string Diff(string a, string b, params string[] flags)
    {
        var result = CliRunner.Run(["diff", a, b, .. flags]);
        Assert.True(result.Stderr.Length == 0, result.Stderr);
        Assert.Equal(0, result.ExitCode);
        return result.Stdout;
    }

    /// <summary>
    /// mm, pagemap and pages images for <paramref name="pid"/> (pages id = PID): argv then the environment from the
    /// start of one present run of at least <paramref name="pages"/> pages.
    /// </summary>
    private static void Memory(SyntheticCheckpoint b, uint pid, ReadOnlySpan<byte> argv, ReadOnlySpan<byte> env, int pages = 1)
    {
        const int page = 4096;
        const ulong start = 0x7ffd_0000_0000;
        var count = Math.Max(pages, (argv.Length + env.Length + page - 1) / page);
        var data = new byte[count * page];
        argv.CopyTo(data);
        env.CopyTo(data.AsSpan(argv.Length));
        var mm = new MmEntry
        {
            MmArgStart = start, MmArgEnd = start + (ulong)argv.Length,
            MmEnvStart = start + (ulong)argv.Length, MmEnvEnd = start + (ulong)(argv.Length + env.Length),
        };
        b.Image($"mm-{pid}.img", SyntheticCheckpoint.Frame(CriuMagic.Mm, mm))
            .Image($"pagemap-{pid}.img", SyntheticCheckpoint.Frame(CriuMagic.Pagemap,
                new PagemapHead { PagesId = pid },
                new PagemapEntry { Vaddr = start, NrPages = (uint)count, Flags = 4 }))
            .Image($"pages-{pid}.img", data);
    }

    private static byte[] Core(string comm, uint state) =>
        SyntheticCheckpoint.Frame(CriuMagic.Core, new CoreEntry { Tc = new TaskCoreEntry { TaskState = state, Comm = comm } });

    private static FileEntry Inet(uint id, uint family, uint proto, uint state, uint[] src, uint srcPort, uint[] dst, uint dstPort, uint type = SockStream)
    {
        var sk = new InetSkEntry
        {
            Id = id, Ino = 5000 + id, Family = family, Type = type, Proto = proto, State = state, SrcPort = srcPort, DstPort = dstPort,
            Opts = new SkOptsEntry { SoSndbuf = 16 << 10, SoRcvbuf = 128 << 10 },
        };
        sk.SrcAddr.AddRange(src);
        sk.DstAddr.AddRange(dst);
        return new FileEntry { Type = FdTypes.Inetsk, Id = id, Isk = sk };
    }

    private static FileEntry Unix(uint id, uint ino, uint peer, uint type, ReadOnlySpan<byte> name) => new()
    {
        Type = FdTypes.Unixsk, Id = id,
        Usk = new UnixSkEntry
        {
            Id = id, Ino = ino, Peer = peer, Type = type, State = type == SockStream ? Listen : Close, Name = ByteString.CopyFrom(name),
            Opts = new SkOptsEntry { SoSndbuf = 16 << 10, SoRcvbuf = 128 << 10 },
        },
    };

    private static FileEntry Reg(uint id, string name) =>
        new() { Type = FdTypes.Reg, Id = id, Reg = new RegFileEntry { Id = id, Name = name } };

    /// <summary>Copies a tar, passing each regular member's data through <paramref name="rewrite"/>.</summary>
    private static void RewriteTar(string source, string target, Func<string, byte[], byte[]> rewrite)
    {
        using var input = File.OpenRead(source);
        using var reader = new TarReader(input);
        using var output = File.Create(target);
        using var writer = new TarWriter(output, TarEntryFormat.Pax);
        while (reader.GetNextEntry(copyData: true) is { } entry)
        {
            if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile && entry.DataStream != null)
            {
                var data = new MemoryStream();
                entry.DataStream.CopyTo(data);
                entry.DataStream = new MemoryStream(rewrite(entry.Name, data.ToArray()));
            }
            writer.WriteEntry(entry);
        }
    }

    /// <summary>Decodes a CRIU image's entries, maps each (null drops it) and encodes the image again.</summary>
    private static byte[] Reframe<T>(byte[] image, uint magic, MessageParser<T> parser, Func<T, T?> map) where T : class, IMessage<T>
    {
        Assert.Equal(CriuMagic.ImgCommon, BinaryPrimitives.ReadUInt32LittleEndian(image));
        Assert.Equal(magic, BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(4)));
        var entries = new List<IMessage>();
        for (var at = 8; at < image.Length;)
        {
            var size = (int)BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(at));
            var entry = map(parser.ParseFrom(image, at + 4, size));
            if (entry != null)
                entries.Add(entry);
            at += 4 + size;
        }
        return SyntheticCheckpoint.Frame(magic, [.. entries]);
    }

    private static byte[] Replace(byte[] data, ReadOnlySpan<byte> from, ReadOnlySpan<byte> to)
    {
        var copy = (byte[])data.Clone();
        var at = copy.AsSpan().IndexOf(from);
        Assert.True(at >= 0);
        to.CopyTo(copy.AsSpan(at));
        return copy;
    }

    private static IEnumerable<string> FileLabels(JsonElement files) =>
        files.EnumerateArray().Select(f => $"{f.GetProperty("pid").GetUInt32()} {f.GetProperty("fd").GetString()}");

    private static string Compact(JsonElement element)
    {
        var output = new MemoryStream();
        using (var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            element.WriteTo(writer);
        return Encoding.UTF8.GetString(output.ToArray());
    }
}
