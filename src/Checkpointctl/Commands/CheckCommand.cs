using System.CommandLine;
using Checkpointctl.Cli.Flags;
using Checkpointctl.Cli.Rendering;
using Checkpointctl.Core.Analysis;
using Checkpointctl.Core.Archive;

namespace Checkpointctl.Cli.Commands;

/// <summary>
/// <c>check CHECKPOINT...</c>: integrity and restore readiness without restoring. Exit code 0 when clean, 2 when there
/// are findings (errors, blockers or warnings), 1 when a checkpoint cannot be read at all.
/// </summary>
internal sealed class CheckCommand : CliCommand
{
    public const int FindingsExitCode = 2;

    private readonly Argument<string[]> _files = new("CHECKPOINT") { Arity = ArgumentArity.ZeroOrMore };
    private readonly Option<string> _format = new("--format") { DefaultValueFactory = _ => "text" };
    private readonly Option<bool> _skipHost = new("--skip-host");
    private readonly Option<string> _parent = new("--parent");
    private readonly Option<string[]> _container = ContainerOption.Create();

    public CheckCommand() : base("check", "Check the integrity of checkpoints and whether this host can restore them", "check CHECKPOINT...")
    {
        Command.Arguments.Add(_files);
        Command.Options.Add(_format);
        Command.Options.Add(_skipHost);
        Command.Options.Add(_parent);
        Command.Options.Add(_container);
    }

    public override string LongHelp =>
        "Check the integrity of checkpoints and whether this host can restore them, without restoring.\n\n" +
        "Every process must have its images, every file descriptor its file, every pagemap its pages, every shared\n" +
        "memory object and parent image set must resolve. Then the host the checkpoint was made on (architecture,\n" +
        "page size, CRIU version, kernel, cgroup version, runtime) is compared with this one. One line per finding and\n" +
        "a summary; the exit code is 0 when clean, 2 when there are findings, 1 when a checkpoint cannot be read.";

    public override IReadOnlyList<(string Flags, string Help)> FlagHelp =>
    [
        (ContainerOption.HelpFlags, ContainerOption.Help),
        ("--format string", "Output format: text or json (default \"text\")"),
        ("--parent string", "Parent image set of an incremental checkpoint (e.g. Podman's pre-checkpoint archive)"),
        ("--skip-host", "Check only the checkpoint itself, not whether this host can restore it"),
    ];

    public override int Execute(ParseResult parse, CliContext context)
    {
        var files = CliArgs.AtLeastOne(parse.GetValue(_files));
        var format = parse.GetValue(_format) ?? "text";
        if (format is not ("text" or "json"))
            throw new UsageException($"invalid output format: {format}");
        var parent = string.IsNullOrEmpty(parse.GetValue(_parent)) ? null : new CheckpointInput(parse.GetValue(_parent)!);
        var containers = ContainerOption.Read(parse, _container);
        var host = parse.GetValue(_skipHost) ? null : HostFacts.Current();
        // A pod checkpoint: one report per selected container.
        var reports = files.SelectMany(f => CheckpointCheck.RunAll(f, host, parent, containers).Items.Select(i => i.Value)).ToList();
        if (format == "json")
            CheckRenderer.WriteJson(context.Out, reports);
        else
            CheckRenderer.WriteText(context.Out, reports);
        return reports.All(r => r.IsClean) ? 0 : FindingsExitCode;
    }
}
