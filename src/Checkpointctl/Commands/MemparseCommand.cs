using System.CommandLine;
using Checkpointctl.Cli.Flags;
using Checkpointctl.Cli.Rendering;
using Checkpointctl.Core.Analysis;
using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Pod;

namespace Checkpointctl.Cli.Commands;

/// <summary><c>memparse FILE...</c>: memory size table, hexdump of one process, or a search of its memory.</summary>
internal sealed class MemparseCommand : CliCommand
{
    private readonly Argument<string[]> _files = new("FILE") { Arity = ArgumentArity.ZeroOrMore };
    private readonly Option<string> _pid = new("--pid", "-p");
    private readonly Option<string> _output = new("--output", "-o");
    private readonly Option<string> _search = new("--search", "-s");
    private readonly Option<string> _regex = new("--search-regex", "-r");
    private readonly Option<string> _hex = new("--search-hex");
    private readonly Option<string> _context = new("--context", "-c");
    private readonly Option<string> _parent = new("--parent");
    private readonly Option<string> _prot = new("--prot");
    private readonly Option<string> _address = new("--address");
    private readonly Option<string> _mapping = new("--mapping");
    private readonly Option<string[]> _container = ContainerOption.Create();

    public MemparseCommand() : base("memparse", "Analyze container checkpoint memory", "memparse")
    {
        Command.Arguments.Add(_files);
        foreach (var o in new Option[] { _pid, _output, _search, _regex, _hex, _context, _parent, _prot, _address, _mapping, _container })
            Command.Options.Add(o);
    }

    public override IReadOnlyList<(string Flags, string Help)> FlagHelp =>
    [
        ("--address string", "Only memory in START-END or START+LENGTH (hex, with or without 0x)"),
        (ContainerOption.HelpFlags, ContainerOption.Help),
        ("-c, --context int", "Print the specified number of bytes surrounding each match"),
        ("--mapping string", "Only mappings of these kinds or names, comma-separated: heap, stack, anon, file, shared, private, vdso, vvar, vsyscall, memfd, sysv or a name glob"),
        ("-o, --output string", "Specify the output file to be written to"),
        ("--parent string", "Parent image set of an incremental checkpoint (e.g. Podman's pre-checkpoint archive)"),
        ("-p, --pid uint32", "Specify the PID of a process to analyze"),
        ("--prot string", "Only mappings with all these permissions (e.g. rw, r-x, x)"),
        ("-s, --search string", "Search for a string pattern in memory pages"),
        ("--search-hex string", "Search for bytes given in hex (e.g. \"de ad be ef\") in memory pages"),
        ("-r, --search-regex string", "Search for a regex pattern in memory pages"),
    ];

    public override int Execute(ParseResult parse, CliContext context)
    {
        var files = CliArgs.AtLeastOne(parse.GetValue(_files));
        // Every flag is checked before any checkpoint is opened.
        var pid = GoFlags.Uint32(parse, _pid);
        var contextBytes = GoFlags.Int(parse, _context);
        var parent = string.IsNullOrEmpty(parse.GetValue(_parent)) ? null : new CheckpointInput(parse.GetValue(_parent)!);
        var filter = Filter(parse);
        var containers = ContainerOption.Read(parse, _container);
        if (SearchFor(parse, pid, contextBytes) is { } search)
            return Search(context, files[0], pid, search.Search, search.Pattern, parent, filter, containers);
        if (pid != 0)
            return HexDump(context, files[0], pid, parse.GetValue(_output), parent, filter, containers);
        if (filter != null)
        {
            MappingTables(context, files, filter, containers);
            return 0;
        }
        var inputs = files.Select(f => MemoryTable.ReadAll(f, parent, containers)).ToList();
        var tables = inputs.SelectMany(input => input.Items.Select(item => (File: TableHeading(input, item, containers), Rows: item.Value))).ToList();
        foreach (var (file, rows) in tables)
        {
            if (rows.Count > 0 && rows.All(r => r.PreDump))
            {
                PreDumpTable(context, file, rows);
                continue;
            }
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

    // A pre-checkpoint export has no process tree and no mappings: its pagemaps' PIDs and their memory.
    private static void PreDumpTable(CliContext context, string file, IReadOnlyList<ProcessMemorySize> rows)
    {
        context.Out.Write($"\nDisplaying pre-dumped memory sizes from {file} (a pre-checkpoint export: memory only, no process names or mappings)\n\n");
        var compressed = rows.Any(r => r.Compressed);
        var levels = rows.Any(r => r.PagesPerLevel?.Count > 1);
        var table = new TabTable(["PID", "MEMORY SIZE", .. compressed ? ["STORED SIZE"] : Array.Empty<string>(), .. levels ? ["PAGES PER LEVEL"] : Array.Empty<string>()]);
        foreach (var r in rows)
        {
            table.AddRow([r.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), Units.Bytes(r.MemorySize),
                .. compressed ? [Units.Bytes(r.StoredSize)] : Array.Empty<string>(), .. levels ? [string.Join(" / ", r.PagesPerLevel ?? [])] : Array.Empty<string>()]);
        }
        table.WriteTo(context.Out);
    }

    // --prot, --address and --mapping as one filter (null when none is given), checked before any input is opened.
    private MemoryFilter? Filter(ParseResult parse)
    {
        var (prot, address, mapping) = (parse.GetValue(_prot), parse.GetValue(_address), parse.GetValue(_mapping));
        if (prot == null && address == null && mapping == null)
            return null;
        string? error = null;
        var filter = new MemoryFilter
        {
            Prot = prot == null ? 0 : MemoryFilter.ParseProt(prot, out error) ?? throw Invalid(_prot, prot, error!),
            Range = address == null ? null : MemoryFilter.ParseRange(address, out error) ?? throw Invalid(_address, address, error!),
            Mappings = mapping == null ? [] : MemoryFilter.ParseMappings(mapping) is { Count: > 0 } words ? words : throw Invalid(_mapping, mapping, "no kind or name given"),
        };
        return filter;
    }

    private static UsageException Invalid(Option option, string value, string error) =>
        new($"invalid argument {GoStrconv.Quote(value)} for {GoStrconv.Quote(GoFlags.DisplayName(option))} flag: {error}");

    // With filters, one row per selected mapping: where it is, what it is, how much of it was dumped.
    private static void MappingTables(CliContext context, string[] files, MemoryFilter filter, IReadOnlyList<string> containers)
    {
        var inputs = files.Select(f => MemoryTable.ReadAllMappings(f, filter, containers)).ToList();
        var tables = inputs.SelectMany(input => input.Items.Select(item => (File: TableHeading(input, item, containers), Rows: item.Value))).ToList();
        foreach (var (file, rows) in tables)
        {
            context.Out.Write($"\nDisplaying processes memory sizes from {file}\n\n");
            if (rows.Count == 0)
            {
                context.Out.Write("No mapping matches the filters\n");
                continue;
            }
            var table = new TabTable("PID", "PROCESS NAME", "ADDRESS RANGE", "PERMS", "MAPPING", "MEMORY SIZE");
            foreach (var r in rows)
            {
                table.AddRow(r.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), r.Name, $"{r.Range.Start:x}-{r.Range.End:x}",
                    r.Range.Mapping.Permissions, MappingLabel(r.Range.Mapping), Units.Bytes(r.MemorySize));
            }
            table.WriteTo(context.Out);
        }
    }

    // A pod's containers each get a table, named in the heading (one selected container reads as its own checkpoint).
    private static string TableHeading<T>(CheckpointResults<T> input, ContainerResult<T> item, IReadOnlyList<string> containers) =>
        input.IsSingleContainer(containers.Count > 0) ? input.Path : $"{input.Path}, container {item.Container!.Name}";

    /// <summary>A mapping's name, or its kind in brackets when it has none (<c>[anon]</c>).</summary>
    private static string MappingLabel(Core.Model.MemoryMapping m) => m.Name.Length > 0 ? m.Name : $"[{m.Kind}]";

    private static int HexDump(CliContext context, string file, uint pid, string? output, CheckpointInput? parent, MemoryFilter? filter,
        IReadOnlyList<string> containers)
    {
        var selection = filter?.Select(file, pid, containers);
        var only = selection?.Select(r => (r.Start, r.End)).ToList();
        if (!string.IsNullOrEmpty(output))
        {
            // The file is created first (an unwritable path fails before the checkpoint is read); the heading is
            // printed, as upstream, once the process was found and before its pages are written.
            OutputFile.Write(output, stream =>
            {
                var rows = new HexDumpWriter(stream, compact: false);
                MemoryScan.Run(file, pid, WithProgress(context, new Heading(Sections(rows, selection), () =>
                    context.Out.Write($"\nWriting memory pages content for process ID {pid} from checkpoint: {file} to file: {output}...\n"))), parent, only, containers);
            });
            return 0;
        }
        // Stdout: the heading first, then rows as the pages go by.
        var dump = new HexDumpWriter(context.RawOut, compact: true);
        MemoryScan.Run(file, pid, new Heading(Sections(dump, selection), () =>
        {
            context.Out.Write($"\nDisplaying memory pages content for process ID {pid} from checkpoint: {file}\n\n");
            context.Out.Flush();
        }), parent, only, containers);
        return 0;
    }

    private static IMemorySink Sections(HexDumpWriter rows, IReadOnlyList<SelectedRange>? selection) =>
        selection == null ? rows : new MappingSections(rows, selection);

    /// <summary>With filters, the hexdump goes mapping by mapping: a heading line (its maps line) before its rows, also for one without dumped pages.</summary>
    private sealed class MappingSections(HexDumpWriter rows, IReadOnlyList<SelectedRange> selection) : IMemorySink
    {
        // The first selected range not yet headed.
        private int _next;

        public void Begin(Core.Criu.Pagemap pagemap)
        {
            rows.Begin(pagemap);
            if (selection.Count == 0)
                rows.Section("# no mapping matches the filters");
        }

        public void Write(ulong address, ReadOnlySpan<byte> data)
        {
            // Chunks never cross a selected range: head the skipped ranges before it (no pages), then it, once.
            while (_next < selection.Count && selection[_next].Start <= address)
            {
                var holds = address < selection[_next].End;
                Heading(selection[_next++], empty: !holds);
                if (holds)
                    break;
            }
            rows.Write(address, data);
        }

        public void End()
        {
            while (_next < selection.Count)
                Heading(selection[_next++], empty: true);
            rows.End();
        }

        private void Heading(SelectedRange range, bool empty)
        {
            var m = range.Mapping;
            var clipped = range.Start != m.Start || range.End != m.End ? $"  [{range.Start:x}-{range.End:x}]" : "";
            rows.Section($"# {m.MapsLine}{clipped}{(empty ? "  (no dumped pages)" : "")}");
        }
    }

    // The search the flags ask for (a literal wins over a regex, as upstream), validated; null for no search.
    private (MemorySearch Search, string Pattern)? SearchFor(ParseResult parse, uint pid, long contextBytes)
    {
        var (literal, regex, hex) = (parse.GetValue(_search), parse.GetValue(_regex), parse.GetValue(_hex));
        if (string.IsNullOrEmpty(literal) && string.IsNullOrEmpty(regex) && string.IsNullOrEmpty(hex))
            return null;
        if (pid == 0)
            throw new UsageException("no process with PID 0 (use `inspect --ps-tree` to view all PIDs)");
        var bytes = (int)Math.Clamp(contextBytes, int.MinValue, int.MaxValue);
        return !string.IsNullOrEmpty(literal) ? (MemorySearch.Literal(literal, bytes), literal)
            : !string.IsNullOrEmpty(regex) ? (MemorySearch.ForRegex(regex, bytes), regex)
            : (MemorySearch.Hex(hex!, bytes), hex!);
    }

    private static int Search(CliContext context, string file, uint pid, MemorySearch search, string pattern, CheckpointInput? parent, MemoryFilter? filter,
        IReadOnlyList<string> containers)
    {
        var selection = filter?.Select(file, pid, containers);
        MemoryScan.Run(file, pid, WithProgress(context, search), parent, selection?.Select(r => (r.Start, r.End)).ToList(), containers);
        if (search.Matches.Count == 0)
        {
            context.Out.Write($"No matches for pattern \"{pattern}\" in the memory of PID {pid}\n");
            return 0;
        }
        // With filters, each match also says which mapping it is in.
        var table = selection == null ? new TabTable("ADDRESS", "MATCH", "INSTANCE") : new TabTable("ADDRESS", "MATCH", "INSTANCE", "MAPPING");
        var instance = 0;
        foreach (var m in search.Matches)
        {
            string[] cells = [m.Address.ToString("x16", System.Globalization.CultureInfo.InvariantCulture), m.Text, (++instance).ToString(System.Globalization.CultureInfo.InvariantCulture)];
            table.AddRow(selection == null ? cells : [.. cells, selection.FirstOrDefault(r => r.Start <= m.Address && m.Address < r.End) is { } r ? MappingLabel(r.Mapping) : ""]);
        }
        table.WriteTo(context.Out);
        return 0;
    }

    private static IMemorySink WithProgress(CliContext context, IMemorySink sink) =>
        context.ErrorIsTerminal ? new Progress(sink, context.Error, "memparse") : sink;

    /// <summary>Prints the heading when the first bytes arrive, after all checks passed.</summary>
    private sealed class Heading(IMemorySink rows, Action printHeading) : IMemorySink
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
