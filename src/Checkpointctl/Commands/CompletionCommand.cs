using System.CommandLine;

namespace Checkpointctl.Cli.Commands;

/// <summary><c>completion bash|zsh|fish|powershell</c>: prints a shell completion script.</summary>
internal sealed class CompletionCommand : CliCommand
{
    private readonly Argument<string[]> _shell = new("shell") { Arity = ArgumentArity.ZeroOrMore };
    private readonly Option<bool> _noDescriptions = new("--no-descriptions");
    private readonly IReadOnlyList<CliCommand> _commands;

    public CompletionCommand(IReadOnlyList<CliCommand> commands)
        : base("completion", "Generate the autocompletion script for the specified shell", "completion [bash|zsh|fish|powershell]")
    {
        _commands = commands;
        Command.Arguments.Add(_shell);
        Command.Options.Add(_noDescriptions);
    }

    public override string LongHelp =>
        "Generate the autocompletion script for checkpointctl for the specified shell.\n" +
        "See each sub-command's help for details on how to use the generated script.\n\n" +
        "  bash:        source <(checkpointctl completion bash)\n" +
        "  zsh:         source <(checkpointctl completion zsh)\n" +
        "  fish:        checkpointctl completion fish | source\n" +
        "  powershell:  checkpointctl completion powershell | Out-String | Invoke-Expression";

    public override IReadOnlyList<(string Flags, string Help)> FlagHelp => [("--no-descriptions", "disable completion descriptions")];

    public override int Execute(ParseResult parse, CliContext context)
    {
        var shell = parse.GetValue(_shell) ?? [];
        if (shell.Length == 0)
        {
            Help.Write(context.Out, this, []);
            return 0;
        }
        var model = CompletionScripts.Model(_commands);
        var descriptions = !parse.GetValue(_noDescriptions);
        context.Out.Write(shell[0] switch
        {
            "bash" => CompletionScripts.Bash(model),
            "zsh" => CompletionScripts.Zsh(model),
            "fish" => CompletionScripts.Fish(model, descriptions),
            "powershell" => CompletionScripts.PowerShell(model),
            _ => throw new UsageException($"unknown command \"{shell[0]}\" for \"checkpointctl completion\""),
        });
        return 0;
    }
}
