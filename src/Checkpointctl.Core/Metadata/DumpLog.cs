using System.Text.RegularExpressions;
using Checkpointctl.Core.Archive;

namespace Checkpointctl.Core.Metadata;

/// <summary>
/// What <c>dump.log</c> (CRIU's log of the dump) tells: the CRIU version, the host it ran on, its warnings and errors,
/// and its last lines. Read line by line as the member goes by, so a log of any size costs little memory.
/// </summary>
public sealed partial class DumpLog
{
    /// <summary>The most warning and error lines kept; the count goes on.</summary>
    public const int MaxProblems = 10_000;

    /// <summary>Where engines put the log: CRI-O and containerd at the top, the CRIU image directory (bare dumps) below checkpoint/.</summary>
    public static IReadOnlyList<string> MemberNames { get; } = ["dump.log", ArchiveLayout.Image("dump.log")];

    private readonly List<string> _problems = [];
    private readonly Queue<string> _tail = new();
    private readonly int _tailLines;

    private DumpLog(string member, int tailLines)
    {
        Member = member;
        _tailLines = tailLines;
    }

    /// <summary>The archive member the log was read from.</summary>
    public string Member { get; }

    /// <summary>From <c>Version: 4.2 (gitid 0)</c>, e.g. <c>4.2 (gitid 0)</c>.</summary>
    public string? Version { get; private set; }

    /// <summary>From <c>Running on HOST Linux 6.18.44 #1 SMP … x86_64</c>: the whole host description.</summary>
    public string? RunningOn { get; private set; }

    /// <summary>Warning and error lines in log order (at most <see cref="MaxProblems"/>).</summary>
    public IReadOnlyList<string> Problems => _problems;

    /// <summary>Warning lines in the log.</summary>
    public long WarningCount { get; private set; }
    /// <summary>Error lines in the log.</summary>
    public long ErrorCount { get; private set; }
    /// <summary>Lines in the log.</summary>
    public long LineCount { get; private set; }

    /// <summary>The last lines asked for (none unless a tail was asked for).</summary>
    public IReadOnlyList<string> Tail => [.. _tail];

    /// <summary>Reads a log stream to its end, keeping its last <paramref name="tailLines"/> lines (none by default, all when negative).</summary>
    public static DumpLog Read(string member, Stream stream, int tailLines = 0)
    {
        var log = new DumpLog(member, tailLines);
        LogLines.ForEach(stream, log.Add);
        return log;
    }

    private void Add(string line)
    {
        LineCount++;
        if (Version == null && VersionLine().Match(line) is { Success: true } v)
            Version = v.Groups[1].Value;
        else if (RunningOn == null && RunningLine().Match(line) is { Success: true } r)
            RunningOn = r.Groups[1].Value;
        if (ProblemLine().Match(line) is { Success: true } p)
        {
            if (p.Groups[1].Value == "Error")
                ErrorCount++;
            else
                WarningCount++;
            if (_problems.Count < MaxProblems)
                _problems.Add(line);
        }
        LogLines.KeepLast(_tail, line, _tailLines, MaxProblems);
    }

    /// <summary>The kernel release of <see cref="RunningOn"/> (<c>6.18.44-fc-v657</c>), if it names one.</summary>
    public string? Kernel => RunningOn is { } r && KernelWord().Match(r) is { Success: true } m ? m.Groups[1].Value : null;

    /// <summary>The machine of <see cref="RunningOn"/> (its last word, e.g. <c>x86_64</c>).</summary>
    public string? Machine => RunningOn?.Split(' ', StringSplitOptions.RemoveEmptyEntries) is { Length: > 0 } words ? words[^1] : null;

    [GeneratedRegex(@"^(?:\(\s*[0-9.]+\)\s*)?Version:\s*(.+)$")]
    private static partial Regex VersionLine();

    [GeneratedRegex(@"^(?:\(\s*[0-9.]+\)\s*)?Running on\s+(.+)$")]
    private static partial Regex RunningLine();

    [GeneratedRegex(@"^(?:\(\s*[0-9.]+\)\s*)?(Error|Warn)\s*\(")]
    private static partial Regex ProblemLine();

    [GeneratedRegex(@"\bLinux\s+(\S+)")]
    private static partial Regex KernelWord();
}
