using System.Text.Json;
using Checkpointctl.Core.Criu;
using Checkpointctl.Core.Criu.Images;
using Google.Protobuf;

namespace Checkpointctl.Tests;

/// <summary><c>report</c>: one self-contained, deterministic HTML page; its content; hostile text; flags and errors.</summary>
public class ReportTests
{
    [Theory]
    [MemberData(nameof(ReportFiles.Fixtures), MemberType = typeof(ReportFiles))]
    public void The_same_input_gives_the_same_bytes_and_a_small_page_without_urls(string fixture)
    {
        using var dir = new ScratchDir();
        var path = ReportFiles.PathOf(fixture);
        var first = File.ReadAllBytes(Write(dir, "one.html", path));
        var second = File.ReadAllBytes(Write(dir, "two.html", path));
        Assert.Equal(first, second);
        Assert.InRange(first.Length, 10_000, 400_000);
        var html = System.Text.Encoding.UTF8.GetString(first);
        ReportFiles.AssertNoUrl(html);
        ReportFiles.AssertComplete(html, path);
        Assert.Single(html.Split("<script").Skip(1));
    }

    /// <summary>Cross-checked with crit: every process of pstree.img and every mapping of each mm image is on the page.</summary>
    [Theory]
    [InlineData("piggie")]
    [InlineData("py-tree")]
    [InlineData("shell-loop")]
    public void Every_process_and_mapping_crit_decodes_is_on_the_page(string fixture)
    {
        using var dir = new ScratchDir();
        var html = File.ReadAllText(Write(dir, "r.html", TestPaths.Criu(fixture)));
        var crit = TestPaths.Criu(fixture + ".crit");
        var pids = Entries(Path.Combine(crit, "pstree.img.decode.json")).Select(e => e.GetProperty("pid").GetUInt32()).ToList();
        Assert.NotEmpty(pids);
        foreach (var pid in pids)
        {
            Assert.Contains($"<li id=\"cp-p-{pid}\"", html);
            var mm = Path.Combine(crit, $"mm-{pid}.img.decode.json");
            if (!File.Exists(mm))
                continue;
            var vmas = Entries(mm).Single().GetProperty("vmas").EnumerateArray().Where(v => v.GetProperty("status").GetUInt32() != 0x10000).ToList();
            foreach (var vma in vmas)
                Assert.Contains($"data-mapping=\"{pid}:{vma.GetProperty("start").GetUInt64():x}\"", html);
            Assert.Contains($"<tr id=\"cp-m-{pid}-{vmas.Count - 1}\"", html);
            Assert.DoesNotContain($"<tr id=\"cp-m-{pid}-{vmas.Count}\"", html);
        }
    }

    [Fact]
    public void The_cgroups_criu_recorded_are_in_the_table()
    {
        using var dir = new ScratchDir();
        var html = File.ReadAllText(Write(dir, "r.html", TestPaths.Archive("simple-none.tar")));
        Assert.Contains("<h3>Cgroups</h3>", html);
        Assert.Contains("pids.max: 2048", html);
        Assert.Contains("/libpod_parent/libpod-0f4219ee3612d1d66b60bb104270657bc6a769537598a2454dac39634e5c7b24", html);
        // A CRIU directory dumped without cgroups has no such table.
        Assert.DoesNotContain("<h3>Cgroups</h3>", File.ReadAllText(Write(dir, "p.html", TestPaths.Criu("piggie"))));
    }

    private static IEnumerable<JsonElement> Entries(string file) =>
        JsonDocument.Parse(File.ReadAllText(file)).RootElement.GetProperty("entries").EnumerateArray().ToList();

    [Fact]
    public void Hostile_names_environment_and_paths_stay_inert_text()
    {
        using var dir = new ScratchDir();
        var html = File.ReadAllText(Write(dir, "r.html", HostileCheckpoint(dir.Path)));
        Assert.Single(html.Split("<script").Skip(1));
        foreach (var markup in new[] { "<script>alert", "<img", "<svg onload", "<i onclick" })
            Assert.DoesNotContain(markup, html);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html);
        Assert.Contains("&lt;/code&gt;&lt;script&gt;alert(3)&lt;/script&gt;", html);
        Assert.Contains("/tmp/&quot;&gt;&lt;svg onload=alert(4)&gt;", html);
        Assert.Contains("<summary>&lt;i onclick</summary><code>x&gt;=1</code>", html);
        Assert.Contains("<code>\\x1b[31m</code>", html);
        ReportFiles.AssertNoUrl(html);
        Assert.Contains("&#104;ttp&#58;//evil.example/x", html);
    }

    /// <summary>A process whose name, command line, environment and open file are markup (see <see cref="ReportChromiumTests"/>).</summary>
    internal static string HostileCheckpoint(string dir)
    {
        var path = new FileEntry { Type = FdTypes.Reg, Id = 10, Reg = new RegFileEntry { Id = 10, Name = "/tmp/\"><svg onload=alert(4)>" } };
        var checkpoint = WithInventory(new SyntheticCheckpoint().Process(1, 0, "<script>alert(1)</script>")
            .Memory(1, 1, "prog\0<img src=x onerror=alert(2)>\0"u8, "EVIL=</code><script>alert(3)</script>\0URL=http://evil.example/x\0<i onclick=x>=1\0ESC=\u001b[31m\0"u8)
            .Fd(1, 3, path));
        return checkpoint.WriteTo(dir, "hostile.tar");
    }

    // What every CRIU dump has and the report reads: an inventory, and each process's memory (argv and environment).
    private static SyntheticCheckpoint WithInventory(SyntheticCheckpoint checkpoint) =>
        checkpoint.Image("inventory.img", SyntheticCheckpoint.Frame(CriuMagic.Inventory, new InventoryEntry { ImgVersion = 2 }));

    private static SyntheticCheckpoint Process(SyntheticCheckpoint checkpoint, uint pid, uint ppid, string comm) =>
        checkpoint.Process(pid, ppid, comm).Memory(pid, pagesId: pid, System.Text.Encoding.UTF8.GetBytes(comm + "\0--flag\0"), "HOME=/\0"u8);

    [Fact]
    public void Two_checkpoints_show_their_differences_highlighted()
    {
        using var dir = new ScratchDir();
        var a = Process(Process(WithInventory(new SyntheticCheckpoint()), 1, 0, "app"), 2, 1, "old-child").WriteTo(dir.Path, "a.tar");
        var b = Process(Process(WithInventory(new SyntheticCheckpoint()), 1, 0, "app"), 3, 1, "new-child")
            .Fd(1, 4, new FileEntry { Type = FdTypes.Reg, Id = 11, Reg = new RegFileEntry { Id = 11, Name = "/var/log/new.log" } })
            .WriteTo(dir.Path, "b.tar");
        var html = File.ReadAllText(Write(dir, "r.html", a, b));
        Assert.Contains("<section id=\"diff\">", html);
        Assert.Contains("<tr class=\"added\"><td class=\"num\" data-v=\"3\">3</td><td>new-child</td><td>added</td>", html);
        Assert.Contains("<tr class=\"removed\"><td class=\"num\" data-v=\"2\">2</td><td>old-child</td><td>removed</td>", html);
        Assert.Contains("<td>/var/log/new.log</td><td>added</td>", html);
        Assert.Contains("<li class=\"removed\" id=\"a-p-2\"", html);
        Assert.Contains("<li class=\"added\" id=\"b-p-3\"", html);
        Assert.Contains("<li id=\"b-p-1\"", html);
        ReportFiles.AssertNoUrl(html);
    }

    [Fact]
    public void The_socket_graph_links_the_two_ends_of_each_connection_inside_the_container()
    {
        using var dir = new ScratchDir();
        uint[] localhost = [0x0100007f];
        var checkpoint = Process(Process(WithInventory(new SyntheticCheckpoint()), 1, 0, "server"), 2, 1, "client")
            .Fd(1, 3, Inet(20, 10, localhost, 5000, [0], 0))
            .Fd(1, 4, Inet(21, 1, localhost, 5000, localhost, 40000))
            .Fd(2, 3, Inet(22, 1, localhost, 40000, localhost, 5000))
            .Fd(1, 5, Unix(23, ino: 100, peer: 101))
            .Fd(2, 4, Unix(24, ino: 101, peer: 100))
            .Fd(2, 5, Unix(25, ino: 102, peer: 999));
        var html = File.ReadAllText(Write(dir, "r.html", checkpoint.WriteTo(dir.Path, "sockets.tar")));
        Assert.Single(html.Split("<path class=\"edge\"").Skip(1));
        Assert.Single(html.Split("<path class=\"edge unix\"").Skip(1));
        Assert.Equal(6, html.Split("<g class=\"sock\"").Length - 1);
        Assert.Contains("data-socket=\"2:3\"", html);
    }

    private static FileEntry Inet(uint id, uint state, uint[] src, uint srcPort, uint[] dst, uint dstPort)
    {
        var sk = new InetSkEntry { Id = id, Ino = 5000 + id, Family = 2, Type = 1, Proto = 6, State = state, SrcPort = srcPort, DstPort = dstPort };
        sk.SrcAddr.AddRange(src);
        sk.DstAddr.AddRange(dst);
        return new FileEntry { Type = FdTypes.Inetsk, Id = id, Isk = sk };
    }

    private static FileEntry Unix(uint id, uint ino, uint peer) => new()
    {
        Type = FdTypes.Unixsk, Id = id, Usk = new UnixSkEntry { Id = id, Ino = ino, Peer = peer, Type = 1, State = 1, Name = ByteString.Empty },
    };

    [Fact]
    public void Checkpoints_of_different_containers_are_refused_and_no_file_is_left()
    {
        using var dir = new ScratchDir();
        var output = Path.Combine(dir.Path, "r.html");
        var result = CliRunner.Run("report", TestPaths.Wrapped("piggie-podman.tar"), TestPaths.Archive("simple-none.tar"), "-o", output);
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("Error: checkpoints are from different containers:\n  A: piggie-ctr (", result.Stderr);
        Assert.Empty(dir.Files());
    }

    [Fact]
    public void A_pod_checkpoint_reports_each_container_or_the_selected_one()
    {
        using var dir = new ScratchDir();
        var piggie = ContainerFiles.FromArchive(TestPaths.Wrapped("piggie-crio.tar"), "piggie-ctr");
        var pod = PodFiles.WriteTar(PodFiles.CrioPod(piggie, piggie.Renamed("piggie-two", new string('7', 64))), Path.Combine(dir.Path, "pod.tar"), dotSlash: true);
        var html = File.ReadAllText(Write(dir, "all.html", pod));
        Assert.Contains("<title>Checkpoint report: pod demo-pod</title>", html);
        Assert.Contains("<section id=\"c1\" class=\"checkpoint\"><h2 class=\"cp\">Container piggie-ctr</h2>", html);
        Assert.Contains("<section id=\"c2\" class=\"checkpoint\"><h2 class=\"cp\">Container piggie-two</h2>", html);
        ReportFiles.AssertComplete(html, TestPaths.Wrapped("piggie-crio.tar"), "c2");
        var one = File.ReadAllText(Write(dir, "one.html", pod, "--container", "piggie-two"));
        Assert.Contains("<section id=\"cp\" class=\"checkpoint\">", one);
        Assert.DoesNotContain("id=\"c1\"", one);
    }

    [Theory]
    [InlineData(new[] { "report" }, "accepts between 1 and 2 arg(s), received 0")]
    [InlineData(new[] { "report", "a", "b", "c", "-o", "r.html" }, "accepts between 1 and 2 arg(s), received 3")]
    [InlineData(new[] { "report", "missing.tar" }, "required flag(s) \"output\" not set")]
    [InlineData(new[] { "report", "missing.tar", "-o", "/nonexistent-dir/r.html" }, "open /nonexistent-dir/r.html: no such file or directory")]
    [InlineData(new[] { "report", "missing.tar", "--output" }, "flag needs an argument: --output")]
    [InlineData(new[] { "report", "a.tar", "./missing.tar", "-o", "missing.tar" }, "refusing to write to missing.tar: it is a checkpoint the report reads")]
    public void Flags_are_checked_before_any_input_is_opened(string[] args, string error) =>
        Assert.Equal(error, CliRunner.AssertError(CliRunner.Run(args)));

    [Fact]
    public void A_failed_read_leaves_the_previous_file_untouched()
    {
        using var dir = new ScratchDir();
        var output = Path.Combine(dir.Path, "r.html");
        File.WriteAllText(output, "old report");
        var damaged = Path.Combine(dir.Path, "damaged.tar");
        File.WriteAllBytes(damaged, File.ReadAllBytes(TestPaths.Archive("simple-none.tar"))[..20_000]);
        CliRunner.AssertError(CliRunner.Run("report", damaged, "-o", output));
        Assert.Equal("old report", File.ReadAllText(output));
        Assert.Equal([damaged, output], dir.Files());
    }

    [Fact]
    public void A_huge_table_is_capped_with_a_note()
    {
        var html = new Cli.Report.Html();
        var rows = Enumerable.Range(0, Cli.Report.Table.MaxRows + 5).Select(i => new Cli.Report.Row([Cli.Report.Cell.Number(i)])).ToList();
        Cli.Report.Table.Write(html, ["N"], rows);
        var text = html.ToString();
        Assert.Equal(Cli.Report.Table.MaxRows, text.Split("<tr>").Length - 2);
        Assert.EndsWith("<p class=\"note\">5 more rows not shown (the report lists at most 2000 per table).</p>", text);
    }

    private static string Write(ScratchDir dir, string name, params string[] inputs)
    {
        var output = Path.Combine(dir.Path, name);
        ReportFiles.Write(output, inputs);
        return output;
    }
}
