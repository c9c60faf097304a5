using System.CommandLine;
using Checkpointctl.Cli.Rendering;
using Checkpointctl.Core.Analysis;
using Checkpointctl.Core.Archive;

namespace Checkpointctl.Cli.Commands;

/// <summary><c>memparse FILE...</c>: memory size table, hexdump of one process, or a search of its memory.</summary>
internal sealed class MemparseCommand : CliCommand
{
    private readonly Argument<string[]> _files = new("FILE") { Arity = ArgumentArity.ZeroOrMore };
    private readonly Option<uint> _pid = new("--pid", "-p");
    private readonly Option<string> _output = new("--output", "-o");
    private readonly Option<string> _search = new("--search", "-s");
    private readonly Option<string> _regex = new("--search-regex", "-r");
    private readonly Option<string> _hex = new("--search-hex");
    private readonly Option<int> _context = new("--context", "-c");
    private readonly Option<string> _parent = new("--parent");

    public MemparseCommand() : base("memparse", "Analyze container checkpoint memory", "memparse")
    {
        Command.Arguments.Add(_files);
        foreach (var o in new Option[] { _pid, _output, _search, _regex, _hex, _context, _parent })
            Command.Options.Add(o);
    }

    public override IReadOnlyList<(string Flags, string Help)> FlagHelp =>
    [
        ("-c, --context int", "Print the specified number of bytes surrounding each match"),
        ("-o, --output string", "Specify the output file to be written to"),
        ("--parent string", "Parent image set of an incremental checkpoint (e.g. Podman's pre-checkpoint archive)"),
        ("-p, --pid uint32", "Specify the PID of a process to analyze"),
        ("-s, --search string", "Search for a string pattern in memory pages"),
        ("--search-hex string", "Search for bytes given in hex (e.g. \"de ad be ef\") in memory pages"),
        ("-r, --search-regex string", "Search for a regex pattern in memory pages"),
    ];

    public override int Execute(ParseResult parse, CliContext context)
    {
        var files = CliArgs.AtLeastOne(parse.GetValue(_files));
        var pid = parse.GetValue(_pid);
        var search = parse.GetValue(_search);
        var regex = parse.GetValue(_regex);
        var hex = parse.GetValue(_hex);
        var parent = string.IsNullOrEmpty(parse.GetValue(_parent)) ? null : new CheckpointInput(parse.GetValue(_parent)!);
        if (!string.IsNullOrEmpty(search) || !string.IsNullOrEmpty(regex) || !string.IsNullOrEmpty(hex))
            return Search(context, files[0], pid, search, regex, hex, parse.GetValue(_context), parent);
        if (pid != 0)
            return HexDump(context, files[0], pid, parse.GetValue(_output), parent);
        var tables = files.Select(f => (File: f, Rows: MemoryTable.Read(f, parent))).ToList();
        foreach (var (file, rows) in tables)
        {
            context.Out.Write($"\nDisplaying processes memory sizes from {file}\n\n");
            // Upstream's four columns; compressed memory adds the size it is stored in, an incremental dump where its
            // pages are (the dump, its parent, …).
            var compressed = rows.Any(r => r.Compressed);
            var levels = rows.Any(r => r.PagesPerLevel?.Count > 1);
            string[] headers = ["PID", "PROCESS NAME", "MEMORY SIZE", "SHARED MEMORY SIZE", .. compressed ? ["STORED SIZE"] : Array.Empty<string>(),
                                .. levels ? ["PAGES PER LEVEL"] : Array.Empty<string>()];
            var table = new TabTable(headers);
            foreach (var r in rows)
            {
                table.AddRow([
                    r.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), r.Name, Units.Bytes(r.MemorySize), Units.Bytes(r.SharedMemorySize),
                    .. compressed ? [Units.Bytes(r.StoredSize)] : Array.Empty<string>(),
                    .. levels ? [string.Join(" / ", r.PagesPerLevel ?? [])] : Array.Empty<string>()]);
            }
            table.WriteTo(context.Out);
        }
        return 0;
    }

    private static int HexDump(CliContext context, string file, uint pid, string? output, CheckpointInput? parent)
    {
        if (!string.IsNullOrEmpty(output))
        {
            OutputFile.Write(output, stream =>
            {
                var writer = new HexDumpWriter(stream, compact: false);
                MemoryScan.Run(file, pid, WithProgress(context, writer), parent);
            });
            context.Out.Write($"\nWriting memory pages content for process ID {pid} from checkpoint: {file} to file: {output}...\n");
            return 0;
        }
        // Stdout: the heading first, then rows as the pages go by.
        var rows = new HexDumpWriter(context.RawOut, compact: true);
        MemoryScan.Run(file, pid, new Heading(rows, () =>
        {
            context.Out.Write($"\nDisplaying memory pages content for process ID {pid} from checkpoint: {file}\n\n");
            context.Out.Flush();
        }), parent);
        return 0;
    }

    private static int Search(CliContext context, string file, uint pid, string? literal, string? regex, string? hex, int contextBytes, CheckpointInput? parent)
    {
        var (search, pattern) = !string.IsNullOrEmpty(literal) ? (MemorySearch.Literal(literal, contextBytes), literal)
            : !string.IsNullOrEmpty(regex) ? (MemorySearch.ForRegex(regex, contextBytes), regex)
            : (MemorySearch.Hex(hex!, contextBytes), hex!);
        if (pid == 0)
            throw new UsageException("no process with PID 0 (use `inspect --ps-tree` to view all PIDs)");
        MemoryScan.Run(file, pid, WithProgress(context, search), parent);
        if (search.Matches.Count == 0)
        {
            context.Out.Write($"No matches for pattern \"{pattern}\" in the memory of PID {pid}\n");
            return 0;
        }
        var table = new TabTable("ADDRESS", "MATCH", "INSTANCE");
        var instance = 0;
        foreach (var m in search.Matches)
            table.AddRow(m.Address.ToString("x16", System.Globalization.CultureInfo.InvariantCulture), m.Text, (++instance).ToString(System.Globalization.CultureInfo.InvariantCulture));
        table.WriteTo(context.Out);
        return 0;
    }

    private static IMemorySink WithProgress(CliContext context, IMemorySink sink) =>
        context.ErrorIsTerminal ? new Progress(sink, context.Error, "memparse") : sink;

    /// <summary>Prints the heading when the first bytes arrive, after all checks passed.</summary>
    private sealed class Heading(HexDumpWriter rows, Action printHeading) : IMemorySink
    {
        public void Begin(Core.Criu.Pagemap pagemap)
        {
            printHeading();
            rows.Begin(pagemap);
        }

        public void Write(ulong address, ReadOnlySpan<byte> data) => rows.Write(address, data);

        public void End() => rows.End();
    }
}
