using System.Globalization;
using Checkpointctl.Core.Analysis;
using Checkpointctl.Core.Model;

namespace Checkpointctl.Tests;

/// <summary>
/// <c>memparse --prot/--address/--mapping</c> (checkpointctl #208): the flags' checks, the selection at mapping edges,
/// byte-precise ranges over pages that straddle a bound (against the unfiltered dump), search, regex, <c>-o</c> and the
/// table, from a directory and a zstd archive alike.
/// </summary>
public class MemparseFilterTests
{
    private static readonly string Dir = TestPaths.Criu("shell-loop");
    private static readonly string Zstd = TestPaths.Wrapped("shell-loop-nodirs.tar.zst");
    private const string Pid = "6616";

    [Theory]
    [InlineData("--prot", "rq", "invalid argument \"rq\" for \"--prot\" flag: unknown permission 'q': use r, w, x and - (e.g. rw, r-x, x)")]
    [InlineData("--prot", "---", "invalid argument \"---\" for \"--prot\" flag: no permission given: use r, w, x and - (e.g. rw, r-x, x)")]
    [InlineData("--address", "1000", "invalid argument \"1000\" for \"--address\" flag: expected START-END or START+LENGTH in hex (e.g. 7f0000000000-7f0000001000, 0x401000+0x2000)")]
    [InlineData("--address", "2000-1000", "invalid argument \"2000-1000\" for \"--address\" flag: the range is empty (END must be above START)")]
    [InlineData("--address", "0xg-1", "invalid argument \"0xg-1\" for \"--address\" flag: addresses are hexadecimal numbers of at most 16 digits (with or without 0x)")]
    [InlineData("--address", "ffffffffffffffff+2", "invalid argument \"ffffffffffffffff+2\" for \"--address\" flag: the range goes beyond the end of the address space")]
    [InlineData("--mapping", ",", "invalid argument \",\" for \"--mapping\" flag: no kind or name given")]
    public void Bad_filters_are_flag_errors_before_any_input(string flag, string value, string message)
    {
        Assert.Equal(message, CliRunner.AssertError(CliRunner.Run("memparse", "/nonexistent", flag, value)));
        Assert.Equal(message, CliRunner.AssertError(CliRunner.Run("memparse", "/nonexistent", "--pid", "1", flag, value)));
    }

    [Fact]
    public void Selection_at_mapping_edges()
    {
        var map = new ProcessMemoryMap
        {
            Pid = 1, Command = "x", Executable = "", PageSize = 4096, Guards = [],
            Mappings =
            [
                Mapping(0x1000, 0x3000, 5, "/usr/lib/libc.so.6", "file"),
                Mapping(0x3000, 0x4000, 3, "/usr/lib/libc.so.6", "file"),
                Mapping(0x4000, 0x8000, 3, "[heap]", "heap"),
                Mapping(0x9000, 0xa000, 3, "", "anon", shared: true),
                Mapping(0xa000, 0xb000, 5, "[vdso]", "vdso"),
            ],
        };
        string Pick(MemoryFilter f) => string.Join(" ", f.Select(map).Select(r => $"{r.Start:x}-{r.End:x}"));
        Assert.Equal("", Pick(new MemoryFilter { Range = (0, 0x1000) }));
        Assert.Equal("1000-1001", Pick(new MemoryFilter { Range = (0, 0x1001) }));
        Assert.Equal("2fff-3000 3000-3001", Pick(new MemoryFilter { Range = (0x2fff, 0x3001) }));
        Assert.Equal("", Pick(new MemoryFilter { Range = (0x8000, 0x9000) }));
        Assert.Equal("1000-3000 a000-b000", Pick(new MemoryFilter { Prot = 4 }));
        Assert.Equal("3000-4000 4000-8000 9000-a000", Pick(new MemoryFilter { Prot = 3 }));
        Assert.Equal("4000-8000 9000-a000", Pick(new MemoryFilter { Mappings = ["anon"] }));
        Assert.Equal("9000-a000", Pick(new MemoryFilter { Mappings = ["shared"] }));
        Assert.Equal("1000-3000 3000-4000", Pick(new MemoryFilter { Mappings = ["libc.so*"] }));
        Assert.Equal("1000-3000 3000-4000", Pick(new MemoryFilter { Mappings = ["/usr/lib/*"] }));
        Assert.Equal("", Pick(new MemoryFilter { Mappings = ["/lib/*"] }));
        Assert.Equal("4000-8000 a000-b000", Pick(new MemoryFilter { Mappings = ["heap", "vdso"] }));
        Assert.Equal("5000-6000", Pick(new MemoryFilter { Mappings = ["heap"], Prot = 2, Range = (0x5000, 0x6000) }));
    }

    private static MemoryMapping Mapping(ulong start, ulong end, uint prot, string name, string kind, bool shared = false) =>
        new() { Start = start, End = end, Prot = prot, Flags = shared ? 1u : 2u, Status = 1, Name = name, Kind = kind };

    [Theory]
    [InlineData("--address", "556071de7ff8+0x18")]      // two pages of the heap, byte-precise
    [InlineData("--address", "556071de6ff0-556071de7010")] // 16 bytes before the heap (no mapping) and 16 in it
    [InlineData("--mapping", "heap")]
    [InlineData("--prot", "r-x")]
    [InlineData("--mapping", "libc.so*")]
    public void Hexdump_shows_exactly_the_selected_dumped_bytes(string flag, string value)
    {
        var full = Bytes(OutputFile(Dir));
        var filtered = OutputFile(Dir, flag, value);
        Assert.Equal(filtered, OutputFile(Zstd, flag, value));
        // On stdout the same sections, rows folded.
        var stdout = Output("memparse", Dir, "--pid", Pid, flag, value);
        Assert.Equal(filtered.Split('\n').Where(l => l.StartsWith('#')), stdout.Split('\n').Where(l => l.StartsWith('#')));
        var selection = new MemoryFilter
        {
            Prot = flag == "--prot" ? MemoryFilter.ParseProt(value, out _)!.Value : 0,
            Range = flag == "--address" ? MemoryFilter.ParseRange(value, out _) : null,
            Mappings = flag == "--mapping" ? [value] : [],
        }.Select(Dir, uint.Parse(Pid));
        var shown = Bytes(filtered);
        Assert.NotEmpty(shown);
        // Every byte shown is the dump's byte at that address, inside the selection; every dumped byte of the selection is shown.
        foreach (var (address, value2) in shown)
        {
            Assert.Equal(full[address], value2);
            Assert.Contains(selection, r => r.Start <= address && address < r.End);
        }
        Assert.Equal(full.Keys.Count(a => selection.Any(r => r.Start <= a && a < r.End)), shown.Count);
        // One heading per selected mapping, with its maps line.
        var headings = filtered.Split('\n').Where(l => l.StartsWith("# ", StringComparison.Ordinal)).ToList();
        Assert.Equal(selection.Select(r => r.Mapping.MapsLine), headings.Select(h => h[2..(2 + selection[headings.IndexOf(h)].Mapping.MapsLine.Length)]));
    }

    [Fact]
    public void Output_file_with_filters_has_the_same_rows()
    {
        using var dir = new ScratchDir();
        var file = Path.Combine(dir.Path, "out.txt");
        var result = CliRunner.Run("memparse", Dir, "--pid", Pid, "--mapping", "heap", "-o", file);
        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("# 556071de7000-556071e08000 rw-p", File.ReadAllLines(file)[2]);
        Assert.Equal(16 * 1024, Bytes(File.ReadAllText(file)).Count);
    }

    [Theory]
    [InlineData("-s", "LC_")]
    [InlineData("-r", "[A-Z]{2}_[A-Z]+")]
    public void Search_finds_the_unfiltered_matches_inside_the_selection(string flag, string pattern)
    {
        var all = Matches(Output("memparse", Dir, "--pid", Pid, flag, pattern));
        var filtered = Output("memparse", Dir, "--pid", Pid, flag, pattern, "--mapping", "heap");
        Assert.StartsWith("ADDRESS            MATCH", filtered);
        Assert.Contains("MAPPING", filtered.Split('\n')[0]);
        var heap = new MemoryFilter { Mappings = ["heap"] }.Select(Dir, uint.Parse(Pid)).Single();
        var expected = all.Where(m => heap.Start <= m && m < heap.End).ToList();
        Assert.NotEmpty(expected);
        Assert.True(expected.Count < all.Count);
        Assert.Equal(expected, Matches(filtered));
        Assert.All(filtered.Split('\n').Skip(2).Where(l => l.Length > 0), l => Assert.EndsWith("[heap]", l));
        Assert.Equal(filtered, Output("memparse", Zstd, "--pid", Pid, flag, pattern, "--mapping", "heap"));
    }

    [Fact]
    public void Table_lists_selected_mappings_and_all_of_them_add_up_to_upstreams_size()
    {
        var table = Output("memparse", Dir, "--mapping", "heap,stack");
        GoldenFile.Assert(GoldenFile.Normalize(table, Dir), "memparse/shell-loop.heap-stack.txt");
        Assert.Contains("6580   sh", table);
        var everything = Output("memparse", Dir, "--address", "0+ffffffffffffffff").Split('\n').Skip(5).Where(l => l.Length > 0).ToList();
        var plain = Output("memparse", Dir).Split('\n').Skip(5).Where(l => l.Length > 0).ToList();
        foreach (var row in plain)
        {
            var pid = row.Split(' ')[0];
            var size = everything.Where(l => l.Split(' ')[0] == pid).Sum(l => Size(l.Split("   ", StringSplitOptions.RemoveEmptyEntries)[^1].Trim()));
            Assert.Equal(Size(row.Split("   ", StringSplitOptions.RemoveEmptyEntries)[2].Trim()), size);
        }
        Assert.Contains("No mapping matches the filters", Output("memparse", Dir, "--mapping", "nothing-like-this"));
        Assert.Contains("# no mapping matches the filters", Output("memparse", Dir, "--pid", Pid, "--mapping", "nothing-like-this"));
    }

    private static long Size(string text)
    {
        var parts = text.Split(' ');
        var value = double.Parse(parts[0], CultureInfo.InvariantCulture);
        return (long)(value * parts[1] switch { "B" => 1, "KiB" => 1024, "MiB" => 1 << 20, _ => throw new FormatException(text) });
    }

    private static string Output(params string[] args)
    {
        var result = CliRunner.Run(args);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("", result.Stderr);
        return result.Stdout;
    }

    private static List<ulong> Matches(string output) =>
        output.Split('\n').Skip(2).Where(l => l.Length > 0).Select(l => ulong.Parse(l[..16], NumberStyles.HexNumber)).ToList();

    // Every byte of hexdump rows by address (an -o file: no folded rows).
    private static Dictionary<ulong, byte> Bytes(string hexdump)
    {
        var bytes = new Dictionary<ulong, byte>();
        foreach (var line in hexdump.Split('\n'))
        {
            Assert.NotEqual("*", line);
            if (line.Length < 20 || !ulong.TryParse(line[..16], NumberStyles.HexNumber, null, out var address) || line[16] != ' ')
                continue;
            var hex = line[18..66].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(h => byte.Parse(h, NumberStyles.HexNumber)).ToArray();
            for (var i = 0; i < hex.Length; i++)
                bytes[address + (ulong)i] = hex[i];
        }
        return bytes;
    }

    // The -o hexdump of the process, with the given filters.
    private static string OutputFile(string checkpoint, params string[] flags)
    {
        using var dir = new ScratchDir();
        var file = Path.Combine(dir.Path, "out.txt");
        Output(["memparse", checkpoint, "--pid", Pid, "-o", file, .. flags]);
        return File.ReadAllText(file);
    }
}
