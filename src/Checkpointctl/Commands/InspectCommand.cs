using System.CommandLine;
using Checkpointctl.Cli.Flags;
using Checkpointctl.Cli.Rendering;
using Checkpointctl.Core.Analysis;

namespace Checkpointctl.Cli.Commands;

/// <summary><c>inspect FILE...</c>: the detailed tree or JSON view of checkpoints.</summary>
internal sealed class InspectCommand : CliCommand
{
    private readonly Argument<string[]> _files = new("FILE") { Arity = ArgumentArity.ZeroOrMore };
    private readonly Option<bool> _stats = new("--stats");
    private readonly Option<bool> _mounts = new("--mounts");
    private readonly Option<string> _pid = new("--pid", "-p");
    private readonly Option<bool> _psTree = new("--ps-tree");
    private readonly Option<bool> _psTreeCmd = new("--ps-tree-cmd");
    private readonly Option<bool> _psTreeEnv = new("--ps-tree-env");
    private readonly Option<bool> _files2 = new("--files");
    private readonly Option<bool> _sockets = new("--sockets");
    private readonly Option<bool> _metadata = new("--metadata");
    private readonly Option<bool> _all = new("--all");
    private readonly Option<bool> _threads = new("--threads");
    private readonly Option<bool> _registers = new("--registers");
    private readonly Option<bool> _everything = new("--everything");
    private readonly Option<bool> _memoryMap = new("--memory-map");
    private readonly Option<bool> _namespaces = new("--namespaces");
    private readonly Option<bool> _security = new("--security");
    private readonly Option<bool> _cgroups = new("--cgroups");
    private readonly Option<bool> _inventory = new("--inventory");
    private readonly Option<bool> _rootfsDiff = new("--rootfs-diff");
    private readonly Option<bool> _logs = new("--logs");
    private readonly Option<string> _tail = new("--tail");
    private readonly Option<string> _format = new("--format") { DefaultValueFactory = _ => "tree" };
    private readonly Option<string> _parent = new("--parent");
    private readonly Option<string[]> _container = ContainerOption.Create();

    public InspectCommand() : base("inspect", "Display low-level information about a container checkpoint", "inspect")
    {
        Command.Arguments.Add(_files);
        foreach (var o in new Option[]
                 {
                     _stats, _mounts, _pid, _psTree, _psTreeCmd, _psTreeEnv, _files2, _sockets, _metadata, _all, _format, _parent, _threads,
                     _registers, _everything, _memoryMap, _namespaces, _security, _cgroups, _inventory, _rootfsDiff, _logs, _tail, _container,
                 })
            Command.Options.Add(o);
    }

    public override IReadOnlyList<(string Flags, string Help)> FlagHelp =>
    [
        ("--all", "Show all information about container checkpoints"),
        ("--cgroups", "Display each process's cgroups: paths per hierarchy and the limits CRIU recorded (pids.max, memory, cpu, cpuset)"),
        (ContainerOption.HelpFlags, ContainerOption.Help),
        ("--everything", "Show everything: all of --all and every view below (threads, registers, ...)"),
        ("--files", "Display the open file descriptors for processes in the container checkpoint"),
        ("--format string", "Specify the output format: tree or json (default \"tree\")"),
        ("--inventory", "Display what CRIU recorded about the dump: image and CRIU version, root IDs, plugins, lazy and parent pages"),
        ("--logs", "Display the container log (its last --tail lines) and the warnings and errors of CRIU's dump.log"),
        ("--memory-map", "Display each process's memory mappings (as /proc/PID/maps) with their dumped, parent and lazy pages"),
        ("--metadata", "Show metadata about the container"),
        ("--mounts", "Display an overview of mounts used in the container checkpoint"),
        ("--namespaces", "Display each process's namespaces and what the checkpoint records about them"),
        ("--parent string", "Parent image set of an incremental checkpoint (e.g. Podman's pre-checkpoint archive)"),
        ("-p, --pid uint32", "Display the process tree of a specific PID"),
        ("--ps-tree", "Display an overview of processes in the container checkpoint"),
        ("--ps-tree-cmd", "Display an overview of processes in the container checkpoint with full command line arguments"),
        ("--ps-tree-env", "Display an overview of processes in the container checkpoint with their environment variables"),
        ("--security", "Display each process's credentials, capabilities, seccomp filters and LSM profile"),
        ("--rootfs-diff", "Display the files changed (rootfs-diff.tar) and deleted (deleted.files) in the container"),
        ("--sockets", "Display the open sockets for processes in the container checkpoint"),
        ("--registers", "Display the threads with their registers (implies --threads)"),
        ("--stats", "Display checkpoint statistics"),
        ("--tail int", "Lines of the container log to display with --logs, -1 for all (default 20)"),
        ("--threads", "Display each process's threads: names, blocked and pending signals, scheduling, seccomp"),
    ];

    public override int Execute(ParseResult parse, CliContext context)
    {
        var files = CliArgs.AtLeastOne(parse.GetValue(_files));
        var options = new InspectOptions
        {
            Stats = parse.GetValue(_stats),
            Mounts = parse.GetValue(_mounts),
            Pid = GoFlags.Uint32(parse, _pid),
            PsTree = parse.GetValue(_psTree),
            PsTreeCmd = parse.GetValue(_psTreeCmd),
            PsTreeEnv = parse.GetValue(_psTreeEnv),
            Files = parse.GetValue(_files2),
            Sockets = parse.GetValue(_sockets),
            Metadata = parse.GetValue(_metadata),
            All = parse.GetValue(_all),
            Threads = parse.GetValue(_threads),
            Registers = parse.GetValue(_registers),
            Everything = parse.GetValue(_everything),
            MemoryMap = parse.GetValue(_memoryMap),
            Namespaces = parse.GetValue(_namespaces),
            Security = parse.GetValue(_security),
            Cgroups = parse.GetValue(_cgroups),
            Inventory = parse.GetValue(_inventory),
            RootfsDiff = parse.GetValue(_rootfsDiff),
            Logs = parse.GetValue(_logs) || parse.GetValue(_tail) != null,
            LogTail = parse.GetValue(_tail) != null ? (int)Math.Clamp(GoFlags.Int(parse, _tail), -1, int.MaxValue) : InspectOptions.DefaultLogTail,
            Parent = string.IsNullOrEmpty(parse.GetValue(_parent)) ? null : new Core.Archive.CheckpointInput(parse.GetValue(_parent)!),
        };
        var format = parse.GetValue(_format) ?? "tree";
        // Every flag is checked before any checkpoint is opened.
        if (format is not ("tree" or "json"))
            throw new UsageException($"invalid output format: {format}");
        var containers = ContainerOption.Read(parse, _container);
        var inputs = files.Select(f => Inspection.ReadAll(f, options, containers)).ToList();
        if (format == "tree")
        {
            foreach (var input in inputs)
            {
                if (input.IsSingleContainer(containers.Count > 0))
                    InspectTreeRenderer.Write(context.Out, input.Items[0].Value);
                else
                    InspectTreeRenderer.Write(context.Out, input);
            }
        }
        else
        {
            InspectJsonRenderer.Write(context.Out, inputs, containers.Count > 0);
        }
        return 0;
    }
}
