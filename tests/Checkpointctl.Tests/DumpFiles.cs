using System.Buffers.Binary;
using System.Formats.Tar;
using Checkpointctl.Core.Criu;
using Checkpointctl.Core.Criu.Images;
using Google.Protobuf;
using K4os.Compression.LZ4;

namespace Checkpointctl.Tests;

/// <summary>
/// The files of a real checkpoint in memory (archive member names, <c>checkpoint/…</c> for CRIU images), rewritten into
/// the shapes of checkpoint-shapes.md as CRIU, crit and Podman lay them out, and written back as an archive, an
/// unpacked directory or a bare CRIU image directory.
/// </summary>
internal sealed class DumpFiles
{
    public const int Page = 4096;
    private const string Prefix = "checkpoint/";

    public List<(string Name, byte[] Data)> Files { get; } = [];

    /// <summary>The counts of each kind of block written by <see cref="Compress"/>.</summary>
    public (int Zero, int Raw, int Lz4, int Aligned, int Unaligned) Blocks;

    public static DumpFiles FromArchive(string path)
    {
        var dump = new DumpFiles();
        using var reader = new TarReader(File.OpenRead(path));
        while (reader.GetNextEntry() is { } entry)
        {
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
                continue;
            var data = new byte[entry.Length];
            entry.DataStream?.ReadExactly(data);
            dump.Files.Add((entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name, data));
        }
        return dump;
    }

    /// <summary>A <c>criu dump -D</c> directory: its images become <c>checkpoint/…</c>.</summary>
    public static DumpFiles FromCriuDirectory(string dir)
    {
        var dump = new DumpFiles();
        foreach (var file in Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal))
            dump.Files.Add((Prefix + Path.GetFileName(file), File.ReadAllBytes(file)));
        return dump;
    }

    public DumpFiles Clone()
    {
        var copy = new DumpFiles();
        copy.Files.AddRange(Files.Select(f => (f.Name, (byte[])f.Data.Clone())));
        return copy;
    }

    public byte[] this[string image]
    {
        get => Files.Single(f => f.Name == Prefix + image).Data;
        set
        {
            var i = Files.FindIndex(f => f.Name == Prefix + image);
            if (i < 0)
                Files.Add((Prefix + image, value));
            else
                Files[i] = (Prefix + image, value);
        }
    }

    public bool Has(string image) => Files.Any(f => f.Name == Prefix + image);

    public void Remove(string image) => Files.RemoveAll(f => f.Name == Prefix + image);

    /// <summary>Task and shmem pagemaps.</summary>
    public List<string> Pagemaps() =>
        Files.Select(f => f.Name).Where(n => n.StartsWith(Prefix + "pagemap-", StringComparison.Ordinal)).Select(n => n[Prefix.Length..]).ToList();

    // --- CRIU framing --------------------------------------------------------------------------------------------

    public static (PagemapHead Head, List<PagemapEntry> Entries) ReadPagemap(byte[] image)
    {
        var reader = CriuImageReader.Open("pagemap", image, CriuMagic.Pagemap);
        var head = reader.Read(PagemapHead.Parser);
        var entries = new List<PagemapEntry>();
        while (reader.TryRead(PagemapEntry.Parser, out var e))
            entries.Add(e);
        return (head, entries);
    }

    public static byte[] WritePagemap(PagemapHead head, IEnumerable<PagemapEntry> entries) =>
        SyntheticCheckpoint.Frame(CriuMagic.Pagemap, [head, .. entries]);

    public InventoryEntry Inventory
    {
        get => CriuImageReader.Open("inventory.img", this["inventory.img"], CriuMagic.Inventory).Read(InventoryEntry.Parser);
        set
        {
            // inventory.img has no IMG_COMMON head magic: the type magic, then one entry.
            var message = value.ToByteArray();
            var image = new byte[8 + message.Length];
            BinaryPrimitives.WriteUInt32LittleEndian(image, CriuMagic.Inventory);
            BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(4), (uint)message.Length);
            message.CopyTo(image, 8);
            this["inventory.img"] = image;
        }
    }

    public static ulong Pages(PagemapEntry e) => e.HasNrPages ? e.NrPages : e.CompatNrPages;

    public static bool IsPresent(PagemapEntry e) => !e.HasFlags || (e.Flags & 4) != 0;

    /// <summary>Each present entry's pages, from the raw pages file of an uncompressed dump.</summary>
    public static List<(PagemapEntry Entry, byte[]? Data)> RawRuns(byte[] pagemap, byte[] pages)
    {
        var (_, entries) = ReadPagemap(pagemap);
        var runs = new List<(PagemapEntry, byte[]?)>();
        long offset = 0;
        foreach (var e in entries)
        {
            if (!IsPresent(e))
            {
                runs.Add((e, null));
                continue;
            }
            var length = (int)Pages(e) * Page;
            runs.Add((e, pages.AsSpan((int)offset, length).ToArray()));
            offset += length;
        }
        return runs;
    }

    /// <summary>
    /// Appends to <paramref name="pid"/>'s memory one present run above its others: 4 zero, 4 random and 4 text pages
    /// and 52 zero pages, then 64 of each kind, so that per-page and region blocks (4 to 64 pages) of every kind (zero,
    /// raw, LZ4) occur.
    /// </summary>
    public DumpFiles WithMixedRun(uint pid)
    {
        var dump = Clone();
        var (head, entries) = ReadPagemap(this[$"pagemap-{pid}.img"]);
        var pagesName = $"pages-{head.PagesId}.img";
        var random = new Random(42);
        byte[] Zero(int pages) => new byte[pages * Page];
        byte[] Noise(int pages)
        {
            var bytes = new byte[pages * Page];
            random.NextBytes(bytes);
            return bytes;
        }
        byte[] Text(int pages) => System.Text.Encoding.ASCII.GetBytes(
            string.Concat(Enumerable.Range(0, pages * Page / 32).Select(i => $"MIXED-RUN {i:d6} PATH=/usr/bin/ ")));
        byte[] data = [.. Zero(4), .. Noise(4), .. Text(4), .. Zero(52), .. Zero(64), .. Noise(64), .. Text(64)];
        var last = entries[^1];
        var vaddr = (last.Vaddr + Pages(last) * Page + 0x10_0000) & ~0xf_ffffUL;
        entries.Add(new PagemapEntry { Vaddr = vaddr, NrPages = (ulong)(data.Length / Page), Flags = (uint)PageFlags.Present });
        dump[$"pagemap-{pid}.img"] = WritePagemap(head, entries);
        dump[pagesName] = [.. this[pagesName], .. data];
        return dump;
    }

    // --- compressed pages (checkpoint-shapes.md §1) ----------------------------------------------------------------

    /// <summary>
    /// Compresses every pagemap's pages as CRIU and crit do: blocks of <paramref name="regionPages"/> pages (0: per-page
    /// mode), all-zero blocks stored as 0, LZ4 blocks unless they save less than 1/8 (then raw), metadata dropped from
    /// entries whose blocks are all raw, and PE_PAYLOAD_ALIGNED on entries whose first stored block is raw (unless
    /// <paramref name="align"/> is false). The inventory gets img_version 3 and the mode.
    /// </summary>
    public DumpFiles Compress(int regionPages = 0, bool align = true)
    {
        var dump = Clone();
        foreach (var name in Pagemaps())
        {
            var (head, _) = ReadPagemap(this[name]);
            var pagesName = $"pages-{head.PagesId}.img";
            var output = new MemoryStream();
            var entries = new List<PagemapEntry>();
            foreach (var (entry, data) in RawRuns(this[name], this[pagesName]))
            {
                var e = entry.Clone();
                entries.Add(e);
                if (data == null)
                    continue;
                var blockPages = regionPages > 0 ? regionPages : 1;
                var stored = new List<(uint Size, byte[] Bytes, bool Raw)>();
                for (var at = 0; at < data.Length; at += blockPages * Page)
                    stored.Add(CompressBlock(data.AsSpan(at, Math.Min(blockPages * Page, data.Length - at)), ref dump.Blocks));
                var allRaw = stored.All(s => s.Raw);
                var firstRaw = stored.FirstOrDefault(s => s.Size > 0).Raw;
                if (align && (allRaw || firstRaw))
                {
                    e.Flags |= (uint)PageFlags.PayloadAligned;
                    output.SetLength((output.Length + Page - 1) / Page * Page);
                    output.Position = output.Length;
                    dump.Blocks.Aligned++;
                }
                else
                {
                    dump.Blocks.Unaligned++;
                }
                if (!allRaw)
                {
                    e.CompressedSize.AddRange(stored.Select(s => s.Size));
                    e.TotalCompressedSize = (ulong)stored.Sum(s => (long)s.Size);
                    if (regionPages > 0)
                        e.RegionPages = (uint)regionPages;
                }
                foreach (var s in stored)
                    output.Write(s.Bytes);
            }
            dump[name] = WritePagemap(head, entries);
            dump[pagesName] = output.ToArray();
        }
        var inventory = Inventory;
        inventory.ImgVersion = PagesCompression.ImageVersion3;
        inventory.Compress = regionPages > 0 ? PagesCompression.Region : PagesCompression.PerPage;
        if (regionPages > 0)
            inventory.CompressRegionSize = (uint)(regionPages * Page);
        dump.Inventory = inventory;
        return dump;
    }

    private static (uint Size, byte[] Bytes, bool Raw) CompressBlock(ReadOnlySpan<byte> block, ref (int Zero, int Raw, int Lz4, int Aligned, int Unaligned) counts)
    {
        if (!block.ContainsAnyExcept((byte)0))
        {
            counts.Zero++;
            return (0, [], false);
        }
        var target = new byte[LZ4Codec.MaximumOutputSize(block.Length)];
        var n = LZ4Codec.Encode(block, target);
        if (n <= 0 || n >= block.Length / 8 * 7)
        {
            counts.Raw++;
            return ((uint)block.Length, block.ToArray(), true);
        }
        counts.Lz4++;
        return ((uint)n, target.AsSpan(0, n).ToArray(), false);
    }

    // --- incremental dumps (checkpoint-shapes.md §4) ----------------------------------------------------------------

    /// <summary>
    /// A dump of the same memory whose present pages at page number p (address / 4096) are kept only where
    /// <paramref name="keep"/>(p), the others becoming PE_PARENT runs (as <c>criu dump --prev-images-dir</c> writes
    /// pages that did not change); non-present runs stay as they are.
    /// </summary>
    public DumpFiles Incremental(Func<ulong, bool> keep) => Rewrite(entry => Split(entry, p => keep(p) ? 1 : 0));

    /// <summary>Every present run cut into one-page runs (so a child's PE_PARENT runs span several of them).</summary>
    public DumpFiles OnePageRuns() => Rewrite(entry => Split(entry, p => (int)(p % 2) + 1));

    /// <summary>Only what a pre-dump writes: inventory, pagemaps and pages (no process tree, cores or files).</summary>
    public DumpFiles MemoryOnly()
    {
        var dump = Clone();
        dump.Files.RemoveAll(f => f.Name.StartsWith(Prefix, StringComparison.Ordinal)
                                  && !(f.Name == Prefix + "inventory.img" || f.Name.StartsWith(Prefix + "pagemap-", StringComparison.Ordinal)
                                       || f.Name.StartsWith(Prefix + "pages-", StringComparison.Ordinal)));
        return dump;
    }

    /// <summary>The CRIU images under another directory, e.g. <c>pre-checkpoint/</c> of a Podman pre-checkpoint export.</summary>
    public DumpFiles Under(string directory)
    {
        var dump = new DumpFiles();
        dump.Files.AddRange(Files.Select(f => (f.Name.StartsWith(Prefix, StringComparison.Ordinal) ? directory + f.Name[Prefix.Length..] : f.Name, f.Data)));
        return dump;
    }

    // Present runs cut where the group of the page number changes; pieces of group 0 go to the parent.
    private static IEnumerable<(ulong Address, int Pages, int Group)> Split(PagemapEntry entry, Func<ulong, int> groupOf)
    {
        var first = entry.Vaddr / Page;
        var count = Pages(entry);
        var start = first;
        for (var p = first + 1; p <= first + count; p++)
        {
            if (p == first + count || groupOf(p) != groupOf(start))
            {
                yield return (start * Page, (int)(p - start), groupOf(start));
                start = p;
            }
        }
    }

    private DumpFiles Rewrite(Func<PagemapEntry, IEnumerable<(ulong Address, int Pages, int Group)>> pieces)
    {
        var dump = Clone();
        foreach (var name in Pagemaps())
        {
            var (head, _) = ReadPagemap(this[name]);
            var pagesName = $"pages-{head.PagesId}.img";
            var output = new MemoryStream();
            var entries = new List<PagemapEntry>();
            foreach (var (entry, data) in RawRuns(this[name], this[pagesName]))
            {
                if (data == null)
                {
                    entries.Add(entry.Clone());
                    continue;
                }
                foreach (var (address, pages, group) in pieces(entry))
                {
                    var keep = group != 0;
                    var e = new PagemapEntry { Vaddr = address, NrPages = (ulong)pages, Flags = keep ? entry.Flags : (uint)PageFlags.Parent };
                    entries.Add(e);
                    if (keep)
                        output.Write(data, (int)(address - entry.Vaddr), pages * Page);
                }
            }
            dump[name] = WritePagemap(head, entries);
            dump[pagesName] = output.ToArray();
        }
        return dump;
    }

    // --- writing ---------------------------------------------------------------------------------------------------

    public byte[] ToTar(IEnumerable<(string Name, string Target)>? links = null)
    {
        var archive = new TestArchive();
        var directories = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, data) in Files)
        {
            var slash = name.IndexOf('/');
            if (slash > 0 && directories.Add(name[..(slash + 1)]))
                archive.Directory(name[..(slash + 1)]);
            archive.File(name, data);
        }
        foreach (var (name, target) in links ?? [])
            archive.Link(name, TarEntryType.SymbolicLink, target);
        return archive.ToTar();
    }

    public string WriteArchive(string dir, string name, Func<byte[], byte[]>? compress = null, IEnumerable<(string Name, string Target)>? links = null)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllBytes(path, (compress ?? (b => b))(ToTar(links)));
        return path;
    }

    /// <summary>The archive unpacked into a directory.</summary>
    public string WriteDirectory(string dir, string name)
    {
        var root = Path.Combine(dir, name);
        foreach (var (member, data) in Files)
        {
            var path = Path.Combine(root, member);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, data);
        }
        return root;
    }

    /// <summary>Only the CRIU images, at the top of the directory, as <c>criu dump -D</c> writes them.</summary>
    public string WriteCriuDirectory(string dir, string name)
    {
        var root = Directory.CreateDirectory(Path.Combine(dir, name)).FullName;
        foreach (var (member, data) in Files.Where(f => f.Name.StartsWith(Prefix, StringComparison.Ordinal)))
            File.WriteAllBytes(Path.Combine(root, member[Prefix.Length..]), data);
        return root;
    }
}
