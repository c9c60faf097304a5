using System.Text.Json.Nodes;

namespace Checkpointctl.Tests;

/// <summary>
/// <c>inspect</c> over every shared fixture and flag, against what upstream prints (with its random orders sorted and
/// its defects corrected, see upstream-output/README.md): tree output byte for byte; JSON as a value (the upstream
/// files have sorted keys) and byte for byte against our own golden files.
/// </summary>
public class InspectGoldenTests
{
    private static readonly string[] Cases =
    [
        "inspect", "inspect-all", "inspect-all-json", "inspect-ps-tree", "inspect-ps-tree-cmd", "inspect-ps-tree-env",
        "inspect-files", "inspect-sockets", "inspect-sockets-json", "inspect-mounts", "inspect-stats", "inspect-metadata",
        "inspect-pid1", "inspect-pid-sub",
    ];

    public static TheoryData<string, string> ArchiveCases()
    {
        var data = new TheoryData<string, string>();
        foreach (var archive in TestPaths.AllArchives())
        {
            foreach (var c in Cases)
                data.Add(Path.GetFileName(archive), c);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ArchiveCases))]
    public void Output_matches_upstream(string name, string @case)
    {
        var path = TestPaths.ArchiveByName(name);
        var result = CliRunner.Run(["inspect", path, .. Arguments(name, @case)]);
        var expected = File.ReadAllText(TestPaths.UpstreamOutput(name, @case + ".out"));
        Assert.Equal(int.Parse(File.ReadAllText(TestPaths.UpstreamOutput(name, @case + ".rc"))), result.ExitCode);
        var actual = GoldenFile.Normalize(result.Stdout, path);
        if (@case.EndsWith("json", StringComparison.Ordinal))
        {
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual)), "JSON differs from upstream");
            GoldenFile.Assert(actual, $"inspect/{name}.{@case}.json");
        }
        else
        {
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void Repeated_runs_give_the_same_bytes()
    {
        var path = TestPaths.Wrapped("piggie-podman.tar");
        var first = CliRunner.Run("inspect", path, "--all", "--format", "json").Stdout;
        for (var i = 0; i < 3; i++)
            Assert.Equal(first, CliRunner.Run("inspect", path, "--all", "--format", "json").Stdout);
    }

    [Fact]
    public void Json_fields_of_piggie()
    {
        var json = JsonNode.Parse(CliRunner.Run("inspect", TestPaths.Wrapped("piggie-podman.tar"), "--all", "--format", "json").Stdout)!.AsArray()[0]!;
        var tree = json["process_tree"]!;
        Assert.Equal("Alive", (string?)tree["task_state"]);
        Assert.Equal("piggie/piggie --tcp-socket --zombie ", (string?)tree["cmdline"]);
        Assert.Equal("BAR", (string?)tree["environment_variables"]!["TEST_ENV"]);
        Assert.Equal("", (string?)tree["environment_variables"]!["TEST_ENV_EMPTY"]);
        var children = tree["children"]!.AsArray();
        Assert.Equal([4, 5, 6, 7, 8], children.Select(c => (int)c!["pid"]!));
        Assert.Equal(["Alive", "Alive", "Dead", "Stopped", "Alive"], children.Select(c => (string)c!["task_state"]!));
        Assert.Null(children[2]!["cmdline"]);
        // Sockets against the crit oracle: the listener on 0.0.0.0:5000 and both ends of the connection.
        var sockets = json["sockets"]!.AsArray().SelectMany(p => p!["open_sockets"]!.AsArray()).Select(s => s!["data"]!).ToList();
        Assert.Contains(sockets, s => (string?)s["state"] == "LISTEN" && (int?)s["src_port"] == 5000 && (string?)s["src"] == "0.0.0.0");
        Assert.Equal(2, sockets.Count(s => (string?)s["state"] == "ESTABLISHED" && (string?)s["dst"] == "127.0.0.1"));
    }

    [Fact]
    public void Pid_filters_files_and_sockets_too()
    {
        var json = JsonNode.Parse(CliRunner.Run("inspect", TestPaths.Wrapped("piggie-podman.tar"), "--files", "--sockets", "--pid", "4", "--format", "json").Stdout)!.AsArray()[0]!;
        Assert.Equal([4, 9], json["file_descriptors"]!.AsArray().Select(f => (int)f!["pid"]!));
        Assert.Equal([4, 9], json["sockets"]!.AsArray().Select(f => (int)f!["pid"]!));
    }

    [Fact]
    public void Invalid_format_is_reported_before_any_archive_is_opened()
    {
        Assert.Equal("invalid output format: x", CliRunner.AssertError(CliRunner.Run("inspect", TestPaths.Wrapped("piggie-podman.tar"), "--format", "x")));
        Assert.Equal("invalid output format: x", CliRunner.AssertError(CliRunner.Run("inspect", "/nonexistent.tar", "--format", "x")));
    }

    private static string[] Arguments(string archive, string @case) => @case switch
    {
        "inspect" => [],
        "inspect-all" => ["--all"],
        "inspect-all-json" => ["--all", "--format", "json"],
        "inspect-sockets-json" => ["--sockets", "--format", "json"],
        "inspect-pid1" => ["--ps-tree", "--pid", "1"],
        "inspect-pid-sub" => ["--ps-tree-cmd", "--pid", SubPid(archive)],
        _ => ["--" + @case["inspect-".Length..]],
    };

    // The child PID upstream was run with: the first process below the tree's root in its output.
    private static string SubPid(string archive)
    {
        var line = File.ReadLines(TestPaths.UpstreamOutput(archive, "inspect-pid-sub.out")).First(l => l.StartsWith("    └── [", StringComparison.Ordinal));
        return line["    └── [".Length..].Split(']', ' ')[0];
    }
}
