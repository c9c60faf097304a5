using System.Diagnostics;

namespace Checkpointctl.Cli;

/// <summary>An external command: an executable <c>checkpointctl-&lt;name&gt;</c> found on PATH.</summary>
internal sealed record Plugin(string Name, string Path)
{
    /// <summary>The exit code a plugin uses to say "this is my description" for <c>--plugin-description</c>.</summary>
    public const int DescriptionExitCode = 42;

    private static readonly TimeSpan DescriptionTimeout = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Asks the plugin for its one-line description (only when help or <c>plugin list</c> is printed, never at
    /// start-up): run with <c>--plugin-description</c>, at most 500 ms, exit code 42, first line of stdout.
    /// </summary>
    public string? Describe()
    {
        try
        {
            var start = new ProcessStartInfo(Path, ["--plugin-description"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            using var process = Process.Start(start)!;
            process.StandardInput.Close();
            // Dedicated threads, not the thread pool: a busy pool must not turn a quick answer into a timeout.
            // The readers are taken here: a thread that starts after this method has disposed the process must not
            // touch it (that raised ObjectDisposedException on the thread and ended the whole program).
            var (stdout, stderr) = (process.StandardOutput, process.StandardError);
            string? firstLine = null;
            var reader = new Thread(() => firstLine = Drain(stdout)) { IsBackground = true };
            var errors = new Thread(() => Drain(stderr)) { IsBackground = true };
            reader.Start();
            errors.Start();
            if (!process.WaitForExit(DescriptionTimeout) || !reader.Join(DescriptionTimeout))
            {
                process.Kill(entireProcessTree: true);
                return null;
            }
            var line = firstLine?.Trim();
            return process.ExitCode == DescriptionExitCode && !string.IsNullOrEmpty(line) ? line : null;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException or InvalidOperationException)
        {
            return null;
        }
    }

    // Reads a stream to its end (so the plugin never blocks on a full pipe); returns the first line.
    // Runs on its own thread, so nothing may escape it: a pipe closed by the disposal of a timed-out plugin ends it.
    private static string? Drain(StreamReader reader)
    {
        try
        {
            var first = reader.ReadLine();
            var buffer = new char[4096];
            while (reader.Read(buffer, 0, buffer.Length) > 0)
            {
            }
            return first;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            return null;
        }
    }

    /// <summary>Runs the plugin with the same arguments, environment and standard streams; returns its exit code.</summary>
    public int Run(IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(Path, args) { UseShellExecute = false };
        using var process = Process.Start(start)!;
        process.WaitForExit();
        return process.ExitCode;
    }
}

/// <summary>Finds plugins on PATH: the first executable of each name wins; built-in command names are never shadowed.</summary>
internal static class Plugins
{
    public const string Prefix = "checkpointctl-";

    public static IReadOnlyList<Plugin> Discover(IReadOnlySet<string> builtIn)
    {
        var found = new Dictionary<string, Plugin>(StringComparer.Ordinal);
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            IEnumerable<string> entries;
            try
            {
                entries = Directory.EnumerateFiles(dir, Prefix + "*");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                continue;
            }
            foreach (var file in entries.Order(StringComparer.Ordinal))
            {
                var name = System.IO.Path.GetFileName(file)[Prefix.Length..];
                if (name.Length == 0 || builtIn.Contains(name) || found.ContainsKey(name) || !IsExecutable(file))
                    continue;
                found[name] = new Plugin(name, System.IO.Path.GetFullPath(file));
            }
        }
        return found.Values.OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
    }

    public static bool IsExecutable(string file)
    {
        if (OperatingSystem.IsWindows())
            return true;
        try
        {
            const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
            return (File.GetUnixFileMode(file) & anyExecute) != 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
