using System.Text.Json;
using System.Text.Json.Nodes;

namespace Checkpointctl.Tests;

/// <summary>
/// Bare CRIU image directories (<c>criu dump -D dir</c>) through every command that reads a checkpoint: golden files
/// over the three fixture dumps, and the process tree, statistics and mounts against crit's oracle files.
/// </summary>
public class BareImageDirectoryTests
{
    private static readonly string[] Dumps = ["piggie", "py-tree", "shell-loop"];

    /// <summary>Golden case name, then the command line (the dump's path is appended, twice for diff).</summary>
    private static readonly (string Case, string[] Args, bool Twice)[] Cases =
    [
        ("show.txt", ["show"], false),
        ("inspect.txt", ["inspect"], false),
        ("inspect-all.txt", ["inspect", "--all"], false),
        ("inspect-all-json.json", ["inspect", "--all", "--format", "json"], false),
        ("inspect-ps-tree-cmd.txt", ["inspect", "--ps-tree-cmd"], false),
        ("inspect-ps-tree-env.txt", ["inspect", "--ps-tree-env"], false),
        ("memparse.txt", ["memparse"], false),
        ("diff-self.txt", ["diff", "--files", "--sockets", "--ps-tree-cmd", "--ps-tree-env", "--show-unchanged"], true),
        ("diff-self-json.json", ["diff", "--files", "--sockets", "--ps-tree-cmd", "--ps-tree-env", "--format", "json"], true),
    ];

    public static TheoryData<string, string> DumpCases()
    {
        var data = new TheoryData<string, string>();
        foreach (var dump in Dumps)
        {
            foreach (var c in Cases)
                data.Add(dump, c.Case);
        }
        return data;
    }

    public static TheoryData<string> DumpNames() => new(Dumps);

    [Theory]
    [MemberData(nameof(DumpCases))]
    public void Output_matches_golden(string dump, string @case)
    {
        var path = TestPaths.Criu(dump);
        var (_, args, twice) = Cases.Single(c => c.Case == @case);
        var result = CliRunner.Run(twice ? [.. args, path, path] : [.. args, path]);
        Assert.Equal("", result.Stderr);
        Assert.Equal(0, result.ExitCode);
        if (@case.EndsWith(".json", StringComparison.Ordinal))
            JsonNode.Parse(result.Stdout);
        GoldenFile.Assert(GoldenFile.Normalize(result.Stdout, path), $"criu/{dump}.{@case}");
    }

    [Theory]
    [MemberData(nameof(DumpNames))]
    public void Process_tree_matches_crit_ps(string dump)
    {
        var json = InspectJson(dump, "--ps-tree");
        Assert.Equal("CRIU", (string?)json["engine"]);
        var ours = new List<(uint Pid, uint Ppid, string Comm)>();
        Walk(json["process_tree"]!, 0);
        Assert.Equal(CritPs(dump).OrderBy(p => p.Pid), ours.OrderBy(p => p.Pid));

        void Walk(JsonNode node, uint ppid)
        {
            var pid = (uint)node["pid"]!;
            ours.Add((pid, ppid, (string)node["command"]!));
            foreach (var child in node["children"]?.AsArray() ?? [])
                Walk(child!, pid);
        }
    }

    [Theory]
    [MemberData(nameof(DumpNames))]
    public void Open_files_match_crit_fds(string dump)
    {
        // `crit x DIR fds`: a PID line, then "<fd>: <path>" lines (cwd and root last); partial for piggie (see its README).
        var expected = new List<(string Pid, string Fd, string Path)>();
        var pid = "";
        foreach (var line in File.ReadAllLines(Path.Combine(TestPaths.Criu(dump + ".crit"), "x-fds.txt")))
        {
            if (!line.StartsWith('\t'))
            {
                pid = line;
                continue;
            }
            var colon = line.IndexOf(": ", StringComparison.Ordinal);
            expected.Add((pid, line[..colon].Trim(), line[(colon + 2)..]));
        }
        Assert.NotEmpty(expected);
        var ours = InspectJson(dump, "--files")["file_descriptors"]!.AsArray()
            .SelectMany(p => p!["open_files"]!.AsArray().Select(f => (
                ((uint)p["pid"]!).ToString(System.Globalization.CultureInfo.InvariantCulture),
                ((string)f!["fd"]!).Split(' ')[^1],
                (string)f["path"]!)))
            .ToList();
        foreach (var file in expected)
            Assert.Contains(file, ours);
        // crit stops at piggie's zombie (x-fds.err); where it finished, it lists exactly what we list.
        if (!File.Exists(Path.Combine(TestPaths.Criu(dump + ".crit"), "x-fds.err")))
            Assert.Equal(expected.Count, ours.Count);
    }

    [Theory]
    [MemberData(nameof(DumpNames))]
    public void Statistics_match_crit(string dump)
    {
        var stats = InspectJson(dump, "--stats")["statistics"]!;
        using var crit = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.Criu(dump + ".crit"), "stats-dump.decode.json")));
        var expected = crit.RootElement.GetProperty("entries")[0].GetProperty("dump");
        foreach (var field in new[] { "freezing_time", "frozen_time", "memdump_time", "memwrite_time", "pages_scanned", "pages_written" })
            Assert.Equal(expected.GetProperty(field).GetUInt64(), (ulong?)stats[field] ?? 0);
    }

    [Theory]
    [MemberData(nameof(DumpNames))]
    public void Container_metadata_rows_are_absent(string dump)
    {
        var tree = CliRunner.Run("inspect", "--metadata", "--mounts", TestPaths.Criu(dump)).Stdout;
        Assert.Contains("\nContainer\n├── Engine: CRIU\n└── Checkpoint size: ", tree);
        foreach (var row in new[] { "Image:", "ID:", "Runtime:", "Created:", "Metadata", "Overview of mounts" })
            Assert.DoesNotContain(row, tree);
        var json = InspectJson(dump, "--metadata", "--mounts");
        // Upstream's always-present fields stay, empty: nothing recorded them.
        foreach (var field in new[] { "container_name", "image", "id", "runtime", "created" })
            Assert.Equal("", (string?)json[field]);
        Assert.Null(json["metadata"]);
        Assert.Null(json["mounts"]);
    }

    [Fact]
    public void Checkpoint_size_counts_the_images_and_log_but_not_the_statistics()
    {
        var dir = TestPaths.Criu("piggie");
        var files = Directory.GetFiles(dir).Select(f => new FileInfo(f)).ToList();
        var json = InspectJson("piggie");
        Assert.Equal(files.Where(f => f.Name != "stats-dump").Sum(f => f.Length), (long)json["checkpoint_size"]!["total_size"]!);
        Assert.Equal(files.Where(f => f.Name.StartsWith("pages-", StringComparison.Ordinal)).Sum(f => f.Length),
            (long)json["checkpoint_size"]!["memory_pages_size"]!);
    }

    [Fact]
    public void Mounts_of_a_dump_with_a_mount_namespace_are_crits_mountpoints()
    {
        // The checkpoint/ folder of an unpacked Podman archive is a bare dump of the container, mount namespace included.
        var extracted = TestPaths.Archive("simple-none.tar.extracted");
        var path = Path.Combine(extracted, "checkpoint");
        var json = JsonNode.Parse(CliRunner.Run("inspect", "--mounts", "--format", "json", path).Stdout)!.AsArray()[0]!;
        using var crit = JsonDocument.Parse(File.ReadAllText(Path.Combine(extracted, "checkpoint.crit", "mountpoints-13.img.decode.json")));
        var expected = crit.RootElement.GetProperty("entries").EnumerateArray()
            .Select(e => (e.GetProperty("mountpoint").GetString(), e.GetProperty("source").GetString()))
            .OrderBy(e => e.Item1, StringComparer.Ordinal).ToList();
        var mounts = json["mounts"]!.AsArray();
        Assert.Equal(expected, mounts.Select(m => ((string?)m!["destination"], (string?)m["source"])).ToList());
        Assert.Equal("overlay", (string?)mounts.Single(m => (string?)m!["destination"] == "/")!["type"]);
        Assert.Equal("bind", (string?)mounts.Single(m => (string?)m!["destination"] == "/etc/hosts")!["type"]);
        Assert.Equal("cgroup", (string?)mounts.Single(m => (string?)m!["destination"] == "/sys/fs/cgroup/memory")!["type"]);
        var tree = CliRunner.Run("inspect", "--mounts", path).Stdout;
        Assert.Contains("└── Overview of mounts\n    ├── Destination: /\n    │   ├── Type: overlay\n    │   └── Source: overlay\n", tree);
    }

    [Fact]
    public void Memparse_by_pid_reads_the_dumps_pages()
    {
        var result = CliRunner.Run("memparse", "--pid", "1", "--search", "TEST_ENV=BAR", TestPaths.Criu("piggie"));
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("TEST_ENV=BAR", result.Stdout);
    }

    [Fact]
    public void Build_refuses_a_bare_dump()
    {
        var message = CliRunner.AssertError(CliRunner.Run("build", TestPaths.Criu("piggie"), "localhost/bare:latest"));
        Assert.StartsWith("open config.dump: no such file or directory", message);
    }

    [Fact]
    public void A_dump_and_a_container_checkpoint_are_different_containers()
    {
        var result = CliRunner.Run("diff", TestPaths.Criu("piggie"), TestPaths.Wrapped("piggie-podman.tar"));
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("Error: checkpoints are from different containers:\n  A:  ()\n  B: ", result.Stderr);
    }

    private static JsonNode InspectJson(string dump, params string[] flags) =>
        JsonNode.Parse(CliRunner.Run(["inspect", .. flags, "--format", "json", TestPaths.Criu(dump)]).Stdout)!.AsArray()[0]!;

    // `crit x DIR ps`: PID, PGID, SID, then COMM (from the header's COMM column) indented four spaces per level.
    private static List<(uint Pid, uint Ppid, string Comm)> CritPs(string dump)
    {
        var lines = File.ReadAllLines(Path.Combine(TestPaths.Criu(dump + ".crit"), "x-ps.txt"));
        var commColumn = lines[0].IndexOf("COMM", StringComparison.Ordinal);
        var result = new List<(uint, uint, string)>();
        var parents = new List<uint>();
        foreach (var line in lines.Skip(1))
        {
            var pid = uint.Parse(line[..commColumn].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0]);
            var comm = line[commColumn..];
            var depth = (comm.Length - comm.TrimStart(' ').Length) / 4;
            parents.RemoveRange(depth, parents.Count - depth);
            result.Add((pid, depth == 0 ? 0 : parents[depth - 1], comm.Trim()));
            parents.Add(pid);
        }
        Assert.NotEmpty(result);
        return result;
    }
}
