using System.Text;

namespace Checkpointctl.Cli;

/// <summary>Help text in cobra's layout, so the output matches upstream's.</summary>
internal static class Help
{
    private const int MinNamePadding = 11;

    public static void Write(TextWriter output, CliCommand? command, IReadOnlyList<CliCommand> commands,
        IReadOnlyList<(string Name, string Help)>? plugins = null, bool usageOnly = false)
    {
        var text = new StringBuilder();
        if (command == null)
        {
            if (!usageOnly)
                text.Append(CliApp.LongHelp).Append("\n\n");
            text.Append("Usage:\n  checkpointctl [command]\n\nAvailable Commands:\n");
            AppendCommands(text, RootCommands(commands, plugins ?? []));
            text.Append("\nFlags:\n");
            AppendFlags(text, RootFlags);
            text.Append("\nUse \"checkpointctl [command] --help\" for more information about a command.\n");
        }
        else
        {
            text.Append(command.LongHelp.TrimEnd()).Append("\n\n");
            var subcommands = command.Command.Subcommands;
            text.Append("Usage:\n  checkpointctl ").Append(UsageLine(command)).Append('\n');
            if (subcommands.Count > 0)
            {
                text.Append("\nAvailable Commands:\n");
                AppendCommands(text, subcommands.Select(c => (c.Name, c.Description ?? "")).ToList());
            }
            text.Append("\nFlags:\n");
            AppendFlags(text, Flags(command));
        }
        output.Write(text.ToString());
    }

    /// <summary>The root's flags, as its help lists them.</summary>
    public static IReadOnlyList<(string Flags, string Help)> RootFlags { get; } =
        [("-h, --help", "help for checkpointctl"), ("-v, --version", "version for checkpointctl")];

    /// <summary>The root's commands with their short help, in the order its help lists them.</summary>
    public static IReadOnlyList<(string Name, string Help)> RootCommands(IReadOnlyList<CliCommand> commands,
        IReadOnlyList<(string Name, string Help)> plugins) =>
        commands.Select(c => (c.Name, c.ShortHelp))
            .Append(("help", "Help about any command"))
            .Concat(plugins)
            .OrderBy(e => e.Item1, StringComparer.Ordinal)
            .ToList();

    /// <summary>A command's flags with <c>-h, --help</c>, in the order its help lists them.</summary>
    public static IReadOnlyList<(string Flags, string Help)> Flags(CliCommand command) =>
        command.FlagHelp.Append(("-h, --help", $"help for {command.Name}"))
            .OrderBy(f => f.Item1.TrimStart(' ', '-').Split(", --")[^1], StringComparer.Ordinal)
            .ToList();

    /// <summary>The usage line after <c>checkpointctl </c>, as help prints it.</summary>
    public static string UsageLine(CliCommand command) =>
        command.Usage + (command.Command.Subcommands.Count > 0 ? " [command]" : " [flags]");

    // Cobra pads command names to the longest, at least 11.
    private static void AppendCommands(StringBuilder text, IReadOnlyList<(string Name, string Help)> entries)
    {
        var pad = Math.Max(MinNamePadding, entries.Max(e => e.Name.Length));
        foreach (var (name, help) in entries)
            text.Append("  ").Append(name.PadRight(pad)).Append(' ').Append(help).Append('\n');
    }

    // pflag's layout: short flags as "  -x, --name", long-only as "      --name"; help text in one column.
    private static void AppendFlags(StringBuilder text, IReadOnlyList<(string Flags, string Help)> flags)
    {
        var lines = flags.Select(f => (Left: "  " + (f.Flags.StartsWith("--", StringComparison.Ordinal) ? "    " + f.Flags : f.Flags), f.Help)).ToList();
        var width = lines.Max(l => l.Left.Length);
        foreach (var (left, help) in lines)
            text.Append(left).Append(' ', width - left.Length + 3).Append(help).Append('\n');
    }
}
