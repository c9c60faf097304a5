namespace Checkpointctl.Tests;

/// <summary>
/// The example program of the library (<c>examples/ListProcesses</c>, built with the tests) run over the bundled
/// example checkpoint: what it prints is what the library reads.
/// </summary>
public sealed class ExampleProgramTests
{
    // Built beside the tests: examples/ListProcesses/bin/Release/net10.0 for tests/Checkpointctl.Tests/bin/Release/net10.0.
    public static string ProgramPath { get; } = Path.Combine(TestPaths.RepoRoot, "examples", "ListProcesses",
        Path.GetRelativePath(Path.Combine(TestPaths.RepoRoot, "tests", "Checkpointctl.Tests"), AppContext.BaseDirectory), "ListProcesses.dll");

    public const string ExpectedOutput = """
        container fx-simple (Podman), 2 processes
          1 (parent 0) Alive sh: sh -c i=0; while true; do i=$((i+1)); echo "$i $(date)" >> /tmp/counter.log; echo "stdout tick $i"; sleep 1; done
            5 files, 0 sockets, 6 environment variables
            11 mappings, 18 pages dumped
            [vdso] at 7fba23ca6000 starts with 7F454C46 (4 bytes held)
            found at 32eb1a92: >> /tmp/counter.log; echo "
            found at 32eb29b5: ???/tmp/counter.log????????
            found at 32eb2bf5: ???/tmp/counter.log????????
            found at 7fffae775f5b: >> /tmp/counter.log; echo "
          20 (parent 1) Alive sleep: sleep 1
            5 files, 0 sockets, 8 environment variables
            11 mappings, 16 pages dumped
            [vdso] at 7f072d8f7000 starts with 7F454C46 (4 bytes held)

        """;

    [Fact]
    public void ListsProcessesReadsMemoryAndSearches()
    {
        var (code, output) = CliProcess.RunShell($"dotnet '{ProgramPath}' '{Path.Combine(TestPaths.RepoRoot, "examples", "simple-zstd.tar.zst")}' counter.log");
        Assert.Equal(0, code);
        Assert.Equal(ExpectedOutput, output);
    }

    [Fact]
    public void ReportsAnUnreadableCheckpointAsAnError()
    {
        var (code, output) = CliProcess.RunShell($"dotnet '{ProgramPath}' /nonexistent/checkpoint.tar");
        Assert.Equal((1, "Error: stat /nonexistent/checkpoint.tar: no such file or directory\n"), (code, output));
    }
}
