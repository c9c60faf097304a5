using Checkpointctl.Cli;

namespace Checkpointctl.Tests;

public sealed record CliResult(int ExitCode, string Stdout, string Stderr);

/// <summary>Runs the real command tree in process with captured output.</summary>
public static class CliRunner
{
    public static CliResult Run(params string[] args)
    {
        var raw = new MemoryStream();
        var stdout = new StreamWriter(raw, new System.Text.UTF8Encoding(false)) { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        var code = CliApp.Run(args, stdout, stderr, raw);
        stdout.Flush();
        return new CliResult(code, System.Text.Encoding.UTF8.GetString(raw.ToArray()), stderr.ToString());
    }

    /// <summary>Asserts the upstream error convention: exactly one <c>Error:</c> line, exit 1, nothing on stdout.</summary>
    public static string AssertError(CliResult result)
    {
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Assert.StartsWith("Error: ", result.Stderr);
        Assert.EndsWith("\n", result.Stderr);
        Assert.Single(result.Stderr.TrimEnd('\n').Split('\n'));
        Assert.DoesNotContain("   at ", result.Stderr);
        AssertNoDotNetText(result.Stderr);
        return result.Stderr[7..^1];
    }

    /// <summary>No .NET exception text or type name, and no temporary file of ours, in a user-facing message.</summary>
    public static void AssertNoDotNetText(string message)
    {
        foreach (var word in new[] { "System.", "Exception", "Cannot parse", "expected type", "Could not find", ".tmp", "Access to the path", "UInt32", "Int32", "Boolean", "internal error" })
            Assert.DoesNotContain(word, message);
    }
}
