using System.CommandLine;
using System.Globalization;
using Checkpointctl.Cli.Flags;
using Checkpointctl.Cli.Rendering;
using Checkpointctl.Core;
using Checkpointctl.Core.Analysis.CoreDump;
using Checkpointctl.Core.Archive;

namespace Checkpointctl.Cli.Commands;

/// <summary><c>coredump CHECKPOINT</c>: an ELF core file per process, for gdb.</summary>
internal sealed class CoredumpCommand : CliCommand
{
    private readonly Argument<string[]> _files = new("CHECKPOINT") { Arity = ArgumentArity.ZeroOrMore };
    private readonly Option<string[]> _pid = new("--pid", "-p");
    private readonly Option<string> _output = new("--output", "-o");
    private readonly Option<string> _rootfs = new("--rootfs");
    private readonly Option<string> _parent = new("--parent");
    private readonly Option<string[]> _container = ContainerOption.Create();

    public CoredumpCommand() : base("coredump", "Write ELF core files of checkpointed processes", "coredump CHECKPOINT")
    {
        Command.Arguments.Add(_files);
        foreach (var o in new Option[] { _pid, _output, _rootfs, _parent, _container })
            Command.Options.Add(o);
    }

    public override string LongHelp =>
        "Write an ELF core file (core.<pid>) of each checkpointed process, for debuggers such as gdb: registers of\n" +
        "every thread, the dumped memory, the auxiliary vector and the mapped files. File-backed pages the checkpoint\n" +
        "does not hold are read from --rootfs when given (checked by size and build-id), else left empty and listed.";

    public override IReadOnlyList<(string Flags, string Help)> FlagHelp =>
    [
        (ContainerOption.HelpFlags, "Of a pod checkpoint, the container whose processes to dump, by name or ID"),
        ("-o, --output string", "Directory to write the core files to (default \".\")"),
        ("--parent string", "Parent image set of an incremental checkpoint (e.g. Podman's pre-checkpoint archive)"),
        ("-p, --pid uints", "PID of a process to dump; repeat or separate by commas (default: every process with memory)"),
        ("--rootfs string", "Root file system of the container, for file-backed pages the checkpoint does not hold"),
    ];

    public override int Execute(ParseResult parse, CliContext context)
    {
        var checkpoint = CliArgs.Exactly(parse.GetValue(_files), 1)[0];
        // Every flag is checked, and the output directory shown writable, before the checkpoint is opened.
        var pids = GoFlags.Uint32List(parse, _pid);
        var directory = parse.GetValue(_output) is { Length: > 0 } o ? o : ".";
        var rootfs = parse.GetValue(_rootfs) is { Length: > 0 } r ? r : null;
        var parent = parse.GetValue(_parent) is { Length: > 0 } p ? new CheckpointInput(p) : null;
        var containers = ContainerOption.Read(parse, _container);
        CheckDirectory(directory);
        if (rootfs != null)
            CheckDirectory(rootfs);
        CheckWritable(directory);
        using var files = new CoreOutputFiles(directory);
        CoreDumpReport report;
        try
        {
            report = CoreDumper.Run(checkpoint, new CoreDumpOptions { Pids = pids, RootFs = rootfs, Parent = parent, Containers = containers }, files);
        }
        catch (CoreOutputException e)
        {
            throw new UsageException(SystemErrors.Describe("write", files.PathOf(e.Pid), (IOException)e.InnerException!));
        }
        foreach (var core in report.Cores)
        {
            var threads = core.Threads == 1 ? "1 thread" : $"{core.Threads} threads";
            context.Out.Write($"Wrote {files.PathOf(core.Pid)} for process ID {core.Pid} ({core.Comm}): {threads}, {core.Mappings} mappings, {Units.Bytes(core.Size)}\n");
            foreach (var m in core.Empty)
                context.Out.Write($"  {m.Start.ToString("x", CultureInfo.InvariantCulture)}-{m.End.ToString("x", CultureInfo.InvariantCulture)} {m.Name}: {m.What} ({m.Why})\n");
        }
        foreach (var s in report.Skipped)
            context.Out.Write($"Skipped process ID {s.Pid} ({s.Comm}): task state is zombie or dead, no memory to dump\n");
        return 0;
    }

    private static void CheckDirectory(string path)
    {
        if (File.Exists(path))
            throw new UsageException($"{path}: {SystemErrors.Text(20)}");
        if (!Directory.Exists(path))
            throw new UsageException($"stat {path}: {SystemErrors.Text(2)}");
    }

    // The cores are created once the checkpoint is read; that files can be created there is known before.
    private static void CheckWritable(string directory)
    {
        try
        {
            using (File.Create(Path.Combine(directory, $".core.{Guid.NewGuid():N}.tmp"), 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException(SystemErrors.Describe("open", directory, e));
        }
    }

    /// <summary>One atomic output file per core, put in place only when every core is complete.</summary>
    private sealed class CoreOutputFiles(string directory) : ICoreFiles, IDisposable
    {
        private readonly Dictionary<uint, OutputFile> _open = [];

        public string PathOf(uint pid) => Path.Combine(directory, $"core.{pid}");

        public Stream Create(uint pid)
        {
            var file = OutputFile.Create(PathOf(pid));
            _open[pid] = file;
            return file.Stream;
        }

        public void Commit(uint pid)
        {
            if (_open.Remove(pid, out var file))
            {
                using (file)
                    file.Commit();
            }
        }

        public void Discard(uint pid)
        {
            if (_open.Remove(pid, out var file))
                file.Dispose();
        }

        public void Dispose()
        {
            foreach (var file in _open.Values)
                file.Dispose();
            _open.Clear();
        }
    }
}
