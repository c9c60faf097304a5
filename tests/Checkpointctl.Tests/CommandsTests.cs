using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Checkpointctl.Tests;

/// <summary><c>list</c>, <c>--version</c>, help and errors of the command line itself.</summary>
public class ListAndCliTests
{
    [Fact]
    public void List_reads_kubelet_style_archives_and_reports_unreadable_ones()
    {
        using var dir = new ScratchDir();
        var k8s = Directory.CreateDirectory(Path.Combine(dir.Path, "k8s")).FullName;
        File.Copy(TestPaths.Wrapped("piggie-crio.tar"), Path.Combine(k8s, "checkpoint-demo-pod_default-piggie-ctr-2025-11-30T05:20:00+01:00.tar"));
        File.Copy(TestPaths.Wrapped("pytree-containerd.tar.gz"), Path.Combine(k8s, "checkpoint-py_ns-pytree-ctr-2025-11-30T05:20:00Z.tar"));
        File.WriteAllText(Path.Combine(k8s, "checkpoint-broken.tar"), "not an archive");
        File.WriteAllText(Path.Combine(k8s, "other.tar"), "ignored: not checkpoint-*");
        var empty = Directory.CreateDirectory(Path.Combine(dir.Path, "empty")).FullName;

        var result = CliRunner.Run("list", empty, k8s);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            $"Listing checkpoints in path: {k8s}\n" +
            "NAMESPACE   POD        CONTAINER    ENGINE       TIME CHECKPOINTED       CHECKPOINT NAME\n" +
            "---------   ---        ---------    ------       -----------------       ---------------\n" +
            "default     demo-pod   piggie-ctr   CRI-O        30 Nov 25 05:20 +0100   checkpoint-demo-pod_default-piggie-ctr-2025-11-30T05:20:00+01:00.tar\n" +
            "default     demo-pod   pytree-ctr   containerd   30 Nov 25 05:20 +0100   checkpoint-py_ns-pytree-ctr-2025-11-30T05:20:00Z.tar\n",
            result.Stdout);
        Assert.Matches(new Regex(@"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d Error extracting information from .*checkpoint-broken\.tar: unexpected EOF\n$"), result.Stderr);
    }

    [Fact]
    public void List_without_matches_names_the_directories()
    {
        var result = CliRunner.Run("list", "/nonexistent-a", "/nonexistent-b");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("No checkpoints found in [/nonexistent-a /nonexistent-b]\n", result.Stdout);
    }

    [Fact]
    public void Version_flag()
    {
        var result = CliRunner.Run("-v");
        Assert.Equal(0, result.ExitCode);
        Assert.Matches(new Regex(@"^checkpointctl version \d+\.\d+\.\d+\n$"), result.Stdout);
        Assert.Equal(result.Stdout, CliRunner.Run("--version").Stdout);
    }

    [Fact]
    public void No_arguments_prints_help()
    {
        var result = CliRunner.Run();
        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("checkpointctl is a tool to read and manipulate checkpoint archives as created by Podman, CRI-O and containerd\n\nUsage:\n  checkpointctl [command]\n", result.Stdout);
        foreach (var command in new[] { "completion", "help", "inspect", "list", "memparse", "plugin", "show" })
            Assert.Contains($"\n  {command} ", result.Stdout);
        Assert.Equal(result.Stdout, CliRunner.Run("--help").Stdout);
        Assert.Equal(result.Stdout, CliRunner.Run("help").Stdout);
    }

    [Fact]
    public void Command_help_in_cobra_layout()
    {
        var result = CliRunner.Run("show", "--help");
        Assert.Equal("Show an overview of container checkpoints\n\nUsage:\n  checkpointctl show [flags]\n\nFlags:\n  -h, --help   help for show\n", result.Stdout);
        Assert.Equal(result.Stdout, CliRunner.Run("help", "show").Stdout);
        // --container (for pod checkpoints) is the longest flag, so the columns are wider than upstream's.
        Assert.Contains("      --format string       Specify the output format: tree or json (default \"tree\")\n", CliRunner.Run("inspect", "-h").Stdout);
    }

    [Theory]
    [InlineData(new[] { "foo" }, "unknown command \"foo\" for \"checkpointctl\"\nRun 'checkpointctl --help' for usage.\n")]
    [InlineData(new[] { "show", "--wrong-parameter" }, "unknown flag: --wrong-parameter\n")]
    [InlineData(new[] { "show" }, "requires at least 1 arg(s), only received 0\n")]
    [InlineData(new[] { "inspect" }, "requires at least 1 arg(s), only received 0\n")]
    [InlineData(new[] { "memparse" }, "requires at least 1 arg(s), only received 0\n")]
    public void Usage_errors_in_cobra_words(string[] args, string expected)
    {
        var result = CliRunner.Run(args);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("Error: " + expected, result.Stderr);
        Assert.Equal("", result.Stdout);
    }
}

/// <summary>Plugins on a PATH made by the test; not run in parallel with tests that read PATH's plugins.</summary>
[Collection("PATH")]
public class PluginTests : IDisposable
{
    private readonly ScratchDir _dir = new();
    private readonly string? _path = Environment.GetEnvironmentVariable("PATH");

    public PluginTests()
    {
        Script("checkpointctl-hello", "if [ \"$1\" = --plugin-description ]; then echo 'Say hello'; exit 42; fi\nprintf '%s|' \"$@\"; echo; echo err >&2; exit 7");
        Script("checkpointctl-quiet", "exit 0");
        Script("checkpointctl-show", "echo shadowed; exit 3");
        Script("checkpointctl-completion", "echo shadowed; exit 3");
        File.WriteAllText(Path.Combine(_dir.Path, "checkpointctl-noexec"), "#!/bin/sh\nexit 0\n");
        var second = Directory.CreateDirectory(Path.Combine(_dir.Path, "later")).FullName;
        File.WriteAllText(Path.Combine(second, "checkpointctl-hello"), "#!/bin/sh\necho second; exit 9\n");
        File.SetUnixFileMode(Path.Combine(second, "checkpointctl-hello"), (UnixFileMode)0b111_101_101);
        Environment.SetEnvironmentVariable("PATH", $"{_dir.Path}:{second}:{_path}");
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("PATH", _path);
        _dir.Dispose();
    }

    private void Script(string name, string body)
    {
        var path = Path.Combine(_dir.Path, name);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
    }

    [Fact]
    public void Plugin_runs_with_the_same_arguments_streams_and_exit_code()
    {
        var psi = new ProcessStartInfo("dotnet", [typeof(Cli.CliApp).Assembly.Location, "hello", "a b", "--flag", "-x"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEnd();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(7, process.ExitCode);
        Assert.Equal("a b|--flag|-x|\n", stdout);
        Assert.Equal("err\n", stderr);
    }

    [Fact]
    public void Plugin_list_uses_the_description_protocol_and_first_on_path_wins()
    {
        var result = CliRunner.Run("plugin", "list");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            "Available plugins:\n" +
            $"  hello                Say hello\n" +
            $"                       {_dir.Path}/checkpointctl-hello\n" +
            $"  quiet                (no description)\n" +
            $"                       {_dir.Path}/checkpointctl-quiet\n",
            result.Stdout);
    }

    [Fact]
    public void Built_in_names_are_never_shadowed()
    {
        Assert.StartsWith("Error: requires at least 1 arg(s)", CliRunner.Run("show").Stderr);
        Assert.StartsWith("Generate the autocompletion script", CliRunner.Run("completion").Stdout);
        var help = CliRunner.Run().Stdout;
        Assert.Contains("\n  hello       Say hello\n", help);
        Assert.Contains($"\n  quiet       Plugin provided by {_dir.Path}/checkpointctl-quiet\n", help);
    }
}

[CollectionDefinition("PATH", DisableParallelization = true)]
public class PathCollection;

public class CompletionTests
{
    [Fact]
    public void Bash_script_completes_commands_flags_and_format_values_in_a_real_bash()
    {
        using var dir = new ScratchDir();
        var script = Path.Combine(dir.Path, "checkpointctl.bash");
        File.WriteAllText(script, CliRunner.Run("completion", "bash").Stdout);
        var probe = $$"""
            source '{{script}}'
            complete -p checkpointctl
            complete_words() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _checkpointctl; echo "${COMPREPLY[*]}"; }
            complete_words checkpointctl ins
            complete_words checkpointctl inspect --format ''
            complete_words checkpointctl memparse --search-r
            complete_words checkpointctl completion z
            """;
        var psi = new ProcessStartInfo("bash", ["--norc", "-c", probe]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var bash = Process.Start(psi)!;
        var output = bash.StandardOutput.ReadToEnd();
        bash.WaitForExit();
        Assert.Equal(0, bash.ExitCode);
        Assert.Equal("complete -F _checkpointctl checkpointctl\ninspect\ntree json\n--search-regex\nzsh\n", output);
    }

    [Theory]
    [InlineData("zsh", "#compdef checkpointctl")]
    [InlineData("fish", "complete -c checkpointctl -n '__fish_use_subcommand' -a inspect")]
    [InlineData("powershell", "Register-ArgumentCompleter -Native -CommandName 'checkpointctl'")]
    public void Other_shells_get_scripts(string shell, string expected)
    {
        var result = CliRunner.Run("completion", shell);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains(expected, result.Stdout);
    }
}
