using System.CommandLine;

namespace Checkpointctl.Cli.Flags;

/// <summary>
/// <c>--container NAME|ID</c>: the containers of a pod checkpoint a command reads (repeatable, or comma-separated).
/// One selected container reads as that container's own checkpoint; a container checkpoint is read as it is.
/// </summary>
internal static class ContainerOption
{
    public const string HelpFlags = "--container strings";
    public const string Help = "Containers of a pod checkpoint to read, by name or ID (repeatable or comma-separated)";

    public static Option<string[]> Create() => new("--container") { Arity = ArgumentArity.OneOrMore, AllowMultipleArgumentsPerToken = false };

    public static IReadOnlyList<string> Read(ParseResult parse, Option<string[]> option) => GoFlags.StringSlice(parse, option);
}
