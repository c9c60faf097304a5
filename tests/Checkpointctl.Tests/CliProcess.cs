using System.Diagnostics;

namespace Checkpointctl.Tests;

/// <summary>Runs the built CLI as a real process, the way scripts and people see it.</summary>
public static class CliProcess
{
    /// <summary>Runs with stdout and stderr on ONE pipe (as <c>2&gt;&amp;1</c> does); returns the exit code and the merged bytes.</summary>
    public static (int ExitCode, string Output) RunMerged(params string[] args) =>
        Run("sh", ["-c", "exec \"$@\" 2>&1", "sh", "dotnet", typeof(Cli.CliApp).Assembly.Location, .. args]);

    /// <summary>Runs a bash command line; returns its exit code and what it printed (stdout and stderr).</summary>
    public static (int ExitCode, string Output) RunShell(string script) => Run("bash", ["-c", script + " 2>&1"]);

    /// <summary>
    /// Runs on a pseudo-terminal (util-linux <c>script</c>): stdout and stderr are a terminal, as for a person at a
    /// shell. Returns the bytes the terminal received.
    /// </summary>
    public static (int ExitCode, string Output) RunOnTerminal(params string[] args)
    {
        var command = string.Join(' ', new[] { "dotnet", typeof(Cli.CliApp).Assembly.Location }.Concat(args).Select(Quote));
        return Run("script", ["-qefc", command, "/dev/null"]);
    }

    private static (int, string) Run(string file, string[] args)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardInput = true };
        using var process = Process.Start(psi)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        Assert.True(process.WaitForExit(60_000), $"{file} did not finish");
        return (process.ExitCode, output.Result);
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''") + "'";
}
