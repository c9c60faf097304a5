using System.CommandLine;
using Checkpointctl.Cli.Flags;
using Checkpointctl.Cli.Rendering;
using Checkpointctl.Core.Analysis;

namespace Checkpointctl.Cli.Commands;

/// <summary><c>diff A B</c>: what changed between two checkpoints of one container, as a tree or JSON.</summary>
internal sealed class DiffCommand : CliCommand
{
    private readonly Argument<string[]> _checkpoints = new("checkpoint") { Arity = ArgumentArity.ZeroOrMore };
    private readonly Option<string> _format = new("--format") { DefaultValueFactory = _ => "tree" };
    private readonly Option<bool> _psTreeCmd = new("--ps-tree-cmd");
    private readonly Option<bool> _psTreeEnv = new("--ps-tree-env");
    private readonly Option<bool> _files = new("--files");
    private readonly Option<bool> _sockets = new("--sockets");
    private readonly Option<bool> _showUnchanged = new("--show-unchanged");
    private readonly Option<string> _parent = new("--parent");
    private readonly Option<string[]> _container = ContainerOption.Create();

    public DiffCommand() : base("diff", "Show changes between two container checkpoints", "diff <checkpointA> <checkpointB>")
    {
        Command.Arguments.Add(_checkpoints);
        foreach (var o in new Option[] { _format, _psTreeCmd, _psTreeEnv, _files, _sockets, _showUnchanged, _parent, _container })
            Command.Options.Add(o);
    }

    public override string LongHelp => """
        Compare two CRIU checkpoints and show differences in:
          - Process tree (new/removed/modified processes)
          - File descriptors (opened/closed files)
          - Sockets (new/removed network sockets)
          - Memory usage (size changes)

        Example:
          checkpointctl diff checkpoint1.tar checkpoint2.tar
          checkpointctl diff --format json checkpoint1.tar checkpoint2.tar
          checkpointctl diff --files --ps-tree-cmd checkpoint1.tar checkpoint2.tar
          checkpointctl diff --files --sockets checkpoint1.tar checkpoint2.tar
        """;

    public override IReadOnlyList<(string Flags, string Help)> FlagHelp =>
    [
        (ContainerOption.HelpFlags, "Containers of pod checkpoints to compare, by name or ID (repeatable or comma-separated)"),
        ("--files", "Include file descriptors in the diff"),
        ("--format string", "Specify output format: tree or json (default \"tree\")"),
        ("--parent string", "Parent image set of incremental checkpoints (e.g. Podman's pre-checkpoint archive)"),
        ("--ps-tree-cmd", "Include full command lines in process tree diff"),
        ("--ps-tree-env", "Include environment variables in process tree diff"),
        ("--show-unchanged", "Show entries that are identical between the two checkpoints"),
        ("--sockets", "Include sockets in the diff"),
    ];

    public override int Execute(ParseResult parse, CliContext context)
    {
        var paths = CliArgs.Exactly(parse.GetValue(_checkpoints), 2);
        var options = new DiffOptions
        {
            PsTreeCmd = parse.GetValue(_psTreeCmd),
            PsTreeEnv = parse.GetValue(_psTreeEnv),
            Files = parse.GetValue(_files),
            Sockets = parse.GetValue(_sockets),
            Parent = string.IsNullOrEmpty(parse.GetValue(_parent)) ? null : new Core.Archive.CheckpointInput(parse.GetValue(_parent)!),
        };
        var format = parse.GetValue(_format) ?? "tree";
        // Every flag is checked before any checkpoint is opened.
        if (format is not ("tree" or "json"))
            throw new UsageException($"invalid output format: {format}");
        PodDiff diff;
        try
        {
            diff = PodDiff.Read(paths[0], paths[1], options, ContainerOption.Read(parse, _container));
        }
        catch (DifferentContainersException e)
        {
            // The one multi-line error (upstream's three lines); CliApp would fold it into one line.
            context.Error.Write($"Error: {e.Message}\n");
            return 1;
        }
        if (diff.IsSingle && format == "tree")
            DiffTreeRenderer.Write(context.Out, diff.Containers[0], parse.GetValue(_showUnchanged));
        else if (diff.IsSingle)
            DiffJsonRenderer.Write(context.Out, diff.Containers[0]);
        else if (format == "tree")
            DiffTreeRenderer.Write(context.Out, diff, parse.GetValue(_showUnchanged));
        else
            DiffJsonRenderer.Write(context.Out, diff);
        return 0;
    }
}
