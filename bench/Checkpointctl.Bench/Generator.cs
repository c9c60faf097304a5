using System.Buffers.Binary;
using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using Checkpointctl.Core.Criu;
using Checkpointctl.Core.Criu.Images;
using Google.Protobuf;
using Microsoft.Win32.SafeHandles;
using ZstdSharp;

namespace Checkpointctl.Bench;

/// <summary>
/// <c>gen</c>: copies a fixture archive, giving one process an extra PE_PRESENT pagemap run of N MiB whose pages are
/// appended to its pages image, and an anonymous mapping of them in its mm image. Every other member is copied byte
/// for byte (headers included); the three changed members get headers written by <see cref="TarWriter"/> in the
/// source entry's format. Everything is streamed.
/// </summary>
internal static class Generator
{
    private const ulong PreferredVaddr = 0x7f0000000000;
    private const ulong UserSpaceEnd = 0x800000000000;
    private const int CopyBuffer = 1 << 20;

    // One member of the source archive: [HeaderStart, End) holds its header(s), data and padding.
    private sealed record Member(string Name, long HeaderStart, long DataOffset, long Length, long End, EntryMetadata Metadata);

    private sealed record EntryMetadata(
        TarEntryType Type, TarEntryFormat Format, string Name, UnixFileMode Mode, DateTimeOffset ModificationTime,
        int Uid, int Gid, string? UserName, string? GroupName, DateTimeOffset? AccessTime, DateTimeOffset? ChangeTime,
        IReadOnlyDictionary<string, string>? ExtendedAttributes);

    public static void Run(string fixture, int mib, int pid, string outDir)
    {
        if (mib <= 0)
            throw new ArgumentException("--mib must be positive");
        var clock = Stopwatch.StartNew();
        Directory.CreateDirectory(outDir);
        using var source = File.OpenHandle(fixture, FileMode.Open, FileAccess.Read, FileShare.Read);
        var mmName = $"checkpoint/mm-{pid}.img";
        var (members, pagemapBytes, mmBytes) = Index(fixture, $"checkpoint/pagemap-{pid}.img", mmName);

        var pagemapName = $"checkpoint/pagemap-{pid}.img";
        var oldMap = Pagemap.Decode(pagemapName, pagemapBytes);
        var pagesName = $"checkpoint/{oldMap.PagesImageName}";
        var pagesMember = members.LastOrDefault(m => m.Name == pagesName)
            ?? throw new InvalidDataException($"{fixture}: no {pagesName} (pages_id {oldMap.PagesId} of {pagemapName})");
        var expected = (long)oldMap.PresentPages * oldMap.PageSize;
        if (pagesMember.Length != expected)
            throw new InvalidDataException($"{fixture}: {pagesName} is {pagesMember.Length} bytes, {pagemapName} maps {expected}");

        // The new run: above every existing run, page aligned, in ascending order (so it is simply appended).
        var extraPages = (ulong)mib * (1UL << 20) / PageContent.PageSize;
        var highest = oldMap.Runs.Count == 0 ? 0 : oldMap.Runs.Max(r => r.Address + r.PageCount * (ulong)oldMap.PageSize);
        var vaddr = highest <= PreferredVaddr ? PreferredVaddr : (highest + 0x1fffff) & ~0x1fffffUL;
        if (vaddr + extraPages * PageContent.PageSize > UserSpaceEnd)
            throw new InvalidDataException($"no room for {mib} MiB above 0x{highest:x}");
        var entry = new PagemapEntry { Vaddr = vaddr, CompatNrPages = 0, Flags = (uint)PageFlags.Present, NrPages = extraPages };
        var newPagemap = AppendEntry(pagemapBytes, entry);

        // Self-check with the core decoder: the new pagemap must map exactly the new pages image.
        var newMap = Pagemap.Decode(pagemapName, newPagemap);
        var newPagesLength = pagesMember.Length + (long)extraPages * PageContent.PageSize;
        if ((long)newMap.PresentPages * newMap.PageSize != newPagesLength || newMap.PagesId != oldMap.PagesId)
            throw new InvalidOperationException("generated pagemap does not match the generated pages image");

        // The process maps the new pages (anonymous, read-write), as a real process's dumped memory is mapped.
        var newMm = AddMapping(mmBytes, vaddr, vaddr + extraPages * PageContent.PageSize);

        var tarPath = Path.Combine(outDir, "big.tar");
        WriteTar(source, members, tarPath, new Dictionary<string, byte[]> { [pagemapName] = newPagemap, [mmName] = newMm }, pagesName, extraPages);
        var tarTime = clock.Elapsed;

        // Compress the finished tar twice in parallel, each as one stream (output written under a temporary name).
        var gz = Task.Run(() => Compress(tarPath, Path.Combine(outDir, "big.tar.gz"),
            s => new GZipStream(s, CompressionLevel.Fastest, leaveOpen: false)));
        var zst = Task.Run(() => Compress(tarPath, Path.Combine(outDir, "big.tar.zst"),
            s => new CompressionStream(s, level: 3, leaveOpen: false)));
        Task.WaitAll(gz, zst);

        var tarLength = new FileInfo(tarPath).Length;
        Console.WriteLine($"{pagemapName}: pages_id {oldMap.PagesId}, {oldMap.Runs.Count} runs -> {newMap.Runs.Count}; " +
                          $"new run vaddr 0x{vaddr:x} nr_pages {extraPages} flags {(uint)PageFlags.Present}");
        Console.WriteLine($"{pagesName}: {pagesMember.Length} -> {newPagesLength} bytes");
        foreach (var name in new[] { "big.tar", "big.tar.gz", "big.tar.zst" })
        {
            var length = new FileInfo(Path.Combine(outDir, name)).Length;
            Console.WriteLine($"{Path.Combine(outDir, name)}: {length} bytes (ratio {(double)tarLength / length:F2}:1)");
        }
        Console.WriteLine($"tar {tarTime.TotalSeconds:F1}s, total {clock.Elapsed.TotalSeconds:F1}s");
    }

    // Pass 1: where each member lives, plus the pagemap's and mm's bytes (small).
    private static (List<Member> Members, byte[] Pagemap, byte[] Mm) Index(string fixture, string pagemapName, string mmName)
    {
        var members = new List<Member>();
        byte[]? pagemap = null, mm = null;
        using var stream = new FileStream(fixture, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
        using var reader = new TarReader(stream, leaveOpen: true);
        long cursor = 0;
        while (reader.GetNextEntry(copyData: false) is { } entry)
        {
            var name = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name;
            var end = entry.DataOffset + ((entry.Length + 511) & ~511L);
            members.Add(new Member(name, cursor, entry.DataOffset, entry.Length, end, Describe(entry)));
            cursor = end;
            if ((name == pagemapName || name == mmName) && entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile)
            {
                var bytes = new byte[entry.Length];
                entry.DataStream!.ReadExactly(bytes);
                if (name == pagemapName)
                    pagemap = bytes;
                else
                    mm = bytes;
            }
        }
        return (members, pagemap ?? throw new InvalidDataException($"the fixture has no {pagemapName}"),
            mm ?? throw new InvalidDataException($"the fixture has no {mmName}"));
    }

    private static EntryMetadata Describe(TarEntry e) => new(
        e.EntryType, e.Format, e.Name, e.Mode, e.ModificationTime, e.Uid, e.Gid,
        (e as PosixTarEntry)?.UserName, (e as PosixTarEntry)?.GroupName,
        (e as GnuTarEntry)?.AccessTime, (e as GnuTarEntry)?.ChangeTime,
        (e as PaxTarEntry)?.ExtendedAttributes.ToDictionary());

    // CRIU framing (format doc §1.3): the original image unchanged, then u32 LE size + the new message.
    private static byte[] AppendEntry(byte[] image, PagemapEntry entry)
    {
        if (image.Length < 8 || BinaryPrimitives.ReadUInt32LittleEndian(image) != CriuMagic.ImgCommon
                             || BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(4)) != CriuMagic.Pagemap)
            throw new InvalidDataException("pagemap image lacks the IMG_COMMON + PAGEMAP magics");
        var message = entry.ToByteArray();
        var result = new byte[image.Length + 4 + message.Length];
        image.CopyTo(result, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(image.Length), (uint)message.Length);
        message.CopyTo(result, image.Length + 4);
        return result;
    }

    // The mm image with one more anonymous private read-write mapping [start, end), kept in address order.
    private static byte[] AddMapping(byte[] image, ulong start, ulong end)
    {
        if (image.Length < 12 || BinaryPrimitives.ReadUInt32LittleEndian(image) != CriuMagic.ImgCommon
                              || BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(4)) != CriuMagic.Mm)
            throw new InvalidDataException("mm image lacks the IMG_COMMON + MM magics");
        var size = (int)BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(8));
        var mm = MmEntry.Parser.ParseFrom(image.AsSpan(12, size));
        var at = mm.Vmas.TakeWhile(v => v.Start < start).Count();
        mm.Vmas.Insert(at, new VmaEntry { Start = start, End = end, Prot = 3, Flags = 0x22, Status = 0x201, Fd = -1 });
        var message = mm.ToByteArray();
        var result = new byte[12 + message.Length];
        image.AsSpan(0, 8).CopyTo(result);
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(8), (uint)message.Length);
        message.CopyTo(result, 12);
        return result;
    }

    // Pass 2: raw copies for unchanged members, TarWriter for the changed ones, then the source's trailer.
    private static void WriteTar(SafeFileHandle source, List<Member> members, string path,
                                 Dictionary<string, byte[]> replaced, string pagesName, ulong extraPages)
    {
        var temp = path + ".tmp";
        using (var output = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, CopyBuffer))
        {
            // Not disposed on purpose: disposing would append TarWriter's own end-of-archive blocks, and the
            // source's trailer is copied instead. It holds no resources of its own (leaveOpen).
            var writer = new TarWriter(output, leaveOpen: true);
            var buffer = new byte[CopyBuffer];
            foreach (var m in members)
            {
                if (replaced.TryGetValue(m.Name, out var bytes) && m.Metadata.Type is TarEntryType.RegularFile or TarEntryType.V7RegularFile)
                    writer.WriteEntry(Rebuild(m.Metadata, new MemoryStream(bytes, writable: false)));
                else if (m.Name == pagesName && m.Metadata.Type is TarEntryType.RegularFile or TarEntryType.V7RegularFile)
                    writer.WriteEntry(Rebuild(m.Metadata, new ExtendedPagesStream(source, m.DataOffset, m.Length, (long)extraPages)));
                else
                    CopyRange(source, m.HeaderStart, m.End, output, buffer);
            }
            CopyRange(source, members.Count == 0 ? 0 : members[^1].End, RandomAccess.GetLength(source), output, buffer);
        }
        File.Move(temp, path, overwrite: true);
    }

    private static TarEntry Rebuild(EntryMetadata m, Stream data)
    {
        TarEntry entry = m.Format switch
        {
            TarEntryFormat.V7 => new V7TarEntry(m.Type, m.Name),
            TarEntryFormat.Gnu => new GnuTarEntry(m.Type, m.Name)
            {
                AccessTime = m.AccessTime ?? default,
                ChangeTime = m.ChangeTime ?? default,
            },
            TarEntryFormat.Pax => new PaxTarEntry(m.Type, m.Name,
                m.ExtendedAttributes!.Where(kv => kv.Key is not ("size" or "path"))),
            _ => new UstarTarEntry(m.Type, m.Name),
        };
        entry.Mode = m.Mode;
        entry.ModificationTime = m.ModificationTime;
        entry.Uid = m.Uid;
        entry.Gid = m.Gid;
        if (entry is PosixTarEntry posix)
        {
            posix.UserName = m.UserName ?? "";
            posix.GroupName = m.GroupName ?? "";
        }
        entry.DataStream = data;
        return entry;
    }

    private static void CopyRange(SafeFileHandle source, long start, long end, Stream output, byte[] buffer)
    {
        while (start < end)
        {
            var n = RandomAccess.Read(source, buffer.AsSpan(0, (int)Math.Min(buffer.Length, end - start)), start);
            if (n == 0)
                throw new EndOfStreamException("fixture ended early");
            output.Write(buffer, 0, n);
            start += n;
        }
    }

    private static void Compress(string input, string path, Func<Stream, Stream> compressor)
    {
        var temp = path + ".tmp";
        using (var source = new FileStream(input, FileMode.Open, FileAccess.Read, FileShare.Read, 0))
        using (var compressed = compressor(new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, CopyBuffer)))
            source.CopyTo(compressed, CopyBuffer);
        File.Move(temp, path, overwrite: true);
    }
}
