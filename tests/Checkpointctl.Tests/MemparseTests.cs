using System.Security.Cryptography;
using System.Text;
using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Criu;
using Checkpointctl.Core.Criu.Images;
using Checkpointctl.Core.Model;
using Google.Protobuf;

namespace Checkpointctl.Tests;

/// <summary>
/// <c>memparse</c>: the size table and <c>--search</c> against upstream's outputs, the <c>-o</c> hexdump against
/// upstream's file, the hexdump of every process against a rendering computed here from the core library, folding
/// by bytes, searches across page/run/chunk boundaries of a synthetic 10 MiB process, and the error cases.
/// </summary>
public class MemparseTests
{
    private const string Header = "Address           Hexadecimal                                       ASCII            ";
    private const int Page = 4096;

    // --- against upstream ----------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(TestPaths.AllArchiveNames), MemberType = typeof(TestPaths))]
    public void Size_table_matches_upstream(string name)
    {
        var path = TestPaths.ArchiveByName(name);
        Assert.Equal(Upstream(name, "memparse.out"), GoldenFile.Normalize(Success("memparse", path), path));
    }

    [Theory]
    [MemberData(nameof(TestPaths.AllArchiveNames), MemberType = typeof(TestPaths))]
    public void Search_of_root_process_matches_upstream(string name)
    {
        var path = TestPaths.ArchiveByName(name);
        var root = RootPid(Upstream(name, "memparse.out"));
        Assert.Equal(Upstream(name, "memparse-search.out"),
            GoldenFile.Normalize(Success("memparse", path, "--pid", root, "--search", "PATH="), path));
    }

    [Fact]
    public void Output_file_matches_upstream_hexdump()
    {
        var path = TestPaths.Archive("simple-none.tar");
        var sha = File.ReadAllText(TestPaths.UpstreamOutput("_hexdump", "hexdump.txt.sha256")).Split(' ', '\n')[0];
        var stdout = File.ReadAllText(TestPaths.UpstreamOutput("_hexdump", "memparse-o.out"));
        using var dir = new ScratchDir();
        var file = Path.Combine(dir.Path, "hexdump.txt");
        // Twice: the second run replaces the file.
        for (var i = 0; i < 2; i++)
        {
            var result = CliRunner.Run("memparse", path, "--pid", "1", "-o", file);
            Assert.Equal("", result.Stderr);
            Assert.Equal(0, result.ExitCode);
            Assert.Equal(stdout.Replace("<FIXDIR>", Path.GetDirectoryName(path)).Replace("<OUTFILE>", file), result.Stdout);
            Assert.Equal(sha, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file))));
            Assert.Equal([file], dir.Files());
        }
    }

    // --- hexdump against a rendering computed here ---------------------------------------------------------------

    [Theory]
    [InlineData("piggie-podman.tar")]
    [InlineData("piggie-podman.tar.zst")]
    [InlineData("simple-zstd.tar.zst")]
    public void Hexdump_file_matches_independent_rendering(string name)
    {
        using var dir = new ScratchDir();
        var path = FixtureOrZstdCopy(name, dir.Path);
        var processes = DumpedMemory(path);
        Assert.NotEmpty(processes);
        foreach (var (pid, runs) in processes)
        {
            var file = Path.Combine(dir.Path, $"hexdump-{pid}.txt");
            Assert.Equal($"\nWriting memory pages content for process ID {pid} from checkpoint: {path} to file: {file}...\n",
                Success("memparse", path, "--pid", pid.ToString(), "-o", file));
            Assert.Equal(Render(runs, fold: false), File.ReadAllText(file));
        }
    }

    [Theory]
    [InlineData("piggie-podman.tar")]
    [InlineData("piggie-podman.tar.zst")]
    [InlineData("simple-zstd.tar.zst")]
    public void Hexdump_stdout_matches_independent_rendering(string name)
    {
        using var dir = new ScratchDir();
        var path = FixtureOrZstdCopy(name, dir.Path);
        foreach (var (pid, runs) in DumpedMemory(path))
            Assert.Equal(Heading(pid, path) + Render(runs, fold: true), Success("memparse", path, "--pid", pid.ToString()));
    }

    [Fact]
    public void Hexdump_of_plain_and_zstd_archive_is_identical_but_for_the_path()
    {
        using var dir = new ScratchDir();
        var plain = TestPaths.Wrapped("piggie-podman.tar");
        var zstd = FixtureOrZstdCopy("piggie-podman.tar.zst", dir.Path);
        var a = Path.Combine(dir.Path, "a.txt");
        var b = Path.Combine(dir.Path, "b.txt");
        foreach (var pid in new[] { "1", "4", "5", "7", "8", "9" })
        {
            Assert.Equal(Success("memparse", plain, "--pid", pid).Replace(plain, "ARCHIVE"),
                Success("memparse", zstd, "--pid", pid).Replace(zstd, "ARCHIVE"));
            Success("memparse", plain, "--pid", pid, "-o", a);
            Success("memparse", zstd, "--pid", pid, "-o", b);
            Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
        }
    }

    // --- folding -------------------------------------------------------------------------------------------------

    [Fact]
    public void Folding_compares_bytes_not_ascii()
    {
        var page = new byte[Page];
        page.AsSpan(16, 48).Fill(0x01); // rows 1-3: 0x01, the same ASCII as the zero rows but different bytes
        const ulong at = 0x40_0000;
        using var dir = new ScratchDir();
        var path = Process(page, (at, 1)).WriteTo(dir.Path);

        Assert.Equal(Lines(
            "",
            $"Displaying memory pages content for process ID 1 from checkpoint: {path}",
            "",
            Header,
            new string('-', 85),
            Row(at, 0x00),
            Row(at + 0x10, 0x01),
            "*",
            Row(at + 0x40, 0x00),
            "*"), Success("memparse", path, "--pid", "1"));
    }

    [Fact]
    public void Folding_restarts_after_an_address_gap()
    {
        using var dir = new ScratchDir();
        var path = Process(new byte[2 * Page], (0x40_0000, 1), (0x60_0000, 1)).WriteTo(dir.Path);

        Assert.Equal(Lines(Header, new string('-', 85), Row(0x40_0000, 0x00), "*", Row(0x60_0000, 0x00), "*"),
            Success("memparse", path, "--pid", "1").Split('\n', 4)[3]);
    }

    // --- search across page, run and chunk boundaries ------------------------------------------------------------

    private const ulong RunA = 0x1_0000, RunB = 0x1_3000, RunC = 0x8_0000_0000;
    private const int PagesA = 3, PagesB = 2600;
    private const ulong EndB = RunB + PagesB * (ulong)Page;

    // In address order. MARK-CHUNK straddles a 1 MiB read chunk of run B; MARK-10MIB straddles upstream's 10 MiB chunk.
    private static readonly (string Text, ulong Address)[] Markers =
    [
        ("MARK-PAGE", 0x1_1000 - 4),
        ("MARK-RUNS", RunB - 4),
        ("MARK-CHUNK", RunB + (2 << 20) - 5),
        ("MARK-10MIB", RunA + (10 << 20) - 5),
    ];

    // Bytes planted around each marker, shown in the context as "<?x?>" and "{?y?}".
    private static readonly byte[] Before = [(byte)'<', 0x00, (byte)'x', 0xff, (byte)'>'];
    private static readonly byte[] After = [(byte)'{', 0x0a, (byte)'y', 0x80, (byte)'}'];
    private const string ShownBefore = "<?x?>", ShownAfter = "{?y?}";

    [Theory]
    [InlineData("big.tar")]
    [InlineData("big.tar.zst")]
    public void Search_finds_markers_across_boundaries(string name)
    {
        using var dir = new ScratchDir();
        var path = BigProcess().WriteTo(dir.Path, name, name.EndsWith(".zst", StringComparison.Ordinal) ? TestArchive.Zstd : null);

        foreach (var (text, address) in Markers)
            Assert.Equal(Table((address, text)), Success("memparse", path, "--pid", "1", "-s", text));

        var all = Markers.Select(m => (m.Address, m.Text)).ToArray();
        Assert.Equal(Table(all), Success("memparse", path, "--pid", "1", "-r", "MARK-[A-Z0-9]+"));
        Assert.Equal(Table(all.Select(m => (m.Address, "MARK")).ToArray()),
            Success("memparse", path, "--pid", "1", "--search-hex", "4d 41 52 4b"));
        Assert.Equal(Table(all.Select(m => (m.Address, ShownBefore + m.Text + ShownAfter)).ToArray()),
            Success("memparse", path, "--pid", "1", "-r", "MARK-[A-Z0-9]+", "-c", "5"));

        // "MA" ends run B and "RK-GAP" starts run C: not contiguous, so no match and no context across the gap.
        Assert.Equal("No matches for pattern \"MARK-GAP\" in the memory of PID 1\n", Success("memparse", path, "--pid", "1", "-s", "MARK-GAP"));
        Assert.Equal(Table((RunC, "RK-GAP" + ShownAfter)), Success("memparse", path, "--pid", "1", "-s", "RK-GAP", "-c", "5"));
        Assert.Equal(Table((EndB - 2, "???MA")), Success("memparse", path, "--pid", "1", "-r", "MA$", "-c", "3"));
    }

    /// <summary>Run A (3 pages at 0x10000), run B (2600 pages, adjacent) and run C (1 page after a gap), with the markers.</summary>
    private static SyntheticCheckpoint BigProcess()
    {
        var pages = new byte[(PagesA + PagesB + 1) * Page];
        void Plant(ulong address, ReadOnlySpan<byte> bytes) =>
            bytes.CopyTo(pages.AsSpan(address >= RunC ? (PagesA + PagesB) * Page + (int)(address - RunC) : (int)(address - RunA)));
        foreach (var (text, address) in Markers)
        {
            Plant(address - 5, Before);
            Plant(address, Encoding.ASCII.GetBytes(text));
            Plant(address + (ulong)text.Length, After);
        }
        Plant(EndB - 2, "MA"u8);
        Plant(RunC, "RK-GAP"u8);
        Plant(RunC + 6, After);
        return Process(pages, (RunA, PagesA), (RunB, PagesB), (RunC, 1));
    }

    // --- errors --------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("process 6 has no memory pages (task state is zombie or dead)", "--pid", "6")]
    [InlineData("process 6 has no memory pages (task state is zombie or dead)", "--pid", "6", "-s", "x")]
    [InlineData("no process with PID 99 (use `inspect --ps-tree` to view all PIDs)", "--pid", "99")]
    [InlineData("no process with PID 99 (use `inspect --ps-tree` to view all PIDs)", "--pid", "99", "-s", "x")]
    [InlineData("no process with PID 0 (use `inspect --ps-tree` to view all PIDs)", "-s", "x")]
    [InlineData("failed to search pattern in memory: context size cannot be negative", "-c", "-1", "-s", "x", "--pid", "1")]
    [InlineData("failed to search pattern in memory: context size cannot be negative", "--context=-1", "-s", "x", "--pid", "1")]
    [InlineData("failed to search pattern in memory: error parsing regexp: invalid escape sequence: `\\1`", "--pid", "1", "-r", "(a)\\1")]
    [InlineData("failed to search pattern in memory: error parsing regexp: invalid escape sequence: `\\Z`", "--pid", "1", "-r", "x\\Z")]
    [InlineData("failed to search pattern in memory: error parsing regexp: invalid or unsupported Perl syntax: `(?=`", "--pid", "1", "-r", "(?=x)")]
    [InlineData("failed to search pattern in memory: error parsing regexp: invalid or unsupported Perl syntax: `(?>`", "--pid", "1", "-r", "(?>x)")]
    [InlineData("failed to search pattern in memory: error parsing regexp: invalid nested repetition operator: `++`", "--pid", "1", "-r", "a++")]
    [InlineData("failed to search pattern in memory: error parsing regexp: invalid repeat count: `{1001}`", "--pid", "1", "-r", "a{1001}")]
    [InlineData("failed to search pattern in memory: error parsing regexp: missing closing ): `(a|b`", "--pid", "1", "-r", "(a|b")]
    [InlineData("failed to search pattern in memory: error parsing regexp: missing closing ]: `[a-z`", "--pid", "1", "-r", "[a-z")]
    [InlineData("failed to search pattern in memory: error parsing regexp: invalid character class range: `z-a`", "--pid", "1", "-r", "[z-a]")]
    [InlineData("failed to search pattern in memory: error parsing regexp: trailing backslash at end of expression: ``", "--pid", "1", "-r", "a\\")]
    [InlineData("failed to search pattern in memory: error parsing regexp: invalid named capture: `(?P<a-b>`", "--pid", "1", "-r", "(?P<a-b>x)")]
    public void Error_messages(string message, params string[] flags)
    {
        Assert.Equal(message, CliRunner.AssertError(CliRunner.Run(["memparse", TestPaths.Wrapped("piggie-podman.tar"), .. flags])));
    }

    [Fact]
    public void Search_pattern_may_start_with_a_dash()
    {
        Assert.Contains("?--zombie?", Success("memparse", TestPaths.Wrapped("piggie-podman.tar"), "--pid", "1", "-s", "--zombie", "-c", "1"));
    }

    [Theory]
    [InlineData("piggie-podman.tar")]
    [InlineData("piggie-podman.tar.zst")]
    public void Zombie_is_refused_also_from_a_compressed_archive(string name)
    {
        using var dir = new ScratchDir();
        var path = FixtureOrZstdCopy(name, dir.Path);
        Assert.Equal("process 6 has no memory pages (task state is zombie or dead)",
            CliRunner.AssertError(CliRunner.Run("memparse", path, "--pid", "6")));
    }

    [Fact]
    public void No_match_is_not_an_error()
    {
        Assert.Equal("No matches for pattern \"NOPE\" in the memory of PID 1\n",
            Success("memparse", TestPaths.Wrapped("piggie-podman.tar"), "--pid", "1", "-s", "NOPE"));
    }

    [Fact]
    public void Output_to_a_directory_is_refused()
    {
        using var dir = new ScratchDir();
        var target = Directory.CreateDirectory(Path.Combine(dir.Path, "out")).FullName;
        CliRunner.AssertError(CliRunner.Run("memparse", TestPaths.Archive("simple-none.tar"), "--pid", "1", "-o", target));
        Assert.Equal([target], dir.Files());
    }

    [Fact]
    public void Output_to_a_symlink_is_refused_and_its_target_untouched()
    {
        using var dir = new ScratchDir();
        var target = Path.Combine(dir.Path, "target.txt");
        File.WriteAllText(target, "keep me");
        var link = Path.Combine(dir.Path, "link.txt");
        File.CreateSymbolicLink(link, target);
        CliRunner.AssertError(CliRunner.Run("memparse", TestPaths.Archive("simple-none.tar"), "--pid", "1", "-o", link));
        Assert.Equal("keep me", File.ReadAllText(target));
        Assert.Equal([link, target], dir.Files());
    }

    [Fact]
    public void Invalid_regex_is_refused_before_the_archive_is_opened()
    {
        Assert.Equal("failed to search pattern in memory: error parsing regexp: missing closing ): `(`",
            CliRunner.AssertError(CliRunner.Run("memparse", "/nonexistent/checkpoint.tar", "--pid", "1", "-r", "(")));
    }

    [Fact]
    public void String_search_wins_over_an_invalid_regex()
    {
        // As upstream: with -s and -r, -s is searched and the regex is never compiled.
        Assert.Equal("No matches for pattern \"NOPE\" in the memory of PID 1\n",
            Success("memparse", TestPaths.Wrapped("piggie-podman.tar"), "--pid", "1", "-s", "NOPE", "-r", "("));
    }

    [Theory]
    [InlineData("[[:upper:]]{4}_ENV", "TEST_ENV")] // the issue's example: POSIX class (was "No matches")
    [InlineData("(?P<v>HOME)=", "HOME=")] // the issue's example: Python-style named group (was an error)
    [InlineData("(?<v>HOME)=", "HOME=")]
    [InlineData("HOME=([^?]+)", "HOME=/srv/fixture/home")]
    [InlineData("TEST_ENV=[^?]*", "TEST_ENV=BAR")]
    [InlineData("(?i)test_env=bar", "TEST_ENV=BAR")]
    [InlineData("\\bTEST_ENV\\b=", "TEST_ENV=")]
    [InlineData("LANG=[[:alnum:].-]+", "LANG=C.UTF-8")]
    public void Regex_search_reads_go_syntax(string pattern, string literal)
    {
        // piggie's environment is PATH=... HOME=/srv/fixture/home LANG=C.UTF-8 TEST_ENV=BAR TEST_ENV_EMPTY=.
        var path = TestPaths.Wrapped("piggie-podman.tar");
        var viaRegex = Success("memparse", path, "--pid", "1", "-r", pattern);
        var viaLiteral = Success("memparse", path, "--pid", "1", "-s", literal);
        Assert.Equal(viaLiteral.Replace($"\"{literal}\"", $"\"{pattern}\""), viaRegex);
        if (pattern.StartsWith('['))
            Assert.Equal(2, viaRegex.Split('\n').Count(l => l.Contains("TEST_ENV", StringComparison.Ordinal)));
    }

    [Fact]
    public void Regex_dollar_is_the_end_of_the_memory_range()
    {
        // Go's $ (without (?m)) is \z; non-printable bytes, newlines included, show as '?'.
        var path = TestPaths.Wrapped("piggie-podman.tar");
        Assert.Equal("No matches for pattern \"TEST_ENV=BAR$\" in the memory of PID 1\n",
            Success("memparse", path, "--pid", "1", "-r", "TEST_ENV=BAR$"));
        Assert.Equal(Success("memparse", path, "--pid", "1", "-s", "TEST_ENV=BAR?").Replace("TEST_ENV=BAR?\"", "TEST_ENV=BAR\\?\""),
            Success("memparse", path, "--pid", "1", "-r", "TEST_ENV=BAR\\?"));
    }

    [Fact]
    public void Catastrophic_backtracking_pattern_finishes()
    {
        var output = Success("memparse", TestPaths.Wrapped("piggie-podman.tar"), "--pid", "1", "-r", "(a+)+$");
        Assert.True(output.StartsWith("ADDRESS", StringComparison.Ordinal)
            || output == "No matches for pattern \"(a+)+$\" in the memory of PID 1\n", output);
    }

    // --- helpers -------------------------------------------------------------------------------------------------

    private static string Success(params string[] args)
    {
        var result = CliRunner.Run(args);
        Assert.True(result.Stderr.Length == 0, result.Stderr);
        Assert.Equal(0, result.ExitCode);
        return result.Stdout;
    }

    private static string Upstream(string archive, string file) => File.ReadAllText(TestPaths.UpstreamOutput(archive, file));

    /// <summary>The first PID row of upstream's size table (the root process).</summary>
    private static string RootPid(string table) =>
        table.Split('\n').SkipWhile(l => !l.StartsWith("---", StringComparison.Ordinal)).Skip(1).First().Split(' ')[0];

    /// <summary>A fixture by name, or for <c>X.zst</c> a zstd-compressed copy of fixture <c>X</c> in <paramref name="dir"/>.</summary>
    private static string FixtureOrZstdCopy(string name, string dir)
    {
        var fixture = TestPaths.ArchiveByName(name);
        if (File.Exists(fixture))
            return fixture;
        var copy = Path.Combine(dir, name);
        File.WriteAllBytes(copy, TestArchive.Zstd(File.ReadAllBytes(TestPaths.ArchiveByName(name[..^".zst".Length]))));
        return copy;
    }

    /// <summary>PID 1 whose pagemap has the given present runs, their pages back to back in <c>pages-1.img</c>.</summary>
    private static SyntheticCheckpoint Process(byte[] pages, params (ulong Address, int Pages)[] runs)
    {
        Assert.Equal(runs.Sum(r => r.Pages) * Page, pages.Length);
        var pagemap = new List<IMessage> { new PagemapHead { PagesId = 1 } };
        pagemap.AddRange(runs.Select(r => new PagemapEntry { Vaddr = r.Address, NrPages = (uint)r.Pages, Flags = (uint)PageFlags.Present }));
        return new SyntheticCheckpoint().Process(1, 0, "app")
            .Image("mm-1.img", SyntheticCheckpoint.Frame(CriuMagic.Mm, new MmEntry()))
            .Image("pagemap-1.img", SyntheticCheckpoint.Frame(CriuMagic.Pagemap, [.. pagemap]))
            .Image("pages-1.img", pages);
    }

    /// <summary>Every alive or stopped process's present runs in pagemap order, read with the core library.</summary>
    private static List<(uint Pid, List<(ulong Address, byte[] Data)> Runs)> DumpedMemory(string path)
    {
        using var archive = CheckpointArchive.Open(path, new ArchiveRequest
        {
            Hold = [.. CriuImages.ProcessTreeImages, .. CriuImages.MemoryMapImages, ArchiveLayout.Image("pages-*.img")],
        });
        var images = new CriuImages(archive);
        var result = new List<(uint, List<(ulong, byte[])>)>();
        foreach (var node in ProcessTree.Build(images).DepthFirst().Where(n => n.HasImages))
        {
            var pagemap = images.Pagemap(node.Pid);
            var memory = images.Memory(node.Pid);
            result.Add((node.Pid, pagemap.Runs.Where(r => r.IsPresent)
                .Select(r => (r.Address, memory.Read(r.Address, r.Address + r.PageCount * (ulong)pagemap.PageSize)))
                .ToList()));
        }
        return result;
    }

    private static string Heading(uint pid, string path) => $"\nDisplaying memory pages content for process ID {pid} from checkpoint: {path}\n\n";

    /// <summary>
    /// The hexdump: header, then 16-byte rows. Folded, rows equal (byte for byte) to the row before become one
    /// <c>*</c> line, within contiguous memory only: the first row after an address gap is always shown.
    /// </summary>
    private static string Render(IEnumerable<(ulong Address, byte[] Data)> runs, bool fold)
    {
        var output = new StringBuilder(Header).Append('\n').Append('-', Header.Length).Append('\n');
        byte[]? previous = null;
        var starred = false;
        ulong next = 0;
        foreach (var (address, data) in runs)
        {
            if (address != next)
            {
                previous = null;
                starred = false;
            }
            next = address + (ulong)data.Length;
            for (var offset = 0; offset < data.Length; offset += 16)
            {
                var row = data.AsSpan(offset, 16).ToArray();
                if (fold && previous != null && row.SequenceEqual(previous))
                {
                    if (!starred)
                        output.Append("*\n");
                    starred = true;
                    continue;
                }
                starred = false;
                previous = row;
                output.Append($"{address + (ulong)offset:x16}  ");
                foreach (var b in row)
                    output.Append($"{b:x2} ");
                output.Append(" |");
                foreach (var b in row)
                    output.Append(b is < 32 or >= 127 ? '.' : (char)b);
                output.Append("|\n");
            }
        }
        return output.ToString();
    }

    /// <summary>One hexdump row of 16 equal bytes.</summary>
    private static string Row(ulong address, byte fill) =>
        $"{address:x16}  {string.Concat(Enumerable.Repeat($"{fill:x2} ", 16))} |{new string(fill is < 32 or >= 127 ? '.' : (char)fill, 16)}|";

    private static string Lines(params string[] lines) => string.Concat(lines.Select(l => l + "\n"));

    /// <summary>The search result table: columns as wide as their widest cell plus 3 (at least 6), the last unpadded.</summary>
    private static string Table(params (ulong Address, string Match)[] rows)
    {
        var cells = rows.Select((r, i) => new[] { r.Address.ToString("x16"), r.Match, (i + 1).ToString() }).ToList();
        cells.Insert(0, ["ADDRESS", "MATCH", "INSTANCE"]);
        cells.Insert(1, ["-------", "-----", "--------"]);
        var widths = Enumerable.Range(0, 2).Select(c => Math.Max(6, cells.Max(r => r[c].Length) + 3)).ToArray();
        return string.Concat(cells.Select(r => r[0].PadRight(widths[0]) + r[1].PadRight(widths[1]) + r[2] + "\n"));
    }
}
