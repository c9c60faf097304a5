using System.CommandLine;
using System.Text;
using Checkpointctl.Cli.Flags;
using Checkpointctl.Cli.Report;
using Checkpointctl.Cli.Rendering;
using Checkpointctl.Core;
using Checkpointctl.Core.Analysis;
using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Pod;

namespace Checkpointctl.Cli.Commands;

/// <summary><c>report CHECKPOINT [CHECKPOINT2] -o FILE</c>: one self-contained HTML page of a checkpoint, or of two and their differences.</summary>
internal sealed class ReportCommand : CliCommand
{
    private readonly Argument<string[]> _files = new("CHECKPOINT") { Arity = ArgumentArity.ZeroOrMore };
    private readonly Option<string> _output = new("--output", "-o");
    private readonly Option<string> _parent = new("--parent");
    private readonly Option<string[]> _container = ContainerOption.Create();

    /// <summary>What the report shows: everything of <c>inspect --everything</c> but registers, with memory sizes for the diff.</summary>
    private static InspectOptions Options(CheckpointInput? parent) => new()
    {
        All = true, Threads = true, MemoryMap = true, Namespaces = true, Security = true, Cgroups = true, Inventory = true, RootfsDiff = true, Logs = true,
        ProcessMemory = true, OptionalStats = true, Parent = parent,
    };

    private static readonly DiffOptions Compared = new() { PsTreeCmd = true, PsTreeEnv = true, Files = true, Sockets = true };

    public ReportCommand() : base("report", "Write an HTML report of a checkpoint, or of two checkpoints and their differences", "report CHECKPOINT [CHECKPOINT2] -o FILE")
    {
        Command.Arguments.Add(_files);
        foreach (var o in new Option[] { _output, _parent, _container })
            Command.Options.Add(o);
    }

    public override string LongHelp => """
        Write one self-contained HTML file (inline style, drawings and script; it loads nothing) that shows a checkpoint:
        the container and CRIU's dump timeline, the process tree, each process's memory map drawn to scale, open files,
        sockets and their connections, mounts, namespaces, security and root file system changes. With two checkpoints
        of one container, the differences from the first to the second come first, highlighted.

        Example:
          checkpointctl report checkpoint.tar -o report.html
          checkpointctl report checkpoint1.tar checkpoint2.tar -o changes.html
        """;

    public override IReadOnlyList<(string Flags, string Help)> FlagHelp =>
    [
        (ContainerOption.HelpFlags, ContainerOption.Help),
        ("-o, --output string", "The HTML file to write (required)"),
        ("--parent string", "Parent image set of incremental checkpoints (e.g. Podman's pre-checkpoint archive)"),
    ];

    public override int Execute(ParseResult parse, CliContext context)
    {
        var files = parse.GetValue(_files) ?? [];
        if (files.Length is 0 or > 2)
            throw new UsageException($"accepts between 1 and 2 arg(s), received {files.Length}");
        var output = parse.GetValue(_output);
        if (string.IsNullOrEmpty(output))
            throw new UsageException("required flag(s) \"output\" not set");
        // Written atomically, a report named like its input would replace the checkpoint.
        if (files.Any(f => Path.GetFullPath(f) == Path.GetFullPath(output)))
            throw new UsageException($"refusing to write to {output}: it is a checkpoint the report reads");
        var options = Options(parse.GetValue(_parent) is { Length: > 0 } p ? new CheckpointInput(p) : null);
        var containers = ContainerOption.Read(parse, _container);
        long written = 0;
        try
        {
            OutputFile.Write(output, stream =>
            {
                var bytes = Encoding.UTF8.GetBytes(HtmlReport.Render(Read(files, options, containers)));
                stream.Write(bytes);
                written = bytes.Length;
            });
        }
        catch (DifferentContainersException e)
        {
            // diff's three-line message; CliApp would fold it into one line.
            context.Error.Write($"Error: {e.Message}\n");
            return 1;
        }
        context.Out.Write($"Wrote {output} ({Units.Bytes(written)})\n");
        return 0;
    }

    private static ReportInput Read(string[] files, InspectOptions options, IReadOnlyList<string> containers)
    {
        if (files.Length == 1)
        {
            var results = Inspection.ReadAll(files[0], options, containers);
            var single = results.IsSingleContainer(containers.Count > 0);
            var checkpoints = results.Items.Select((item, n) => Checkpoint(single ? "Checkpoint" : $"Container {item.Container!.Name}",
                single ? "cp" : $"c{n + 1}", item.Value, new Dictionary<uint, string>())).ToList();
            return new ReportInput(checkpoints, null, results.Pod?.Name);
        }
        var a = Load("checkpointA", files[0], options, containers);
        var b = Load("checkpointB", files[1], options, containers);
        var diff = CheckpointDiff.Compare(a.Value, b.Value, Compared, sameContainer: a.Pod == null || b.Pod == null);
        var (marksA, marksB) = DiffSection.Marks(diff);
        return new ReportInput([Checkpoint("Checkpoint A", "a", a.Value, marksA), Checkpoint("Checkpoint B", "b", b.Value, marksB)], diff);
    }

    // One side of a comparison: a checkpoint, or the one selected container of a pod checkpoint.
    private static (Inspection Value, PodCheckpoint? Pod) Load(string which, string path, InspectOptions options, IReadOnlyList<string> containers)
    {
        CheckpointResults<Inspection> results;
        try
        {
            results = Inspection.ReadAll(path, options, containers);
        }
        catch (Exception e) when (e is CheckpointException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidCheckpointException($"failed to load {which}: {e.Message}", e);
        }
        if (results.Items.Count > 1)
        {
            throw new InvalidCheckpointException($"failed to load {which}: pod checkpoint {path} has {results.Items.Count} containers "
                + $"({string.Join(", ", results.Items.Select(i => i.Container!.Name))}); select one with --container");
        }
        return (results.Items[0].Value, results.Pod);
    }

    private static ReportCheckpoint Checkpoint(string title, string key, Inspection inspection, IReadOnlyDictionary<uint, string> marks) =>
        new(title, key, inspection, File.Exists(inspection.Path) ? new FileInfo(inspection.Path).Length : null, marks);
}
