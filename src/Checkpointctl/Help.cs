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
                text.Append("checkpointctl is a tool to read and manipulate checkpoint archives as created by Podman, CRI-O and containerd\n\n");
            text.Append("Usage:\n  checkpointctl [command]\n\nAvailable Commands:\n");
            var entries = commands.Select(c => (c.Name, c.ShortHelp))
                .Append(("help", "Help about any command"))
                .Concat(plugins ?? [])
                .OrderBy(e => e.Item1, StringComparer.Ordinal)
                .ToList();
            AppendCommands(text, entries);
            text.Append("\nFlags:\n");
            AppendFlags(text, [("-h, --help", "help for checkpointctl"), ("-v, --version", "version for checkpointctl")]);
            text.Append("\nUse \"checkpointctl [command] --help\" for more information about a command.\n");
        }
        else
        {
            text.Append(command.LongHelp.TrimEnd()).Append("\n\n");
            var subcommands = command.Command.Subcommands;
            text.Append("Usage:\n  checkpointctl ").Append(command.Usage).Append(subcommands.Count > 0 ? " [command]\n" : " [flags]\n");
            if (subcommands.Count > 0)
            {
                text.Append("\nAvailable Commands:\n");
                AppendCommands(text, subcommands.Select(c => (c.Name, c.Description ?? "")).ToList());
            }
            text.Append("\nFlags:\n");
            var flags = command.FlagHelp.Append(("-h, --help", $"help for {command.Name}"))
                .OrderBy(f => f.Item1.TrimStart(' ', '-').Split(", --")[^1], StringComparer.Ordinal)
                .ToList();
            AppendFlags(text, flags);
        }
        output.Write(text.ToString());
    }

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
