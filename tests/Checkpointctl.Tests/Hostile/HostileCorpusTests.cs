using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Checkpointctl.Tests.Hostile;

/// <summary>One command run against a variant, and what it may leave behind.</summary>
/// <param name="Streams">Writes rows as it goes, so stdout may hold partial output before an error.</param>
/// <param name="Output">Writes this file (in the variant's directory) on success, nothing on failure.</param>
/// <param name="SuccessLog">The one line this command logs to stderr on success (build, as upstream).</param>
/// <param name="Findings">Exits 2 with its report when the checkpoint has findings (check).</param>
/// <param name="StopsEarly">Its pass over a compressed archive ends once it has what it needs, before damage further on.</param>
/// <param name="Args">The command line; null when the run has no input for it (a variant no image layer can hold).</param>
public sealed record HostileCommand(string Name, Func<HostileRun, string[]?> Args, bool Json = false, bool Streams = false, string? Output = null, bool IsList = false,
    bool IsDiff = false, Regex? SuccessLog = null, bool Findings = false, bool StopsEarly = false)
{
    /// <summary>
    /// Every command: show, inspect (every view as a tree, --all as JSON), memparse (table, search, hexdump, hexdump to a
    /// file), diff (tree, json), list, build (an OCI archive file), coredump, check, image; and the variant inside an
    /// image and a pod.
    /// </summary>
    public static IReadOnlyList<HostileCommand> All { get; } =
    [
        new("list", r => ["list", r.Directory], IsList: true),
        new("show", r => ["show", r.Variant]),
        // Every view of this tool (threads, registers, memory map, namespaces, security, cgroups, inventory, logs, …) too.
        new("inspect-tree", r => ["inspect", r.Variant, "--everything"]),
        new("inspect-json", r => ["inspect", r.Variant, "--all", "--format", "json"], Json: true),
        new("memparse-table", r => ["memparse", r.Variant]),
        new("memparse-search", r => ["memparse", r.Variant, "--pid", r.Pid, "-s", "PATH=", "-c", "8"]),
        new("memparse-hexdump", r => ["memparse", r.Variant, "--pid", r.Pid], Streams: true),
        // Like upstream, -o prints its heading once the process is found, before the pages are read (which may fail).
        new("memparse-hexdump-file", r => ["memparse", r.Variant, "--pid", r.Pid, "-o", Path.Combine(r.Directory, "out.txt")], Streams: true, Output: "out.txt"),
        new("diff-tree", r => ["diff", r.Original, r.Variant, "--ps-tree-cmd", "--ps-tree-env", "--files", "--sockets"], IsDiff: true),
        new("diff-json", r => ["diff", r.Original, r.Variant, "--ps-tree-cmd", "--ps-tree-env", "--files", "--sockets", "--format", "json"], Json: true, IsDiff: true),
        new("build", r => ["build", r.Variant, "localhost/hostile:latest", "-o", Path.Combine(r.Directory, "image.tar")], Output: "image.tar",
            SuccessLog: new(@"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d Image 'localhost/hostile:latest' created successfully from checkpoint '[^\n]+' in OCI archive '[^\n]+' \(manifest sha256:[0-9a-f]{64}\)\n$")),
        new("coredump", r => ["coredump", r.Variant, "-p", r.Pid, "-o", r.Directory], Output: "core.{pid}"),
        new("check", r => ["check", r.Variant, "--skip-host"], Findings: true),
        new("image-list", r => ["image", r.Variant, "--list"]),
        new("image-core", r => ["image", r.Variant, $"core-{r.Pid}.img", "pstree.img"], StopsEarly: true),
        // The same bytes as an image's layer and as a pod's container archive.
        new("oci-layer-inspect-json", r => r.Image == null ? null : ["inspect", r.Image, "--all", "--format", "json"], Json: true),
        new("oci-layer-memparse-search", r => r.Image == null ? null : ["memparse", r.Image, "--pid", r.Pid, "-s", "PATH=", "-c", "8"]),
        new("pod-inspect-json", r => ["inspect", r.Pod, "--all", "--format", "json"], Json: true),
        new("pod-memparse-search", r => ["memparse", r.Pod, "--container", HostilePackaging.PodContainer, "--pid", r.Pid, "-s", "PATH=", "-c", "8"]),
    ];

    private static readonly Regex ListLogLine = new(@"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d Error extracting information from .+: .+$", RegexOptions.CultureInvariant);

    /// <summary>Null when the result follows the rules (exit 0 with sane output, or exit 1 with one <c>Error:</c> line), else why not.</summary>
    public string? Check(int exitCode, string stdout, string stderr)
    {
        if (stderr.Contains("Unhandled exception", StringComparison.Ordinal) || stderr.Contains("   at ", StringComparison.Ordinal) || stdout.Contains("   at Checkpointctl", StringComparison.Ordinal))
            return "stack trace";
        if (stderr.Contains("internal error", StringComparison.Ordinal))
            return "internal error";
        switch (exitCode)
        {
            case 0:
            case 2 when Findings:
                if (IsList)
                {
                    if (stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(l => !ListLogLine.IsMatch(l)) is { } bad)
                        return $"list stderr line not in log format: {Trim(bad)}";
                }
                else if (SuccessLog != null ? !SuccessLog.IsMatch(stderr) : stderr.Length > 0)
                {
                    return $"exit 0 with stderr: {Trim(stderr)}";
                }
                if (stdout.Length == 0 && Output == null)
                    return "exit 0 without output";
                if (Json)
                {
                    try
                    {
                        using var _ = JsonDocument.Parse(stdout, new JsonDocumentOptions { MaxDepth = 1024 });
                    }
                    catch (JsonException e)
                    {
                        return $"exit 0 with invalid JSON: {e.Message}";
                    }
                }
                return null;
            case 1:
                if (IsDiff && stderr.StartsWith("Error: checkpoints are from different containers:\n", StringComparison.Ordinal))
                    return stderr.TrimEnd('\n').Split('\n').Length == 3 ? null : $"different-containers message not 3 lines: {Trim(stderr)}";
                if (!stderr.StartsWith("Error: ", StringComparison.Ordinal) || !stderr.EndsWith('\n') || stderr.TrimEnd('\n').Contains('\n') || stderr.Length <= 8)
                    return $"exit 1 without exactly one Error: line: {Trim(stderr)}";
                if (!Streams && stdout.Length > 0)
                    return $"exit 1 with stdout: {Trim(stdout)}";
                return null;
            default:
                return $"exit code {exitCode}";
        }
    }

    private static string Trim(string s) => s.Length > 300 ? s[..300] + "…" : s;
}

/// <summary>The paths and PID one command line is built from: the variant as a file, in an image (when a layer can hold it) and in a pod.</summary>
public sealed record HostileRun(string Original, string Variant, string Directory, string Pid, string? Image, string Pod);

/// <summary>
/// The hostile corpus against every command, in process, each run under a 5 s watchdog. CI runs a fixed seeded
/// subset; <c>HOSTILE_ALL=1</c> runs every variant and <c>HOSTILE_FILTER=regex</c> narrows by variant id
/// (<c>tests/hostile/run-full.sh</c> runs the whole corpus out of process against the native binary).
/// Runs alone: the resident memory it measures is the whole test process's, which parallel tests would inflate.
/// </summary>
[Collection(nameof(HostileCorpusTests))]
public class HostileCorpusTests(ITestOutputHelper output)
{
    /// <summary>Longest a single run may take.</summary>
    public static readonly TimeSpan RunLimit = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How far one run may raise the test process's resident memory (peak during the run over resident memory at its
    /// start): the 256 MiB of the largest member held in memory plus the 64 MiB of the largest memory read, and slack.
    /// </summary>
    public const long RssGrowthLimit = 384L << 20;

    /// <summary>Variants of each family in the CI subset (families are spread over the fixtures by a seeded order).</summary>
    private const int PerFamily = 2;

    private static readonly ConcurrentDictionary<string, Lazy<HostileFixture>> Fixtures = new();

    /// <summary>
    /// CI: 256 MiB gzip and zstd bombs and 16 MiB xz bombs, enough to show that nothing is held or written (the full
    /// run: 4 GiB gzip and zstd, 1 GiB xz); decompressing more only costs CI time.
    /// </summary>
    private static readonly CorpusOptions CiOptions = new() { BombBytes = 256L << 20, XzBombBytes = 16L << 20 };

    public static HostileFixture Fixture(string name) =>
        Fixtures.GetOrAdd(name, n => new Lazy<HostileFixture>(() => HostileFixture.Load(TestPaths.ArchiveByName(n)))).Value;

    /// <summary>The CI subset: per family, the first <see cref="PerFamily"/> variants in an order seeded by their ids.</summary>
    public static List<HostileVariant> CiSubset(CorpusOptions options)
    {
        var all = TestPaths.AllArchives().Select(p => Fixture(Path.GetFileName(p))).SelectMany(f => HostileCorpus.Variants(f, options)).ToList();
        if (Environment.GetEnvironmentVariable("HOSTILE_ALL") == "1")
            return all;
        var perFamily = int.TryParse(Environment.GetEnvironmentVariable("HOSTILE_PER_FAMILY"), out var n) ? n : PerFamily;
        return all.GroupBy(v => v.Family)
            .SelectMany(g => g.OrderBy(v => HostileCorpus.Seed("ci/" + v.Id)).Take(perFamily))
            .OrderBy(v => v.Id, StringComparer.Ordinal)
            .ToList();
    }

    [Fact]
    public void Ci_subset_never_crashes_hangs_or_writes()
    {
        var variants = CiSubset(CiOptions);
        if (Environment.GetEnvironmentVariable("HOSTILE_FILTER") is { Length: > 0 } filter)
            variants = variants.Where(v => Regex.IsMatch(v.Id, filter)).ToList();
        var stats = new HostileStats();
        var clock = Stopwatch.StartNew();
        foreach (var v in variants)
            RunVariant(v, stats);
        output.WriteLine($"{variants.Count} variants x {HostileCommand.All.Count} commands = {stats.Runs} runs in {clock.Elapsed.TotalSeconds:F1} s");
        output.WriteLine($"exit 0: {stats.Exit0}, exit 1: {stats.Exit1}, failures: {stats.Failures.Count}, hangs: {stats.Hangs}");
        output.WriteLine($"slowest run: {stats.SlowestMs} ms ({stats.Slowest}); largest resident memory growth of one run: {stats.MaxGrowth >> 20} MiB ({stats.MostGrowing})"
                         + (PeakRss.Available ? "" : " (not measured: /proc/self/clear_refs is not writable)"));
        foreach (var (family, ms) in stats.FamilyMs.OrderByDescending(x => x.Value).Take(10))
            output.WriteLine($"  {family}: {ms} ms");
        Assert.True(stats.Failures.IsEmpty, $"{stats.Failures.Count} failing runs:\n" + string.Join("\n", stats.Failures.Take(200)));
    }

    /// <summary>Variants that found a defect (hang, internal error, memory) and the fixture that showed it.</summary>
    [Theory]
    [InlineData("simple-none.tar", "mm-arg-top")] // argument area on the last page: the page loop wrapped to 0 (hang)
    [InlineData("simple-gzip.tar.gz", "mm-arg-top")]
    [InlineData("simple-gzip.tar.gz", "mm-cleared")] // no pages captured for empty areas: "neither held, captured nor randomly accessible"
    [InlineData("simple-gzip.tar.gz", "pagemap-head-only")]
    [InlineData("volume.tar.zst", "mm-all-max")]
    [InlineData("piggie-crio.tar", "mm-env-64mib")] // a 64 MiB environment area took ~730 MiB to split
    [InlineData("simple-zstd.tar.zst", "bomb-zstd-pax-header@1g")] // TarReader read a 1 GiB PAX header into one array
    [InlineData("simple-gzip.tar.gz", "bomb-gzip-gnu-longname@2g")]
    [InlineData("simple-none.tar", "pagemap-address-space-full")] // Σ run sizes overflowed long (OverflowException)
    public void Found_defects_stay_fixed(string fixture, string variant)
    {
        var v = HostileCorpus.Variants(Fixture(fixture), CiOptions).Single(x => x.Name == variant);
        var stats = new HostileStats();
        RunVariant(v, stats);
        Assert.True(stats.Failures.IsEmpty, string.Join("\n", stats.Failures));
    }

    [Fact]
    public void Shared_mappings_that_wrap_the_sum_are_an_error_not_a_small_size()
    {
        var v = HostileCorpus.Variants(Fixture("simple-none.tar"), CiOptions).Single(x => x.Name == "mm-vma-shared-huge");
        using var dir = new ScratchDir();
        var path = Path.Combine(dir.Path, "v.tar");
        File.WriteAllBytes(path, v.Build());
        Assert.Equal("mm-1.img: shared mappings cover more than 9223372036854775807 bytes", CliRunner.AssertError(CliRunner.Run("memparse", path)));
    }

    private static void RunVariant(HostileVariant v, HostileStats stats)
    {
        var clock = Stopwatch.StartNew();
        var f = Fixture(v.Fixture);
        byte[] bytes;
        try
        {
            bytes = v.Build();
        }
        catch (Exception e)
        {
            stats.Failures.Enqueue($"{v.Id}: generator failed: {e.GetType().Name}: {e.Message}");
            return;
        }
        using var dir = new ScratchDir();
        var path = Path.Combine(dir.Path, "checkpoint-x.tar");
        File.WriteAllBytes(path, bytes);
        var image = HostilePackaging.OciArchive(Path.Combine(dir.Path, "image.oci.tar"), bytes);
        var pod = HostilePackaging.PodDirectory(Path.Combine(dir.Path, "checkpoint-pod"), bytes, f);
        var pid = f.RootPid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var run = new HostileRun(f.Path, path, dir.Path, pid, image, pod);
        foreach (var command in HostileCommand.All)
        {
            if (command.Args(run) is not { } args)
                continue;
            var before = dir.Files();
            var output = command.Output?.Replace("{pid}", pid, StringComparison.Ordinal);
            var rssBefore = PeakRss.Reset();
            var watch = Stopwatch.StartNew();
            var task = Task.Factory.StartNew(() => CliRunner.Run(args), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            Interlocked.Increment(ref stats.Runs);
            if (!task.Wait(RunLimit))
            {
                Interlocked.Increment(ref stats.Hangs);
                stats.Failures.Enqueue($"{v.Id} {command.Name}: still running after {RunLimit.TotalSeconds} s");
                // The run keeps its thread; its directory cannot be checked or removed safely, so stop this variant.
                return;
            }
            var r = task.Result;
            var growth = rssBefore < 0 ? 0 : PeakRss.Read() - rssBefore;
            stats.Record(v, command, watch.ElapsedMilliseconds, growth);
            if (r.ExitCode == 0)
                Interlocked.Increment(ref stats.Exit0);
            else if (r.ExitCode == 1)
                Interlocked.Increment(ref stats.Exit1);
            if (command.Check(r.ExitCode, r.Stdout, r.Stderr) is { } problem)
                stats.Failures.Enqueue($"{v.Id} {command.Name}: {problem}");
            else if (v.InvalidHeader && !command.IsList && !(command.StopsEarly && r.ExitCode == 0) && (r.ExitCode != 1 || !r.Stderr.StartsWith(
                         command.IsDiff ? "Error: failed to load checkpointB: archive/tar: invalid tar header (" : "Error: archive/tar: invalid tar header (", StringComparison.Ordinal)))
                stats.Failures.Enqueue($"{v.Id} {command.Name}: a damaged tar header not refused as one: exit {r.ExitCode}, {r.Stderr.TrimEnd()}");
            if (growth > RssGrowthLimit)
                stats.Failures.Enqueue($"{v.Id} {command.Name}: resident memory grew by {growth >> 20} MiB");
            var after = dir.Files();
            var expected = output != null && r.ExitCode == 0 ? before.Append(Path.Combine(dir.Path, output)).Order(StringComparer.Ordinal).ToArray() : before;
            if (!after.SequenceEqual(expected))
                stats.Failures.Enqueue($"{v.Id} {command.Name}: directory changed: {string.Join(", ", after.Except(before).Concat(before.Except(after).Select(x => "-" + x)))}");
            if (output != null)
                File.Delete(Path.Combine(dir.Path, output));
        }
        stats.FamilyMs.AddOrUpdate(v.Family, clock.ElapsedMilliseconds, (_, ms) => ms + clock.ElapsedMilliseconds);
    }

    private sealed class HostileStats
    {
        public int Runs, Exit0, Exit1, Hangs;
        public long SlowestMs, MaxGrowth;
        public string Slowest = "", MostGrowing = "";
        public readonly ConcurrentQueue<string> Failures = new();
        public readonly ConcurrentDictionary<string, long> FamilyMs = new();

        public void Record(HostileVariant v, HostileCommand c, long ms, long growth)
        {
            lock (this)
            {
                if (ms > SlowestMs)
                    (SlowestMs, Slowest) = (ms, $"{v.Id} {c.Name}");
                if (growth > MaxGrowth)
                    (MaxGrowth, MostGrowing) = (growth, $"{v.Id} {c.Name}");
            }
        }
    }

    /// <summary>The process's peak resident memory (VmHWM), reset through <c>/proc/self/clear_refs</c> before each run.</summary>
    private static class PeakRss
    {
        public static bool Available { get; private set; } = true;

        /// <summary>Resets the peak to the current resident size and returns that size (-1 when unavailable).</summary>
        public static long Reset()
        {
            if (!Available)
                return -1;
            try
            {
                File.WriteAllText("/proc/self/clear_refs", "5");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Available = false;
                return -1;
            }
            return Status("VmRSS:");
        }

        public static long Read() => Status("VmHWM:");

        private static long Status(string field)
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                    return long.Parse(line[field.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) << 10;
            }
            return 0;
        }
    }
}

[CollectionDefinition(nameof(HostileCorpusTests), DisableParallelization = true)]
public sealed class HostileCorpusCollection;
