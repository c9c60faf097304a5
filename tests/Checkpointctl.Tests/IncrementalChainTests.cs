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
        var (full, pre) = PodmanPair(dir.Path, "tar", "tar");
        File.Delete(pre);
        var missing = $"{full}: checkpoint/parent -> ../pre-checkpoint: the parent image set is not in the archive, nor beside it as "
                      + "full-pre.tar or full-pre-checkpoint.tar or pre-full.tar or pre-checkpoint-full.tar or pre.* or pre-checkpoint.* of the same container "
                      + "(give it with --parent)";
        Assert.Equal(missing, CliRunner.AssertError(CliRunner.Run("memparse", full, "--pid", "1", "-s", "x")));
        Assert.EndsWith($"failed to process command line arguments: {missing}", CliRunner.AssertError(CliRunner.Run("inspect", full, "--ps-tree-cmd")));
        Assert.Equal(missing, CliRunner.AssertError(CliRunner.Run("memparse", full)));
    }

    [Theory]
    [InlineData("tar")]
    [InlineData("tar.zst")]
    public void Bundle_tarred_whole_reads_its_parent_from_the_same_archive(string kind)
    {
        using var dir = new ScratchDir();
        var original = Original.Value.WriteArchive(dir.Path, "original.tar");
        var bundle = Newest.Clone();
        bundle.Files.AddRange(Oldest.MemoryOnly().Under("pre-checkpoint/").Files.Where(f => f.Name.StartsWith("pre-checkpoint/", StringComparison.Ordinal)));
        var path = bundle.WriteArchive(dir.Path, "bundle." + kind, kind == "tar.zst" ? TestArchive.Zstd : null, [("checkpoint/parent", "../pre-checkpoint")]);
        AssertMemoryCommandsEqual(original, path);
        Assert.Equal(Tree(original), Tree(path));
        Assert.Matches(@"\n1 +piggie .* \d+ / \d+\n", Run(path, "memparse"));
    }

    [Theory]
    [InlineData("../../pre-checkpoint", "points outside the archive")]
    [InlineData("/pre-checkpoint", "points outside the archive")]
    [InlineData("../dump0", "the parent image set is not in the archive")]
    public void Parent_link_is_resolved_inside_the_archive_only(string target, string message)
    {
        using var dir = new ScratchDir();
        // Present on the host where the link would lead if it were followed there.
        Oldest.MemoryOnly().Under("pre-checkpoint/").WriteDirectory(dir.Path, ".");
        var bundle = Newest.Clone();
        bundle.Files.AddRange(Oldest.MemoryOnly().Under("dump1/").Files.Where(f => f.Name.StartsWith("dump1/", StringComparison.Ordinal)));
        var path = bundle.WriteArchive(dir.Path, "bundle.tar", null, [("checkpoint/parent", target)]);
        Assert.Equal($"{path}: checkpoint/parent -> {target}: {message} (give it with --parent)",
            CliRunner.AssertError(CliRunner.Run("memparse", path, "--pid", "1", "-s", "x")));
    }

    [Theory]
    [InlineData("full-pre.tar.gz")]
    [InlineData("pre-checkpoint-full.tar.gz")]
    public void Pre_checkpoint_export_beside_the_archive_is_found(string name)
    {
        using var dir = new ScratchDir();
        var original = Original.Value.WriteArchive(dir.Path, "original.tar");
        var (full, pre) = PodmanPair(dir.Path, "tar.gz", "tar.gz");
        // Not taken: named differently.
        File.Move(pre, Path.Combine(dir.Path, "full-previous.tar.gz"));
        var error = CliRunner.AssertError(CliRunner.Run("memparse", full, "--pid", "1", "-s", "x"));
        Assert.True(error.StartsWith($"{full}: checkpoint/parent -> ../pre-checkpoint: the parent image set is not in the archive, nor beside it as full-pre.tar.gz or ",
            StringComparison.Ordinal), error);
        File.Move(Path.Combine(dir.Path, "full-previous.tar.gz"), Path.Combine(dir.Path, name));
        AssertMemoryCommandsEqual(original, full);
        Assert.Equal(Tree(original), Tree(full));
    }

    [Fact]
    public void Podmans_documented_pair_is_found_beside()
    {
        // podman-container-checkpoint(1): `-P -e pre-checkpoint.tar.gz`, then `--with-previous -e checkpoint.tar.gz`.
        using var dir = new ScratchDir();
        var original = Original.Value.WriteArchive(dir.Path, "original.tar");
        var (full, pre) = PodmanPair(dir.Path, "tar.gz", "tar.gz");
        var documented = Path.Combine(dir.Path, "checkpoint.tar.gz");
        File.Move(full, documented);
        File.Move(pre, Path.Combine(dir.Path, "pre-checkpoint.tar.gz"));
        AssertMemoryCommandsEqual(original, documented);
        Assert.Equal(Tree(original), Tree(documented));
    }

    [Theory]
    [InlineData("pre.tar.gz", "tar.gz")]
    [InlineData("pre.tar", "tar.zst")]
    [InlineData("pre-checkpoint.tar.zst", "tar")]
    public void Pre_checkpoint_of_the_same_container_is_found_under_another_name(string name, string fullKind)
    {
        using var dir = new ScratchDir();
        var original = Original.Value.WriteArchive(dir.Path, "original.tar");
        var (full, pre) = PodmanPair(dir.Path, fullKind, name[(name.IndexOf('.') + 1)..]);
        if (Path.GetFileName(pre) != name)
            File.Move(pre, Path.Combine(dir.Path, name));
        // Passed over: another container's pre-checkpoint, and a checkpoint of the same container.
        PreCheckpoint("other-container").WriteArchive(dir.Path, "pre-checkpoint.tar");
        Newest.WriteArchive(dir.Path, "pre.old.tar");
        AssertMemoryCommandsEqual(original, full);
        Assert.Equal(Tree(original), Tree(full));
    }

    [Fact]
    public void Pre_checkpoint_under_another_name_is_taken_only_when_unambiguous()
    {
        using var dir = new ScratchDir();
        var (full, pre) = PodmanPair(dir.Path, "tar.gz", "tar.gz");
        File.Move(pre, Path.Combine(dir.Path, "pre.tar.gz"));
        var id = ContainerId(Newest);
        Oldest.MemoryOnly().Under("pre-checkpoint/").WriteArchive(dir.Path, "pre-checkpoint.tar");
        Assert.Equal($"{full}: pre-checkpoint.tar and pre.tar.gz beside it are all pre-checkpoints of container {id} (give the parent with --parent)",
            CliRunner.AssertError(CliRunner.Run("memparse", full, "--pid", "1", "-s", "x")));
        // Of other containers only: none is taken.
        File.Delete(Path.Combine(dir.Path, "pre-checkpoint.tar"));
        File.Delete(Path.Combine(dir.Path, "pre.tar.gz"));
        PreCheckpoint("other-container").WriteArchive(dir.Path, "pre.tar.gz");
        Assert.StartsWith($"{full}: checkpoint/parent -> ../pre-checkpoint: the parent image set is not in the archive, nor beside it as ",
            CliRunner.AssertError(CliRunner.Run("memparse", full, "--pid", "1", "-s", "x")));
        // Named after the archive, but of another container: said, not taken.
        var named = PreCheckpoint("other-container").WriteArchive(dir.Path, "full-pre.tar.gz", TestArchive.Gzip);
        Assert.Equal($"{named} (beside {full}): a checkpoint of container other-container, not of {id} (give the parent with --parent)",
            CliRunner.AssertError(CliRunner.Run("memparse", full, "--pid", "1", "-s", "x")));
    }

    [Fact]
    public void File_beside_the_archive_without_a_pre_checkpoint_is_an_error()
    {
        using var dir = new ScratchDir();
        var (full, _) = PodmanPair(dir.Path, "tar", "tar");
        var beside = Original.Value.WriteArchive(dir.Path, "full-pre.tar");
        Assert.Equal($"{beside} (beside {full}): no pre-checkpoint/ image set in it (give the parent with --parent)",
            CliRunner.AssertError(CliRunner.Run("memparse", full, "--pid", "1", "-s", "x")));
    }

    [Theory]
    [InlineData("tar")]
    [InlineData("tar.gz")]
    public void Pre_checkpoint_export_alone_shows_its_memory(string kind)
    {
        using var dir = new ScratchDir();
        var original = Original.Value.WriteArchive(dir.Path, "original.tar");
        var (_, pre) = PodmanPair(dir.Path, "tar", kind);
        // The pre-dump holds every page: hexdump and searches as of the original.
        AssertMemoryCommandsEqual(original, pre);
        // The table: its pagemaps' PIDs and their memory, as the original's MEMORY SIZE column says.
        var table = Run(pre, "memparse").Split('\n');
        Assert.Equal("Displaying pre-dumped memory sizes from <CHECKPOINT> (a pre-checkpoint export: memory only, no process names or mappings)", table[1]);
        Assert.Matches("^PID +MEMORY SIZE$", table[3]);
        var sizes = Rows(Run(original, "memparse")).Select(r => $"{r[0]} {r[2]}").ToList();
        Assert.Equal(sizes, Rows(string.Join('\n', table)).Select(r => $"{r[0]} {r[1]}"));
        var pids = string.Join(", ", Rows(Run(original, "memparse")).Select(r => r[0]));
        Assert.Equal($"no process with PID 99 in pre-checkpoint export {pre} (it holds the memory of PIDs {pids})",
            CliRunner.AssertError(CliRunner.Run("memparse", pre, "--pid", "99", "-s", "x")));
    }

    [Theory]
    [InlineData("tar")]
    [InlineData("tar.zst")]
    public void Pre_checkpoint_export_alone_has_an_overview(string kind)
    {
        using var dir = new ScratchDir();
        var (full, pre) = PodmanPair(dir.Path, "tar", kind);
        var preSize = Oldest.MemoryOnly().Files.Where(f => f.Name.StartsWith("checkpoint/", StringComparison.Ordinal)).Sum(f => (long)f.Data.Length);
        var show = Run(pre, "show").Split('\n');
        Assert.Equal("Displaying container pre-checkpoint data from <CHECKPOINT>", show[1]);
        var fullShow = Run(full, "show").Split('\n');
        // Upstream's columns and the container's values; the size is pre-checkpoint/'s.
        Assert.Equal(fullShow[3], show[3]);
        Assert.Equal(Cells(fullShow[5])[..6], Cells(show[5])[..6]);
        Assert.Equal(Units(preSize), Cells(show[5])[6]);
        Assert.Equal("", show[6]);
        Assert.StartsWith("<CHECKPOINT>: a pre-checkpoint export (podman container checkpoint --pre-checkpoint): the processes' memory at pre-dump time", show[7]);
        var inspect = Run(pre, "inspect");
        Assert.StartsWith("\nDisplaying container pre-checkpoint tree view from <CHECKPOINT>\n", inspect);
        Assert.Contains("Pre-checkpoint: a pre-checkpoint export (podman container checkpoint --pre-checkpoint)", inspect);
        Assert.Contains($"Checkpoint size: {Units(preSize)}", inspect);
        Assert.Contains("CRIU inventory", Run(pre, "inspect", "--inventory"));
        Assert.Contains("\n    \"pre_checkpoint\": true,\n    \"checkpoint_size\": {", Run(pre, "inspect", "--format", "json"));
        Assert.DoesNotContain("pre_checkpoint", Run(full, "inspect", "--format", "json"));
        Assert.Equal($"{pre} is a pre-checkpoint export: pre-checkpoint/ holds the processes' memory at pre-dump time, no process tree, files or sockets "
                     + "(memparse reads its memory)", CliRunner.AssertError(CliRunner.Run("inspect", pre, "--ps-tree")));
        // Commands about processes say what it is.
        Assert.EndsWith("(it is a pre-checkpoint export: pre-checkpoint/ holds the processes' memory at pre-dump time, no process tree, files or sockets; "
                        + "give it with --parent when reading the checkpoint made with --with-previous)",
            CliRunner.AssertError(CliRunner.Run("coredump", pre, "-o", dir.Path)));
        // Neither directory: upstream's message alone.
        var neither = Original.Value.Under("other/").WriteArchive(dir.Path, "neither.tar");
        Assert.Equal($"checkpoint directory is missing in the archive file: {neither}", CliRunner.AssertError(CliRunner.Run("memparse", neither)));
    }

    [Fact]
    public void Unpacked_pre_checkpoint_export_shows_its_memory()
    {
        using var dir = new ScratchDir();
        var original = Original.Value.WriteArchive(dir.Path, "original.tar");
        var pre = Oldest.MemoryOnly().Under("pre-checkpoint/").WriteDirectory(dir.Path, "pre");
        AssertMemoryCommandsEqual(original, pre);
        Assert.StartsWith("\nDisplaying container pre-checkpoint data from <CHECKPOINT>\n", Run(pre, "show"));
        var neither = Original.Value.Under("other/").WriteDirectory(dir.Path, "neither");
        Assert.Equal($"checkpoint directory is missing in the checkpoint directory: {neither}", CliRunner.AssertError(CliRunner.Run("memparse", neither)));
    }

    [Fact]
    public void Streamed_pre_checkpoint_export_is_read_by_a_second_pass_once_known()
    {
        using var dir = new ScratchDir();
        var original = Original.Value.WriteArchive(dir.Path, "original.tar");
        var (_, pre) = PodmanPair(dir.Path, "tar", "tar.gz");
        var passes = 0;
        var want = new PageSourceTests.Collect();
        var got = new PageSourceTests.Collect();
        MemoryScan.Run(original, 1, want);
        MemoryScan.Run(new CheckpointInput(pre, () => { passes++; return new NonSeekableStream(File.OpenRead(pre)); }), 1, got);
        Assert.Equal(want.Bytes.ToArray(), got.Bytes.ToArray());
        // The first pass must reach the end to know there is no checkpoint/ (a bundle tarred whole may hold it later).
        Assert.Equal(2, passes);
    }

    private static List<string[]> Rows(string table) =>
        table.Split('\n').SkipWhile(l => !l.StartsWith("---", StringComparison.Ordinal)).Skip(1).Where(l => l.Length > 0).Select(Cells).ToList();

    private static string[] Cells(string line) => System.Text.RegularExpressions.Regex.Split(line.Trim(), "  +");

    private static string Units(long bytes) => bytes < 1024 ? $"{bytes} B" : bytes < 1 << 20 ? $"{bytes / 1024.0:0.0} KiB" : $"{bytes / 1048576.0:0.0} MiB";

    [Fact]
    public void Parent_ranges_and_present_pages_are_found_range_by_range()
    {
        // A run per page (present, parent, parent, …) with holes; ranges unsorted, partial pages at their ends.
        var entries = new List<Checkpointctl.Core.Criu.Images.PagemapEntry>();
        for (ulong p = 0; p < 300; p++)
        {
            if (p % 7 != 6)
                entries.Add(new() { Vaddr = 0x10000 + p * 4096, NrPages = 1, Flags = p % 3 == 0 ? 4u : 1u });
        }
        var pagemap = Checkpointctl.Core.Criu.Pagemap.Decode("pagemap-1.img", DumpFiles.WritePagemap(new() { PagesId = 1 }, entries));
        (ulong Start, ulong End)[] ranges = [(0x10000 + 100 * 4096 + 17, 0x10000 + 120 * 4096), (0x10000 + 5 * 4096, 0x10000 + 50 * 4096), (0, 0x10000 + 3 * 4096)];
        var parent = new List<(ulong, ulong)>();
        ulong present = 0;
        foreach (var (start, end) in ranges)
        {
            foreach (var e in entries)
            {
                var (s, t) = (Math.Max(start, e.Vaddr), Math.Min(end, e.Vaddr + 4096));
                if (s >= t)
                    continue;
                if (e.Flags == 1)
                    parent.Add((s, t));
                else
                    present += (t - s) / 4096;
            }
        }
        Assert.Equal(parent, pagemap.ParentRanges(ranges));
        Assert.Equal(present, pagemap.PresentPagesIn(ranges));
        Assert.True(parent.Count > 30 && present > 10);
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

    // A pre-checkpoint export of the container with ID `id` (its config.dump says so).
    private static DumpFiles PreCheckpoint(string id)
    {
        var files = Oldest.MemoryOnly().Under("pre-checkpoint/");
        var i = files.Files.FindIndex(f => f.Name == "config.dump");
        var config = System.Text.Json.Nodes.JsonNode.Parse(files.Files[i].Data)!;
        config["id"] = id;
        files.Files[i] = ("config.dump", System.Text.Encoding.UTF8.GetBytes(config.ToJsonString()));
        return files;
    }

    private static string ContainerId(DumpFiles files) =>
        System.Text.Json.Nodes.JsonNode.Parse(files.Files.Single(f => f.Name == "config.dump").Data)!["id"]!.GetValue<string>();

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
