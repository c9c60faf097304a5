using System.Text.RegularExpressions;

namespace Checkpointctl.Tests;

/// <summary>
/// stdout and stderr on one pipe keep the order in which lines were written (stdout is buffered, so it is flushed
/// before every stderr write), and a terminal receives no mode sequences, only the output and a progress line.
/// </summary>
[Collection(SequentialProcesses.Name)]
public class OutputOrderTests
{
    private const string LogTime = @"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d";

    [Fact]
    public void List_logs_a_broken_archive_after_the_heading_of_its_directory()
    {
        using var dir = new ScratchDir();
        File.Copy(TestPaths.Wrapped("piggie-crio.tar"), Path.Combine(dir.Path, "checkpoint-a.tar"));
        File.WriteAllText(Path.Combine(dir.Path, "checkpoint-b.tar"), "not an archive");
        var (code, output) = CliProcess.RunMerged("list", dir.Path);
        Assert.Equal(0, code);
        Assert.Matches(new Regex($@"^Listing checkpoints in path: {Regex.Escape(dir.Path)}\n{LogTime} Error extracting information from .*checkpoint-b\.tar: .*\nNAMESPACE +POD"), output);
    }

    [Fact]
    public void Build_prints_its_annotations_before_the_success_line()
    {
        using var dir = new ScratchDir();
        var (code, output) = CliProcess.RunMerged("build", TestPaths.Archive("simple-none.tar"), "localhost/ckpt:1", "-o", Path.Combine(dir.Path, "img.tar"));
        Assert.Equal(0, code);
        Assert.Matches(new Regex($@"^(Added annotation: [^\n]*\n)+{LogTime} Image 'localhost/ckpt:1' created successfully [^\n]*\n$"), output);
    }

    [Fact]
    public void Memparse_writes_its_heading_before_it_reads_pages_and_logs()
    {
        using var dir = new ScratchDir();
        var output = Path.Combine(dir.Path, "dump.txt");
        var (code, merged) = CliProcess.RunMerged("memparse", "--pid", "1", "-o", output, TestPaths.Archive("simple-none.tar"));
        Assert.Equal(0, code);
        Assert.Equal($"\nWriting memory pages content for process ID 1 from checkpoint: {TestPaths.Archive("simple-none.tar")} to file: {output}...\n", merged);
        // A failure after the heading: the heading first, then the error.
        var (failed, text) = CliProcess.RunMerged("memparse", "--pid", "1", "-o", output, TestPaths.Archive("simple-none.tar"), "-s", "x", "-c", "-1");
        Assert.Equal(1, failed);
        Assert.Equal("Error: failed to search pattern in memory: context size cannot be negative\n", text);
    }

    [ToolFact("script")]
    public void Memparse_progress_on_a_terminal_follows_the_heading_and_is_cleared()
    {
        using var dir = new ScratchDir();
        var archive = OutputFileTests.BigProcessArchive(dir.Path, pages: 16384);
        var output = Path.Combine(dir.Path, "dump.txt");
        var (code, screen) = CliProcess.RunOnTerminal("memparse", "--pid", "1", "-o", output, archive);
        Assert.Equal(0, code);
        var heading = screen.IndexOf("Writing memory pages content for process ID 1", StringComparison.Ordinal);
        var progress = screen.IndexOf("\rmemparse: ", StringComparison.Ordinal);
        Assert.True(heading >= 0 && progress > heading, screen);
        // The only control sequence: erasing the progress line at the end.
        Assert.EndsWith("\r\u001b[K", screen);
        Assert.Equal(1, screen.Split('\u001b').Length - 1);
    }

    [Fact]
    public void Runs_sharing_one_redirected_file_write_one_after_the_other()
    {
        using var dir = new ScratchDir();
        var log = Path.Combine(dir.Path, "log.txt");
        var dll = typeof(Cli.CliApp).Assembly.Location;
        // One open file (a shared offset) for both runs, as `{ a; b; } > log` gives them.
        var (code, _) = CliProcess.RunShell($"{{ dotnet '{dll}' -v; dotnet '{dll}' inspect --pid x /x; dotnet '{dll}' -v; }} > '{log}' 2>&1");
        Assert.Equal(0, code);
        Assert.Equal("checkpointctl version 1.6.0\nError: invalid argument \"x\" for \"-p, --pid\" flag: strconv.ParseUint: parsing \"x\": invalid syntax\ncheckpointctl version 1.6.0\n",
            File.ReadAllText(log));
    }

    [Fact]
    public void A_closed_pipe_ends_the_run_quietly_as_sigpipe_ends_go()
    {
        var dll = typeof(Cli.CliApp).Assembly.Location;
        var (code, output) = CliProcess.RunShell($"dotnet '{dll}' memparse --pid 1 '{TestPaths.Wrapped("piggie-podman.tar")}' 2>&1 | head -c 1 >/dev/null; echo \"${{PIPESTATUS[0]}}\"");
        Assert.Equal(0, code);
        Assert.Equal("141\n", output);
    }

    [Fact]
    public void Show_with_one_bad_archive_prints_only_the_error()
    {
        using var dir = new ScratchDir();
        var bad = Path.Combine(dir.Path, "bad.tar");
        File.WriteAllText(bad, "not an archive");
        var (code, output) = CliProcess.RunMerged("show", TestPaths.Archive("simple-none.tar"), bad, TestPaths.Archive("simple-zstd.tar.zst"));
        Assert.Equal(1, code);
        Assert.Matches(new Regex(@"^Error: [^\n]+\n$"), output);
    }

    [ToolTheory("script")]
    [InlineData("-v")]
    [InlineData("show", "{archive}")]
    [InlineData("inspect", "--all", "{archive}")]
    [InlineData("memparse", "{archive}")]
    [InlineData("memparse", "--pid", "1", "{archive}")]
    [InlineData("inspect", "--format", "bad", "{archive}")]
    public void A_terminal_receives_no_escape_sequences(params string[] args)
    {
        var (code, output) = CliProcess.RunOnTerminal(args.Select(a => a.Replace("{archive}", TestPaths.Archive("simple-none.tar"))).ToArray());
        Assert.True(code is 0 or 1);
        Assert.NotEqual("", output);
        Assert.DoesNotContain('\u001b', output);
    }
}

/// <summary>Tests that start CLI processes and compare their output run one at a time (they are timing sensitive).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SequentialProcesses
{
    public const string Name = "sequential processes";
}
