using System.Text;

namespace Checkpointctl.Cli;

/// <summary>
/// Man pages (section 1, named as upstream's: <c>checkpointctl.1</c>, <c>checkpointctl-show.1</c> …) made from the very
/// texts <c>--help</c> prints, so they cannot drift from it. The build writes them with the hidden command
/// <c>checkpointctl __man DIR</c> (see the CLI project file).
/// </summary>
internal static class ManPages
{
    public const string CommandName = "__man";
    private const string Manual = "CHECKPOINTCTL Manual";

    /// <summary>Writes one page for the root and one per command into <paramref name="directory"/>; removes pages of commands that are gone.</summary>
    public static int WriteAll(string directory, IReadOnlyList<CliCommand> commands)
    {
        var pages = new Dictionary<string, string>(StringComparer.Ordinal) { [$"{CliApp.Name}.1"] = RootPage(commands) };
        foreach (var command in commands)
            pages[$"{CliApp.Name}-{command.Name}.1"] = CommandPage(command);
        Directory.CreateDirectory(directory);
        foreach (var stale in Directory.EnumerateFiles(directory, $"{CliApp.Name}*.1").Where(f => !pages.ContainsKey(Path.GetFileName(f))))
            File.Delete(stale);
        foreach (var (name, text) in pages)
            File.WriteAllText(Path.Combine(directory, name), text, new UTF8Encoding(false));
        return 0;
    }

    private static string RootPage(IReadOnlyList<CliCommand> commands)
    {
        var page = Header(CliApp.Name, CliApp.ShortHelp[$"{CliApp.Name} is ".Length..]);
        page.Append(".SH SYNOPSIS\n\\fB").Append(CliApp.Name).Append("\\fR [\\fIcommand\\fR] [\\fIflags\\fR]\n");
        page.Append(".SH DESCRIPTION\n").Append(Text(CliApp.LongHelp));
        page.Append(".PP\nExecutables named \\fB").Append(CliApp.Name).Append("\\-\\fR\\fIname\\fR found in \\fBPATH\\fR are run as the command \\fIname\\fR (plugins; see \\fB")
            .Append(CliApp.Name).Append("\\-plugin\\fR(1)).\n");
        Options(page, Help.RootFlags);
        page.Append(".SH COMMANDS\n");
        foreach (var (name, help) in Help.RootCommands(commands, []))
            page.Append(".TP\n\\fB").Append(Escape(name)).Append("\\fR\n").Append(Escape(help)).Append('\n');
        page.Append(".SH SEE ALSO\n").Append(string.Join(",\n", commands.Select(c => PageReference($"{CliApp.Name}-{c.Name}")))).Append('\n');
        return page.ToString();
    }

    private static string CommandPage(CliCommand command)
    {
        var page = Header($"{CliApp.Name}-{command.Name}", LowerFirst(command.ShortHelp));
        page.Append(".SH SYNOPSIS\n\\fB").Append(CliApp.Name).Append(' ').Append(Escape(command.Name)).Append("\\fR")
            .Append(Escape(Synopsis(command)[command.Name.Length..])).Append('\n');
        page.Append(".SH DESCRIPTION\n").Append(Text(command.LongHelp));
        Options(page, Help.Flags(command));
        if (command.Command.Subcommands.Count > 0)
        {
            page.Append(".SH COMMANDS\n");
            foreach (var sub in command.Command.Subcommands)
                page.Append(".TP\n\\fB").Append(Escape(sub.Name)).Append("\\fR\n").Append(Escape(sub.Description ?? "")).Append('\n');
        }
        page.Append(".SH SEE ALSO\n").Append(PageReference(CliApp.Name)).Append('\n');
        return page.ToString();
    }

    // Help's usage line; where it names no arguments (upstream's "show", "memparse"), the arguments the command takes.
    private static string Synopsis(CliCommand command)
    {
        var usage = Help.UsageLine(command);
        if (command.Usage != command.Name)
            return usage;
        var arguments = command.Command.Arguments.Select(a => a.Arity.MaximumNumberOfValues > 1 ? a.Name + "..." : a.Name);
        return string.Join(' ', [usage, .. arguments]);
    }

    private static StringBuilder Header(string name, string summary)
    {
        var page = new StringBuilder();
        page.Append(".\\\" Generated from the command definitions by `").Append(CliApp.Name).Append(' ').Append(CommandName).Append("`; do not edit.\n");
        page.Append(".TH \"").Append(Escape(name.ToUpperInvariant())).Append("\" \"1\" \"\" \"").Append(CliApp.Name).Append(' ')
            .Append(Escape(CliApp.Version)).Append("\" \"").Append(Manual).Append("\"\n");
        // No hyphenation and no justification: words and flags stay whole, as in --help.
        page.Append(".nh\n.ad l\n");
        page.Append(".SH NAME\n").Append(Escape(name)).Append(" \\- ").Append(Escape(summary)).Append('\n');
        return page;
    }

    // "-p, --pid uint32": the names bold, the value's type italic.
    private static void Options(StringBuilder page, IReadOnlyList<(string Flags, string Help)> flags)
    {
        page.Append(".SH OPTIONS\n");
        foreach (var (spec, help) in flags)
        {
            var typeAt = spec.IndexOf(' ', spec.IndexOf("--", StringComparison.Ordinal));
            var names = typeAt < 0 ? spec : spec[..typeAt];
            page.Append(".TP\n").Append(string.Join(", ", names.Split(", ").Select(n => $"\\fB{Escape(n)}\\fR")));
            if (typeAt >= 0)
                page.Append(" \\fI").Append(Escape(spec[(typeAt + 1)..])).Append("\\fR");
            page.Append('\n').Append(Escape(help)).Append('\n');
        }
    }

    /// <summary>
    /// Help text as roff: lines are filled into paragraphs (blank lines separate them), indented lines (examples,
    /// lists) are kept as they are, less their common indentation.
    /// </summary>
    private static string Text(string help)
    {
        var text = new StringBuilder();
        var lines = help.TrimEnd().Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim().Length == 0)
            {
                text.Append(".PP\n");
                continue;
            }
            if (!char.IsWhiteSpace(lines[i][0]))
            {
                // A heading of an example or list ("Example:") starts a paragraph of its own.
                if (i > 0 && lines[i - 1].Trim().Length > 0 && lines[i].EndsWith(':') && i + 1 < lines.Length && lines[i + 1].StartsWith(' '))
                    text.Append(".PP\n");
                text.Append(Escape(lines[i].Trim())).Append('\n');
                continue;
            }
            var block = lines.Skip(i).TakeWhile(l => l.Length > 0 && char.IsWhiteSpace(l[0])).ToList();
            var indent = block.Min(l => l.Length - l.TrimStart().Length);
            text.Append(".RS 4\n.nf\n");
            foreach (var line in block)
                text.Append(Escape(line[indent..].TrimEnd())).Append('\n');
            text.Append(".fi\n.RE\n");
            i += block.Count - 1;
        }
        return text.ToString();
    }

    private static string PageReference(string page) => $"\\fB{Escape(page)}\\fR(1)";

    private static string LowerFirst(string text) =>
        text.Length > 1 && char.IsUpper(text[0]) && !char.IsUpper(text[1]) ? char.ToLowerInvariant(text[0]) + text[1..] : text;

    /// <summary>
    /// One line of text for roff: backslashes and hyphens escaped (<c>\-</c> keeps options typeable), characters
    /// beyond ASCII as <c>\[uXXXX]</c>, and a leading dot or quote made harmless so it is not read as a request.
    /// </summary>
    public static string Escape(string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            escaped.Append(rune.Value switch
            {
                '\\' => "\\e",
                '-' => "\\-",
                < 0x80 => ((char)rune.Value).ToString(),
                _ => $"\\[u{rune.Value:X4}]",
            });
        }
        return escaped.Length > 0 && escaped[0] is '.' or '\'' ? "\\&" + escaped : escaped.ToString();
    }
}
