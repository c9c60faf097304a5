using System.Diagnostics;
using System.Text.RegularExpressions;
using Checkpointctl.Cli;

namespace Checkpointctl.Tests;

/// <summary>
/// The man pages the build writes (<c>bin/…/man/man1</c> of the CLI): one per command of <c>--help</c>, rendered by
/// man and groff without warnings, and saying what <c>--help</c> says (options, commands, usage).
/// </summary>
public sealed partial class ManPageTests
{
    // The CLI project's output beside this one's: tests/Checkpointctl.Tests/bin/Release/net10.0 -> src/Checkpointctl/bin/Release/net10.0.
    private static readonly string ManDirectory = Path.Combine(TestPaths.RepoRoot, "src", "Checkpointctl",
        Path.GetRelativePath(Path.Combine(TestPaths.RepoRoot, "tests", "Checkpointctl.Tests"), AppContext.BaseDirectory), "man", "man1");

    /// <summary>The commands the root help lists (help has no page: it is help).</summary>
    private static List<string> HelpCommands() =>
        HelpSection(CliRunner.Run("--help").Stdout, "Available Commands:").Select(l => l.Split(' ', 2)[0]).Where(c => c != "help").ToList();

    private static List<string> PageNames() => ["checkpointctl.1", .. HelpCommands().Select(c => $"checkpointctl-{c}.1")];

    public static TheoryData<string> Pages() => new(PageNames());

    [Fact]
    public void TheBuildWritesOnePagePerCommandOfHelpAndNoOther()
    {
        var expected = PageNames().Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, Directory.GetFiles(ManDirectory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Contains("checkpointctl-memparse.1", expected);
    }

    [ToolTheory("man", "groff")]
    [MemberData(nameof(Pages))]
    public void RendersWithoutWarnings(string page)
    {
        var file = Path.Combine(ManDirectory, page);
        Assert.Equal("", Run("man", ["--warnings", "-l", file], stdoutToo: false));
        Assert.Equal("", Run("groff", ["-man", "-ww", "-z", file], stdoutToo: false));
    }

    [ToolTheory("man")]
    [MemberData(nameof(Pages))]
    public void OptionsAreThoseOfHelp(string page)
    {
        var command = page == "checkpointctl.1" ? null : page["checkpointctl-".Length..^2];
        var help = CliRunner.Run(command == null ? ["--help"] : [command, "--help"]).Stdout;
        var man = Render(page);
        var helpFlags = HelpSection(help, "Flags:").Select(SplitHelpLine).ToList();
        Assert.NotEmpty(helpFlags);
        Assert.Equal(helpFlags, ManSection(man, "OPTIONS"));
    }

    [ToolTheory("man")]
    [MemberData(nameof(Pages))]
    public void CommandsAndUsageAreThoseOfHelp(string page)
    {
        var command = page == "checkpointctl.1" ? null : page["checkpointctl-".Length..^2];
        var help = CliRunner.Run(command == null ? ["--help"] : [command, "--help"]).Stdout;
        var man = Render(page);
        Assert.Equal(HelpSection(help, "Available Commands:").Select(SplitCommandLine), ManSection(man, "COMMANDS"));
        var usage = HelpSection(help, "Usage:").Single();
        var synopsis = Normalize(string.Join(' ', Section(man, "SYNOPSIS")));
        Assert.StartsWith(usage, synopsis);
        var name = Normalize(string.Join(' ', Section(man, "NAME")));
        Assert.Equal(command == null ? "checkpointctl - a tool to read and manipulate checkpoint archives"
            : $"checkpointctl-{command} - {HelpSection(CliRunner.Run("--help").Stdout, "Available Commands:").Select(SplitCommandLine).Single(c => c.Name == command).Help}",
            name, ignoreCase: true);
    }

    [Fact]
    public void SynopsisNamesTheArgumentsUpstreamsUsageLeavesOut()
    {
        var show = File.ReadAllText(Path.Combine(ManDirectory, "checkpointctl-show.1"));
        Assert.Contains(".SH SYNOPSIS\n\\fBcheckpointctl show\\fR [flags] FILE...\n", show);
        Assert.Contains(".SH SYNOPSIS\n\\fBcheckpointctl build\\fR <checkpoint\\-path> <image\\-name> [flags]\n",
            File.ReadAllText(Path.Combine(ManDirectory, "checkpointctl-build.1")));
    }

    [ToolFact("man")]
    public void ExamplesKeepTheirLines()
    {
        var lines = Section(Render("checkpointctl-build.1"), "DESCRIPTION");
        Assert.Contains("       Example:", lines);
        Assert.Contains("           checkpointctl build checkpoint.tar quay.io/foo/bar:latest -o bar.tar", lines);
    }

    [Theory]
    [InlineData("--pid", "\\-\\-pid")]
    [InlineData(".hidden", "\\&.hidden")]
    [InlineData("'quoted'", "\\&'quoted'")]
    [InlineData("a\\b", "a\\eb")]
    [InlineData("a.b 'c'", "a.b 'c'")]
    [InlineData("\u2026 \U0001F600", "\\[u2026] \\[u1F600]")]
    public void EscapesWhatRoffWouldRead(string text, string roff) => Assert.Equal(roff, ManPages.Escape(text));

    [Fact]
    public void GeneratorRemovesPagesOfCommandsThatAreGone()
    {
        var directory = Directory.CreateTempSubdirectory().FullName;
        try
        {
            File.WriteAllText(Path.Combine(directory, "checkpointctl-gone.1"), "");
            File.WriteAllText(Path.Combine(directory, "other.1"), "");
            var result = CliRunner.Run(ManPages.CommandName, directory);
            Assert.Equal(0, result.ExitCode);
            Assert.False(File.Exists(Path.Combine(directory, "checkpointctl-gone.1")));
            Assert.True(File.Exists(Path.Combine(directory, "other.1")));
            Assert.Equal(File.ReadAllText(Path.Combine(ManDirectory, "checkpointctl-inspect.1")), File.ReadAllText(Path.Combine(directory, "checkpointctl-inspect.1")));
        }
        finally
        {
            Directory.Delete(directory, true);
        }
    }

    [Fact]
    public void GeneratorIsNotACommandOfHelp()
    {
        Assert.DoesNotContain(ManPages.CommandName, CliRunner.Run("--help").Stdout);
        Assert.DoesNotContain(ManPages.CommandName, CliRunner.Run("completion", "bash").Stdout);
    }

    // Rendered as a reader sees it, on lines long enough that nothing wraps.
    private static string[] Render(string page) =>
        Run("man", ["-l", Path.Combine(ManDirectory, page)], stdoutToo: true, width: 1000).Split('\n');

    /// <summary>The lines of a help section ("Flags:") without their indentation.</summary>
    private static List<string> HelpSection(string help, string heading) =>
        help.Split('\n').SkipWhile(l => l != heading).Skip(1).TakeWhile(l => l.StartsWith("  ", StringComparison.Ordinal)).Select(l => l.Trim()).ToList();

    // "-p, --pid uint32   Help text": flags and help are separated by at least three spaces (pflag's padding).
    private static (string Flags, string Help) SplitHelpLine(string line)
    {
        var parts = HelpColumns().Split(line, 2);
        return (parts[0], parts[1]);
    }

    // "completion  Generate …": cobra pads names to the longest, then one space.
    private static (string Name, string Help) SplitCommandLine(string line) => (line.Split(' ', 2)[0], line.Split(' ', 2)[1].Trim());

    private static List<string> Section(string[] man, string heading) =>
        man.SkipWhile(l => l != heading).Skip(1).TakeWhile(l => l.Length == 0 || l[0] == ' ').ToList();

    /// <summary>
    /// The tagged paragraphs of a section: the tag at column 7, its text at column 14, on the tag's line when the tag
    /// is short enough, else on the next.
    /// </summary>
    private static List<(string Flags, string Help)> ManSection(string[] man, string heading)
    {
        var lines = Section(man, heading);
        var items = new List<(string, string)>();
        for (var i = 0; i < lines.Count; i++)
        {
            if (!TagLine().IsMatch(lines[i]))
                continue;
            if (i + 1 < lines.Count && lines[i + 1].StartsWith(new string(' ', 14), StringComparison.Ordinal))
                items.Add((Normalize(lines[i]), Normalize(lines[++i])));
            else
                items.Add((Normalize(lines[i][..14]), Normalize(lines[i][14..])));
        }
        return items;
    }

    private static string Normalize(string text) => Spaces().Replace(text.Trim(), " ");

    private static string Run(string file, string[] args, bool stdoutToo, int width = 80)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["MANWIDTH"] = width.ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment["LC_ALL"] = "C.UTF-8";
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(60_000), $"{file} did not finish");
        Assert.Equal(0, process.ExitCode);
        return stdoutToo ? stdout.Result : stderr;
    }

    [GeneratedRegex(" {3,}")]
    private static partial Regex HelpColumns();

    [GeneratedRegex("^ {7}[^ ]")]
    private static partial Regex TagLine();

    [GeneratedRegex(" +")]
    private static partial Regex Spaces();
}
