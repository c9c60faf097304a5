using Checkpointctl.Core.Analysis;
using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Criu;
using Checkpointctl.Core.Criu.Images;

namespace Checkpointctl.Tests;

/// <summary>
/// LZ4-compressed memory pages (checkpoint-shapes.md §1): dumps compressed from the shared fixtures as CRIU and crit
/// lay them out, in every container the tool reads, answer every memory command exactly as the original dump; each
/// validation rule of §1.6 violated once is an error naming the image and entry.
/// </summary>
public class CompressedPagesTests
{
    private static readonly string Fixture = TestPaths.Wrapped("piggie-podman.tar");
    private static readonly uint[] Pids = [1, 4];

    // The fixture's pages are all compressible: a run of zero, random and text pages gives every kind of block.
    private static readonly Lazy<DumpFiles> Piggie = new(() => DumpFiles.FromArchive(Fixture).WithMixedRun(1));

    public static TheoryData<int, bool, string> Forms()
    {
        var data = new TheoryData<int, bool, string>();
        foreach (var (region, align) in new[] { (0, true), (0, false), (4, true), (64, false) })
        {
            foreach (var container in new[] { "tar", "tar.gz", "tar.zst", "dir" })
                data.Add(region, align, container);
        }
        data.Add(0, true, "criu-dir");
        data.Add(64, false, "criu-dir");
        return data;
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public void Memory_commands_answer_as_for_the_original_dump(int regionPages, bool align, string container)
    {
        using var dir = new ScratchDir();
        var compressed = Piggie.Value.Compress(regionPages, align);
        Assert.True(compressed.Blocks is { Zero: > 0, Raw: > 0, Lz4: > 0 }, compressed.Blocks.ToString());
        Assert.True(align ? compressed.Blocks.Aligned > 0 : compressed.Blocks.Aligned == 0);
        var path = Write(compressed, dir.Path, container, "compressed");
        var original = Write(Piggie.Value, dir.Path, container, "original");
        // Bare CRIU directories have no container metadata for inspect.
        if (container != "criu-dir")
            Assert.Equal(Tree(original), Tree(path));
        foreach (var pid in Pids.Select(p => p.ToString()))
        {
            foreach (string[] flags in (string[][])[[], ["-s", "PATH=", "-c", "8"], ["-r", "[A-Z_]+=[a-z/]+"], ["--search-hex", "7f 45 4c 46"]])
                Assert.Equal(Run(original, ["memparse", "--pid", pid, .. flags]), Run(path, ["memparse", "--pid", pid, .. flags]));
        }
        var a = Path.Combine(dir.Path, "a.txt");
        var b = Path.Combine(dir.Path, "b.txt");
        CliRunner.Run("memparse", original, "--pid", "1", "-o", a);
        CliRunner.Run("memparse", path, "--pid", "1", "-o", b);
        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(8)]
    public void Unseekable_stream_reads_compressed_pages(int regionPages)
    {
        using var dir = new ScratchDir();
        var path = Piggie.Value.Compress(regionPages).WriteArchive(dir.Path, "c.tar.zst", TestArchive.Zstd);
        var original = Piggie.Value.WriteArchive(dir.Path, "o.tar");
        var input = new CheckpointInput(path, () => new NonSeekableStream(File.OpenRead(path)));
        var options = new InspectOptions { PsTreeCmd = true, PsTreeEnv = true };
        var expected = Inspection.Read(original, options).ProcessTree!;
        var actual = Inspection.Read(input, options).ProcessTree!;
        Assert.Equal(expected.Cmdline, actual.Cmdline);
        Assert.Equal(expected.Environment, actual.Environment);
        var want = new PageSourceTests.Collect();
        var got = new PageSourceTests.Collect();
        MemoryScan.Run(original, 1, want);
        MemoryScan.Run(input, 1, got);
        Assert.Equal(want.Starts, got.Starts);
        Assert.Equal(want.Bytes.ToArray(), got.Bytes.ToArray());
    }

    [Fact]
    public void Table_adds_the_stored_size_only_for_compressed_dumps()
    {
        using var dir = new ScratchDir();
        var compressed = Piggie.Value.Compress();
        var path = compressed.WriteArchive(dir.Path, "c.tar");
        var plain = Run(Piggie.Value.WriteArchive(dir.Path, "o.tar"), "memparse").Split('\n');
        var table = Run(path, "memparse").Split('\n');
        Assert.Equal(plain.Length, table.Length);
        Assert.EndsWith("SHARED MEMORY SIZE", plain[3]);
        Assert.EndsWith("SHARED MEMORY SIZE   STORED SIZE", table[3]);
        var (head, _) = DumpFiles.ReadPagemap(compressed["pagemap-1.img"]);
        var stored = compressed[$"pages-{head.PagesId}.img"].Length;
        // PID 1's row: the original's columns, then its pages file's payload (padding excluded) in upstream's units.
        var row = table.Single(l => l.StartsWith("1 ", StringComparison.Ordinal));
        Assert.StartsWith(plain.Single(l => l.StartsWith("1 ", StringComparison.Ordinal)).TrimEnd(), row);
        var images = new CriuImagesOf(path);
        Assert.Equal(images.Pagemap.StoredBytes, images.Pagemap.Runs.Sum(r => r.StoredLength));
        Assert.InRange(images.Pagemap.StoredBytes, stored - images.Pagemap.Runs.Count * 4096L, stored);
        Assert.EndsWith(Checkpointctl.Cli.Rendering.Units.Bytes(images.Pagemap.StoredBytes), row);
    }

    // --- §1.6: each rule violated once ------------------------------------------------------------------------------

    public static TheoryData<string, string> Violations() => new()
    {
        { "metadata-not-present", "pagemap-1.img: entry {0}: compression metadata on an entry without PE_PRESENT" },
        { "partial-metadata", "pagemap-1.img: entry {0}: total_compressed_size or region_pages without compressed_size" },
        { "aligned-not-present", "pagemap-1.img: entry {0}: PE_PAYLOAD_ALIGNED without PE_PRESENT" },
        { "present-and-parent", "pagemap-1.img: entry {0}: PE_PRESENT together with PE_PARENT" },
        { "block-count", "pagemap-1.img: entry {0}: {2} compressed sizes for {3} blocks" },
        { "size-too-large", "pagemap-1.img: entry {0}: block 0: compressed size 4097 is larger than the block's 4096 bytes" },
        { "total-mismatch", "pagemap-1.img: entry {0}: total_compressed_size {4} is not the sum of its compressed sizes ({5})" },
        { "region-too-large", "pagemap-1.img: entry {0}: region of 2048 pages is larger than 4 MiB" },
        { "no-pages", "pagemap-1.img: entry {0}: no pages" },
        { "overlap", "pagemap-1.img: entry 2: address 0x{6:x} overlaps or precedes the previous run" },
        { "unaligned-address", "pagemap-1.img: entry {0}: address 0x{7:x} is not page-aligned" },
        { "inventory-off", "pagemap-1.img: entry {0}: compressed, but inventory.img says pages are not compressed" },
        { "inventory-region", "pagemap-1.img: entry {0}: per-page blocks, but inventory.img says region compression" },
        { "inventory-per-page", "pagemap-1.img: entry {0}: region blocks, but inventory.img says per-page compression" },
        { "inventory-region-size", "pagemap-1.img: entry {0}: region of 4 pages, but inventory.img says regions of 32768 bytes" },
        { "inventory-version", "inventory.img: compress mode 1 needs img_version 3, not 2" },
        { "inventory-region-size-bad", "inventory.img: compress_region_size 5000 is not a multiple of 4096 between 4096 and 4194304" },
    };

    [Theory]
    [MemberData(nameof(Violations))]
    public void Each_validation_rule_is_an_error_naming_image_and_entry(string violation, string message)
    {
        using var dir = new ScratchDir();
        var region = violation is "inventory-per-page" or "inventory-region-size" ? 4 : 0;
        var dump = Piggie.Value.Compress(region);
        var (head, entries) = DumpFiles.ReadPagemap(dump["pagemap-1.img"]);
        var index = entries.FindIndex(e => e.CompressedSize.Count > 0);
        var e = entries[index];
        var inventory = dump.Inventory;
        var expected = string.Format(System.Globalization.CultureInfo.InvariantCulture, message, index + 1, null,
            e.CompressedSize.Count + 1, e.CompressedSize.Count, e.TotalCompressedSize + 1, e.TotalCompressedSize, entries[0].Vaddr, e.Vaddr + 16);
        switch (violation)
        {
            case "metadata-not-present": e.Flags = (uint)PageFlags.Lazy; break;
            case "partial-metadata": e.CompressedSize.Clear(); e.RegionPages = 4; break;
            case "aligned-not-present": e.Flags = (uint)(PageFlags.Lazy | PageFlags.PayloadAligned); break;
            case "present-and-parent": e.Flags |= (uint)PageFlags.Parent; break;
            case "block-count": e.CompressedSize.Add(0); break;
            case "size-too-large": e.CompressedSize[0] = 4097; break;
            case "total-mismatch": e.TotalCompressedSize++; break;
            case "region-too-large": e.RegionPages = 2048; break;
            case "no-pages": e.NrPages = 0; break;
            case "overlap": entries[1].Vaddr = entries[0].Vaddr; break;
            case "unaligned-address": e.Vaddr += 16; break;
            case "inventory-off": inventory.Compress = 0; break;
            case "inventory-region": inventory.Compress = PagesCompression.Region; inventory.CompressRegionSize = 16384; break;
            case "inventory-per-page": inventory.Compress = PagesCompression.PerPage; inventory.ClearCompressRegionSize(); break;
            case "inventory-region-size": inventory.CompressRegionSize = 32768; break;
            case "inventory-version": inventory.ImgVersion = 2; break;
            case "inventory-region-size-bad": inventory.Compress = PagesCompression.Region; inventory.CompressRegionSize = 5000; break;
        }
        dump["pagemap-1.img"] = DumpFiles.WritePagemap(head, entries);
        dump.Inventory = inventory;
        var path = dump.WriteArchive(dir.Path, "c.tar.zst", TestArchive.Zstd);
        Assert.Equal(expected, CliRunner.AssertError(CliRunner.Run("memparse", path)));
        Assert.Equal(expected, CliRunner.AssertError(CliRunner.Run("memparse", path, "--pid", "1")));
    }

    [Fact]
    public void Truncated_pages_file_and_a_bad_lz4_block_are_errors_naming_the_image()
    {
        using var dir = new ScratchDir();
        var dump = Piggie.Value.Compress();
        var (head, entries) = DumpFiles.ReadPagemap(dump["pagemap-1.img"]);
        var pagesName = $"pages-{head.PagesId}.img";
        var pages = dump[pagesName];
        var truncated = dump.Clone();
        truncated[pagesName] = pages[..^1];
        var path = truncated.WriteArchive(dir.Path, "t.tar");
        Assert.Equal($"{pagesName}: {pages.Length - 1} bytes, but pagemap-1.img needs {pages.Length} (compressed)",
            CliRunner.AssertError(CliRunner.Run("memparse", path, "--pid", "1")));

        // The first LZ4 block of the first compressed entry, overwritten with a literal run far longer than the block.
        var pagemap = Pagemap.Decode("pagemap-1.img", dump["pagemap-1.img"]);
        var (runIndex, run) = pagemap.Runs.Select((r, i) => (i, r)).First(x => x.r.Blocks != null);
        var block = Enumerable.Range(0, run.Blocks!.Count).First(b => run.Blocks.StoredSize(b) is > 0 and < 4096);
        var at = (int)(run.FileOffsetInPages + run.Blocks.Offset(block));
        var broken = dump.Clone();
        broken[pagesName].AsSpan(at, (int)run.Blocks.StoredSize(block)).Fill(0xff);
        path = broken.WriteArchive(dir.Path, "b.tar.gz", TestArchive.Gzip);
        Assert.Equal($"pagemap-1.img: entry {runIndex + 1}: block {block}: {run.Blocks.StoredSize(block)} bytes are not an LZ4 block of 4096 bytes",
            CliRunner.AssertError(CliRunner.Run("memparse", path, "--pid", "1", "-s", "x")));
    }

    [Fact]
    public void Whole_file_compressed_pages_are_reported_unsupported()
    {
        using var dir = new ScratchDir();
        var dump = Piggie.Value.Clone();
        var (head, _) = DumpFiles.ReadPagemap(dump["pagemap-1.img"]);
        dump[$"pages-{head.PagesId}.comp.img"] = dump[$"pages-{head.PagesId}.img"];
        dump.Remove($"pages-{head.PagesId}.img");
        var path = dump.WriteArchive(dir.Path, "w.tar");
        Assert.Equal($"pages-{head.PagesId}.comp.img: whole-file compressed pages are not supported",
            CliRunner.AssertError(CliRunner.Run("memparse", path, "--pid", "1")));
    }

    private static string Write(DumpFiles dump, string dir, string container, string name) => container switch
    {
        "tar" => dump.WriteArchive(dir, name + ".tar"),
        "tar.gz" => dump.WriteArchive(dir, name + ".tar.gz", TestArchive.Gzip),
        "tar.zst" => dump.WriteArchive(dir, name + ".tar.zst", TestArchive.Zstd),
        "dir" => dump.WriteDirectory(dir, name),
        _ => dump.WriteCriuDirectory(dir, name),
    };

    /// <summary>The process tree of <c>inspect --ps-tree-cmd --ps-tree-env</c>; the checkpoint's sizes differ and are left out.</summary>
    private static string Tree(string path) => string.Join('\n',
        Run(path, "inspect", "--ps-tree-cmd", "--ps-tree-env").Split('\n').Where(l => !l.Contains(" size: ", StringComparison.Ordinal)));

    /// <summary>A command's output with the checkpoint's path replaced, asserting success.</summary>
    private static string Run(string path, params string[] args)
    {
        var result = CliRunner.Run([args[0], path, .. args[1..]]);
        Assert.True(result.ExitCode == 0 && result.Stderr.Length == 0, result.Stderr);
        return result.Stdout.Replace(path, "<CHECKPOINT>", StringComparison.Ordinal);
    }

    /// <summary>PID 1's pagemap as the tool reads it.</summary>
    private sealed class CriuImagesOf
    {
        public CriuImagesOf(string path)
        {
            using var archive = CheckpointArchive.Open(path, new ArchiveRequest { Hold = [ArchiveLayout.Image("*")] });
            Pagemap = new Core.Model.CriuImages(archive).Pagemap(1);
        }

        public Pagemap Pagemap { get; }
    }
}
