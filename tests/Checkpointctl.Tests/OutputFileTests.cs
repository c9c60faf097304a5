using System.Diagnostics;
using Checkpointctl.Core.Criu;
using Checkpointctl.Core.Criu.Images;

namespace Checkpointctl.Tests;

/// <summary><c>memparse -o</c> replaces files atomically and leaves nothing behind when interrupted.</summary>
public class OutputFileTests
{
    [Fact]
    public void An_existing_file_is_replaced_and_no_temporary_file_remains()
    {
        using var dir = new ScratchDir();
        var output = Path.Combine(dir.Path, "out.txt");
        File.WriteAllText(output, "old content");
        var result = CliRunner.Run("memparse", TestPaths.Archive("simple-none.tar"), "--pid", "1", "-o", output);
        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("Address           Hexadecimal", File.ReadAllText(output));
        Assert.Equal([output], dir.Files());
    }

    [Fact]
    public void A_failed_run_leaves_the_previous_file_untouched()
    {
        using var dir = new ScratchDir();
        var output = Path.Combine(dir.Path, "out.txt");
        File.WriteAllText(output, "old content");
        CliRunner.AssertError(CliRunner.Run("memparse", TestPaths.Wrapped("piggie-podman.tar"), "--pid", "6", "-o", output));
        Assert.Equal("old content", File.ReadAllText(output));
        Assert.Equal([output], dir.Files());
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public void A_signal_during_the_write_leaves_no_partial_file(string signal)
    {
        using var dir = new ScratchDir();
        var archive = BigProcessArchive(dir.Path, pages: 24576);
        var output = Path.Combine(dir.Path, "out.txt");
        // A shell's background job inherits SIGINT ignored, and so would the tool: env restores the default (it execs,
        // so the pid stays the tool's).
        var psi = new ProcessStartInfo("env", ["--default-signal=INT,TERM", "dotnet", typeof(Cli.CliApp).Assembly.Location, "memparse", archive, "--pid", "1", "-o", output])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(psi)!;
        var clock = Stopwatch.StartNew();
        // Signal as soon as the temporary file exists, i.e. while the hexdump is being written.
        while (!Directory.EnumerateFiles(dir.Path, ".out.txt.*.tmp").Any() && !process.HasExited && clock.Elapsed < TimeSpan.FromSeconds(20))
            Thread.Sleep(5);
        Assert.False(process.HasExited, "the hexdump finished before it could be interrupted");
        Process.Start("kill", ["-" + signal, process.Id.ToString()])!.WaitForExit();
        Assert.True(process.WaitForExit(10_000));
        Assert.NotEqual(0, process.ExitCode);
        Assert.Equal([archive], dir.Files());
    }

    // One process whose single present run holds `pages` pages of noise: a hexdump of it takes seconds (zeros would
    // collapse into one "*" line and finish before a signal could arrive on a loaded machine).
    internal static string BigProcessArchive(string dir, int pages)
    {
        var data = new byte[pages * 4096];
        new Random(1).NextBytes(data);
        var pagemap = SyntheticCheckpoint.Frame(CriuMagic.Pagemap, new PagemapHead { PagesId = 1 }, new PagemapEntry { Vaddr = 0x10000, NrPages = (ulong)pages, Flags = 4 });
        var checkpoint = new SyntheticCheckpoint().Process(1, 0, "big")
            .Image("mm-1.img", SyntheticCheckpoint.Frame(CriuMagic.Mm, new MmEntry()))
            .Image("pagemap-1.img", pagemap)
            .Image("pages-1.img", data);
        return checkpoint.WriteTo(dir, "big.tar");
    }
}
