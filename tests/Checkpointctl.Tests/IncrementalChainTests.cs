using Checkpointctl.Core.Analysis;
using Checkpointctl.Core.Archive;

namespace Checkpointctl.Tests;

/// <summary>
/// Incremental dumps (checkpoint-shapes.md §4) built from a fixture as CRIU and Podman lay them out: pages flagged
/// PE_PARENT are read from the parent image set, recursively, and every memory command answers as for the original.
/// </summary>
public class IncrementalChainTests
{
    private static readonly Lazy<DumpFiles> Original = new(() => DumpFiles.FromArchive(TestPaths.Wrapped("piggie-podman.tar")).WithMixedRun(1));
    private static readonly string[][] Searches = [[], ["-s", "PATH=", "-c", "4"], ["-r", "MIXED-RUN 0000[0-9]+"], ["--search-hex", "7f 45 4c 46"]];

    // The oldest level holds every page in one-page runs, so the newer levels' PE_PARENT runs span several of them.
    private static DumpFiles Oldest => Original.Value.OnePageRuns();
    private static DumpFiles Middle => Original.Value.Incremental(p => p % 3 == 1);
    private static DumpFiles Newest => Original.Value.Incremental(p => p % 3 == 0);

    [Theory]
    [InlineData(2, false)]
    [InlineData(3, false)]
    [InlineData(2, true)]
    public void Criu_directories_with_parent_links_read_as_the_original(int levels, bool compressedParent)
    {
        using var dir = new ScratchDir();
        var original = Original.Value.WriteCriuDirectory(dir.Path, "original");
        var oldest = compressedParent ? Oldest.MemoryOnly().Compress(4) : Oldest.MemoryOnly();
        oldest.WriteCriuDirectory(dir.Path, "dump1");
        if (levels == 3)
        {
            Middle.MemoryOnly().WriteCriuDirectory(dir.Path, "dump2");
            File.CreateSymbolicLink(Path.Combine(dir.Path, "dump2", "parent"), "../dump1");
        }
        var newest = Newest.WriteCriuDirectory(dir.Path, "dump3");
        File.CreateSymbolicLink(Path.Combine(newest, "parent"), levels == 3 ? "../dump2" : "../dump1");
        AssertMemoryCommandsEqual(original, newest);
        var table = Run(newest, "memparse");
        Assert.Contains("PAGES PER LEVEL", table);
        Assert.Matches(levels == 3 ? @"\n1 +piggie .* \d+ / \d+ / \d+\n" : @"\n1 +piggie .* \d+ / \d+\n", table);
    }

    [Theory]
    [InlineData("tar", "tar.gz")]
    [InlineData("tar.zst", "tar.zst")]
    public void Podman_pre_checkpoint_pair_reads_as_the_original(string fullKind, string preKind)
    {
        using var dir = new ScratchDir();
        var original = Original.Value.WriteArchive(dir.Path, "original.tar");
        var (full, pre) = PodmanPair(dir.Path, fullKind, preKind);
        AssertMemoryCommandsEqual(original, full, "--parent", pre);
        Assert.Equal(Tree(original), Tree(full, "--parent", pre));
    }

    [Fact]
    public void Unpacked_bundle_finds_its_pre_checkpoint_beside_it()
    {
        using var dir = new ScratchDir();
        var original = Original.Value.WriteArchive(dir.Path, "original.tar");
        var bundle = Newest.WriteDirectory(dir.Path, "bundle");
        Oldest.MemoryOnly().Under("pre-checkpoint/").WriteDirectory(dir.Path, "bundle");
        // As `podman container restore --import-previous` unpacks the pair: the link names the bare pre-dump directory.
        File.CreateSymbolicLink(Path.Combine(bundle, "checkpoint", "parent"), "../pre-checkpoint");
        AssertMemoryCommandsEqual(original, bundle);
    }

    [Fact]
    public void Unseekable_streams_read_the_pair_in_one_pass_each()
    {
        using var dir = new ScratchDir();
        var original = Original.Value.WriteArchive(dir.Path, "original.tar");
        var (full, pre) = PodmanPair(dir.Path, "tar.zst", "tar.gz");
        var passes = 0;
        CheckpointInput Piped(string path) => new(path, () => { passes++; return new NonSeekableStream(File.OpenRead(path)); });
        var want = new PageSourceTests.Collect();
        var got = new PageSourceTests.Collect();
        MemoryScan.Run(original, 1, want);
        MemoryScan.Run(Piped(full), 1, got, Piped(pre));
        Assert.Equal(want.Starts, got.Starts);
        Assert.Equal(want.Bytes.ToArray(), got.Bytes.ToArray());
        Assert.Equal(2, passes);
        var options = new InspectOptions { PsTreeCmd = true, PsTreeEnv = true, Parent = Piped(pre) };
        var expected = Inspection.Read(original, options with { Parent = null }).ProcessTree!;
        var actual = Inspection.Read(Piped(full), options).ProcessTree!;
        Assert.Equal(expected.Cmdline, actual.Cmdline);
        Assert.Equal(expected.Environment, actual.Environment);
    }

    [Fact]
    public void Missing_parent_is_an_error_naming_what_is_missing()
    {
        using var dir = new ScratchDir();
        var newest = Newest.WriteCriuDirectory(dir.Path, "dump2");
        File.CreateSymbolicLink(Path.Combine(newest, "parent"), "../dump1");
        Assert.Equal($"parent image set {newest}/parent -> ../dump1: open {dir.Path}/dump1: no such file or directory",
            CliRunner.AssertError(CliRunner.Run("memparse", newest, "--pid", "1", "-s", "x")));
        var (full, _) = PodmanPair(dir.Path, "tar", "tar");
        Assert.Equal($"{full}: checkpoint/parent -> ../pre-checkpoint: the parent image set is not in the archive (give it with --parent)",
            CliRunner.AssertError(CliRunner.Run("memparse", full, "--pid", "1", "-s", "x")));
        Assert.EndsWith($"failed to process command line arguments: {full}: checkpoint/parent -> ../pre-checkpoint: the parent image set is not in the archive (give it with --parent)",
            CliRunner.AssertError(CliRunner.Run("inspect", full, "--ps-tree-cmd")));
        Assert.Equal($"{full}: checkpoint/parent -> ../pre-checkpoint: the parent image set is not in the archive (give it with --parent)",
            CliRunner.AssertError(CliRunner.Run("memparse", full)));
    }

    [Fact]
    public void Cycle_of_parent_links_is_an_error()
    {
        using var dir = new ScratchDir();
        var a = Middle.WriteCriuDirectory(dir.Path, "a");
        var b = Newest.MemoryOnly().WriteCriuDirectory(dir.Path, "b");
        File.CreateSymbolicLink(Path.Combine(a, "parent"), "../b");
        File.CreateSymbolicLink(Path.Combine(b, "parent"), "../a");
        Assert.Equal($"{b}: checkpoint/parent: parent image sets form a cycle at {a}",
            CliRunner.AssertError(CliRunner.Run("memparse", a, "--pid", "1", "-s", "x")));
    }

    [Fact]
    public void Page_missing_in_the_parent_is_an_error()
    {
        using var dir = new ScratchDir();
        var parent = Oldest.MemoryOnly().Incremental(p => p % 5 != 0).WriteCriuDirectory(dir.Path, "dump1");
        // dump1's own PE_PARENT pages have no parent of their own: CRIU would fail; here the link is missing.
        var newest = Newest.WriteCriuDirectory(dir.Path, "dump2");
        File.CreateSymbolicLink(Path.Combine(newest, "parent"), "../dump1");
        Assert.StartsWith("pages are in a parent image set, but " + Path.Combine(parent, "parent"),
            CliRunner.AssertError(CliRunner.Run("memparse", newest, "--pid", "1", "-s", "x")));
    }

    // Podman: `checkpoint --with-previous -e full` (checkpoint/ with the parent link) and `-P -e pre` (pre-checkpoint/).
    private static (string Full, string Pre) PodmanPair(string dir, string fullKind, string preKind)
    {
        static Func<byte[], byte[]>? Compressor(string kind) => kind switch { "tar.gz" => TestArchive.Gzip, "tar.zst" => TestArchive.Zstd, _ => null };
        var full = Newest.WriteArchive(dir, "full." + fullKind, Compressor(fullKind), [("checkpoint/parent", "../pre-checkpoint")]);
        var pre = Oldest.MemoryOnly().Under("pre-checkpoint/").WriteArchive(dir, "pre." + preKind, Compressor(preKind));
        return (full, pre);
    }

    private static void AssertMemoryCommandsEqual(string original, string path, params string[] extra)
    {
        foreach (var pid in new[] { "1", "4" })
        {
            foreach (var flags in Searches)
                Assert.Equal(Run(original, ["memparse", "--pid", pid, .. flags]), Run(path, ["memparse", "--pid", pid, .. flags, .. extra]));
        }
    }

    private static string Tree(string path, params string[] extra) => string.Join('\n',
        Run(path, ["inspect", "--ps-tree-cmd", "--ps-tree-env", .. extra]).Split('\n').Where(l => !l.Contains(" size: ", StringComparison.Ordinal)));

    private static string Run(string path, params string[] args)
    {
        var result = CliRunner.Run([args[0], path, .. args[1..]]);
        Assert.True(result.ExitCode == 0 && result.Stderr.Length == 0, result.Stderr);
        return result.Stdout.Replace(path, "<CHECKPOINT>", StringComparison.Ordinal);
    }
}
