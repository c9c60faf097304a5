using System.CommandLine;
using Checkpointctl.Cli.Rendering;
using Checkpointctl.Core.Analysis;

namespace Checkpointctl.Cli.Commands;

/// <summary><c>show FILE...</c>: a table of container metadata and sizes, one row per checkpoint.</summary>
internal sealed class ShowCommand : CliCommand
{
    private readonly Argument<string[]> _files = new("FILE") { Arity = ArgumentArity.ZeroOrMore };

    public ShowCommand() : base("show", "Show an overview of container checkpoints", "show")
    {
        Command.Arguments.Add(_files);
    }

    public override int Execute(ParseResult parse, CliContext context)
    {
        var files = CliArgs.AtLeastOne(parse.GetValue(_files));
        // Read every checkpoint before printing anything, so an error leaves no partial table.
        var overviews = files.Select(f => CheckpointOverview.ReadAll(f)).ToList();
        ShowRenderer.Write(context.Out, overviews);
        return 0;
    }
}
