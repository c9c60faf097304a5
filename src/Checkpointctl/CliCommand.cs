using System.CommandLine;

namespace Checkpointctl.Cli;

/// <summary>A subcommand: its System.CommandLine definition, the texts cobra-style help needs, and its action.</summary>
internal abstract class CliCommand
{
    protected CliCommand(string name, string shortHelp, string usage)
    {
        Command = new Command(name, shortHelp);
        Usage = usage;
    }

    public Command Command { get; }
    public string Name => Command.Name;
    public string ShortHelp => Command.Description ?? "";

    /// <summary>The usage line after <c>checkpointctl</c>, e.g. <c>show</c> or <c>list [directories]</c>.</summary>
    public string Usage { get; }

    /// <summary>Long help shown above the usage; defaults to the short help.</summary>
    public virtual string LongHelp => ShortHelp;

    /// <summary>Flag lines for help, in cobra's layout (without -h).</summary>
    public virtual IReadOnlyList<(string Flags, string Help)> FlagHelp => [];

    /// <summary>Runs the command; user errors are thrown as exceptions and reported by <see cref="CliApp"/>.</summary>
    public abstract int Execute(ParseResult parse, CliContext context);
}

/// <summary>Where a command writes. Commands never touch <see cref="Console"/> directly.</summary>
/// <param name="RawOut">The byte stream under <paramref name="Out"/>, for bulk output (flush <paramref name="Out"/> first).</param>
/// <param name="ErrorIsTerminal">Progress is shown on stderr only when a person watches it.</param>
internal sealed record CliContext(TextWriter Out, TextWriter Error, Stream RawOut, bool ErrorIsTerminal);
