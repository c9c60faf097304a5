using System.Buffers.Binary;
using Checkpointctl.Core.Criu;
using Checkpointctl.Core.Criu.Images;
using Google.Protobuf;
using K4os.Compression.LZ4;

namespace Checkpointctl.Bench;

/// <summary>
/// <c>gen-pages</c>: CRIU image directories made from a fixture's (<c>criu dump -D</c>) whose PID 1 gets an extra
/// run of N MiB of <see cref="PageContent"/> pages, stored as: <c>flat/</c> (raw), <c>lz4-page/</c> and
/// <c>lz4-region/</c> (LZ4 blocks of 1 and 64 pages, laid out as CRIU does, checkpoint-shapes.md §1), and a two-level
/// chain <c>chain/dump1</c> (all pages, raw) + <c>chain/dump2</c> (every third page, the rest PE_PARENT, with a
/// <c>parent</c> link: the worst case, a run per page) and <c>chain/dump2-runs</c> (every third run of 16 pages, as
/// pages dirtied in clusters leave them, with the same parent); plus <c>pages.raw</c>, the extra run alone, for <c>lz4</c> to compress as a reference.
/// Pages are written as they are produced.
/// </summary>
internal static class PagesGenerator
{
    private const int Page = PageContent.PageSize;

    public static void Run(string criuDir, int mib, string outDir)
    {
        var pagemap = File.ReadAllBytes(Path.Combine(criuDir, "pagemap-1.img"));
        var reader = CriuImageReader.Open("pagemap-1.img", pagemap, CriuMagic.Pagemap);
        var head = reader.Read(PagemapHead.Parser);
        var entries = new List<PagemapEntry>();
        while (reader.TryRead(PagemapEntry.Parser, out var e))
            entries.Add(e);
        var pagesName = $"pages-{head.PagesId}.img";
        var fixturePages = File.ReadAllBytes(Path.Combine(criuDir, pagesName));
        var extra = (ulong)mib * (1UL << 20) / Page;
        // Above every run of the fixture (the stack is near the top of user space), 2 MiB aligned.
        var top = entries.Max(e => e.Vaddr + (e.HasNrPages ? e.NrPages : e.CompatNrPages) * Page);
        var vaddr = (top + 0x1fffff) & ~0x1fffffUL;
        entries.Add(new PagemapEntry { Vaddr = vaddr, NrPages = extra, Flags = (uint)PageFlags.Present });

        // Each present run's pages, in order: the fixture's, then the generated ones.
        IEnumerable<(PagemapEntry Entry, Func<long, byte[]> Page)> Runs()
        {
            long offset = 0;
            foreach (var e in entries)
            {
                if ((e.Flags & (uint)PageFlags.Present) == 0)
                {
                    yield return (e, null!);
                    continue;
                }
                var start = offset;
                var generated = e.Vaddr == vaddr;
                var buffer = new byte[Page];
                yield return (e, i =>
                {
                    if (generated)
                        PageContent.Fill(i, buffer);
                    else
                        fixturePages.AsSpan((int)(start + i * Page), Page).CopyTo(buffer);
                    return buffer;
                });
                if (!generated)
                    offset += (long)(e.HasNrPages ? e.NrPages : e.CompatNrPages) * Page;
            }
        }

        Write(criuDir, Path.Combine(outDir, "flat"), head, Runs(), 0, null);
        Write(criuDir, Path.Combine(outDir, "lz4-page"), head, Runs(), 1, null);
        Write(criuDir, Path.Combine(outDir, "lz4-region"), head, Runs(), 64, null);
        Write(criuDir, Path.Combine(outDir, "chain", "dump1"), head, Runs(), 0, null, memoryOnly: true);
        Write(criuDir, Path.Combine(outDir, "chain", "dump2"), head, Runs(), 0, address => address / Page % 3 == 0);
        Write(criuDir, Path.Combine(outDir, "chain", "dump2-runs"), head, Runs(), 0, address => address / (16 * Page) % 3 == 0);
        foreach (var child in new[] { "dump2", "dump2-runs" })
        {
            var link = Path.Combine(outDir, "chain", child, "parent");
            if (!File.Exists(link) && !Directory.Exists(link))
                File.CreateSymbolicLink(link, "../dump1");
        }
        using (var raw = File.Create(Path.Combine(outDir, "pages.raw")))
        {
            var page = new byte[Page];
            for (long i = 0; i < (long)extra; i++)
            {
                PageContent.Fill(i, page);
                raw.Write(page);
            }
        }
        Console.WriteLine($"{outDir}: flat, lz4-page, lz4-region, chain/dump1+dump2 with {mib} MiB extra pages for PID 1, pages.raw");
    }

    // One image directory: the fixture's images, PID 1's pagemap and pages rewritten. blockPages 0: raw; `keep`: the
    // pages to store here (the rest PE_PARENT).
    private static void Write(string criuDir, string dir, PagemapHead head, IEnumerable<(PagemapEntry Entry, Func<long, byte[]> Page)> runs,
                              int blockPages, Func<ulong, bool>? keep, bool memoryOnly = false)
    {
        Directory.CreateDirectory(dir);
        foreach (var file in Directory.EnumerateFiles(criuDir))
        {
            var name = Path.GetFileName(file);
            if (!memoryOnly || name == "inventory.img" || name.StartsWith("pagemap-", StringComparison.Ordinal) || name.StartsWith("pages-", StringComparison.Ordinal))
                File.Copy(file, Path.Combine(dir, name), overwrite: true);
        }
        var entries = new List<PagemapEntry>();
        using (var pages = new FileStream(Path.Combine(dir, $"pages-{head.PagesId}.img"), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            var target = new byte[LZ4Codec.MaximumOutputSize(64 * Page)];
            foreach (var (entry, page) in runs)
            {
                if (page == null)
                {
                    entries.Add(entry.Clone());
                    continue;
                }
                var count = (long)(entry.HasNrPages ? entry.NrPages : entry.CompatNrPages);
                if (keep != null)
                {
                    for (long i = 0; i < count;)
                    {
                        var here = keep(entry.Vaddr + (ulong)(i * Page));
                        var j = i;
                        while (j < count && keep(entry.Vaddr + (ulong)(j * Page)) == here)
                        {
                            if (here)
                                pages.Write(page(j));
                            j++;
                        }
                        entries.Add(new PagemapEntry { Vaddr = entry.Vaddr + (ulong)(i * Page), NrPages = (ulong)(j - i), Flags = here ? entry.Flags : (uint)PageFlags.Parent });
                        i = j;
                    }
                    continue;
                }
                var e = entry.Clone();
                entries.Add(e);
                if (blockPages == 0)
                {
                    for (long i = 0; i < count; i++)
                        pages.Write(page(i));
                    continue;
                }
                var block = new byte[blockPages * Page];
                for (long first = 0; first < count; first += blockPages)
                {
                    var n = (int)Math.Min(blockPages, count - first);
                    for (var i = 0; i < n; i++)
                        page(first + i).CopyTo(block, i * Page);
                    var data = block.AsSpan(0, n * Page);
                    if (!data.ContainsAnyExcept((byte)0))
                    {
                        e.CompressedSize.Add(0);
                        continue;
                    }
                    var size = LZ4Codec.Encode(data, target);
                    if (size <= 0 || size >= data.Length / 8 * 7)
                    {
                        pages.Write(data);
                        e.CompressedSize.Add((uint)data.Length);
                    }
                    else
                    {
                        pages.Write(target, 0, size);
                        e.CompressedSize.Add((uint)size);
                    }
                }
                e.TotalCompressedSize = (ulong)e.CompressedSize.Sum(s => (long)s);
                if (blockPages > 1)
                    e.RegionPages = (uint)blockPages;
            }
        }
        File.WriteAllBytes(Path.Combine(dir, "pagemap-1.img"), Frame(CriuMagic.Pagemap, [head, .. entries]));
        if (blockPages > 0)
        {
            var image = File.ReadAllBytes(Path.Combine(criuDir, "inventory.img"));
            var inventory = CriuImageReader.Open("inventory.img", image, CriuMagic.Inventory).Read(InventoryEntry.Parser);
            inventory.ImgVersion = PagesCompression.ImageVersion3;
            inventory.Compress = blockPages > 1 ? PagesCompression.Region : PagesCompression.PerPage;
            if (blockPages > 1)
                inventory.CompressRegionSize = (uint)(blockPages * Page);
            var message = inventory.ToByteArray();
            var framed = new byte[8 + message.Length];
            BinaryPrimitives.WriteUInt32LittleEndian(framed, CriuMagic.Inventory);
            BinaryPrimitives.WriteUInt32LittleEndian(framed.AsSpan(4), (uint)message.Length);
            message.CopyTo(framed, 8);
            File.WriteAllBytes(Path.Combine(dir, "inventory.img"), framed);
        }
    }

    private static byte[] Frame(uint magic, IMessage[] entries)
    {
        var output = new MemoryStream();
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(word, CriuMagic.ImgCommon);
        output.Write(word);
        BinaryPrimitives.WriteUInt32LittleEndian(word, magic);
        output.Write(word);
        foreach (var entry in entries)
        {
            var bytes = entry.ToByteArray();
            BinaryPrimitives.WriteUInt32LittleEndian(word, (uint)bytes.Length);
            output.Write(word);
            output.Write(bytes);
        }
        return output.ToArray();
    }
}
