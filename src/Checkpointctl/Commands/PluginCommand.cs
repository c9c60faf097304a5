using System.CommandLine;

namespace Checkpointctl.Cli.Commands;

/// <summary><c>plugin list</c>: the external commands found on PATH.</summary>
internal sealed class PluginCommand : CliCommand
{
    private readonly Command _list = new("list", "List all available plugins");
    private readonly IReadOnlySet<string> _builtIn;

    public PluginCommand(IReadOnlySet<string> builtIn) : base("plugin", "Manage checkpointctl plugins", "plugin")
    {
        _builtIn = builtIn;
        Command.Subcommands.Add(_list);
        _list.SetAction(_ => 0);
    }

    public override string LongHelp => "Manage checkpointctl plugins.\n\nPlugins are executables named checkpointctl-<name> found in PATH.";

    public override int Execute(ParseResult parse, CliContext context)
    {
        if (parse.CommandResult.Command != _list)
        {
            Help.Write(context.Out, this, []);
            return 0;
        }
        var plugins = Plugins.Discover(_builtIn);
        if (plugins.Count == 0)
        {
            context.Out.Write("No plugins found in PATH\n");
            return 0;
        }
        context.Out.Write("Available plugins:\n");
        foreach (var p in plugins)
        {
            context.Out.Write($"  {p.Name,-20} {p.Describe() ?? "(no description)"}\n");
            context.Out.Write($"  {"",-20} {p.Path}\n");
        }
        return 0;
    }
}
