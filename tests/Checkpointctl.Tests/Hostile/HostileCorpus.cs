using System.Buffers.Binary;
using System.Formats.Tar;
using System.Text;
using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Criu;
using Checkpointctl.Core.Criu.Images;
using Google.Protobuf;

namespace Checkpointctl.Tests.Hostile;

/// <summary>One broken variant of a fixture; the bytes are built only when asked for.</summary>
/// <param name="Name"><c>family@parameter</c>, e.g. <c>trunc-file@512</c> or <c>symlink-abs@config.dump</c>.</param>
public sealed record HostileVariant(string Fixture, string Name, Func<byte[]> Build)
{
    /// <summary>Damage every pass meets (a broken tar header): every command but list must refuse it as an invalid header.</summary>
    public bool InvalidHeader { get; init; }

    public string Id => $"{Fixture}/{Name}";
    public string Family => Name.Split('@')[0];

    /// <summary>The id as a file name (no <c>/</c>, no control characters).</summary>
    public string FileName => new(Id.Select(c => c == '/' || char.IsControl(c) || c == ' ' ? '_' : c).ToArray());
}

/// <summary>How much of each family the corpus holds, and how big the bombs are.</summary>
public sealed record CorpusOptions
{
    /// <summary>Random instances (bit flips, random offsets) per family and target.</summary>
    public int Seeds { get; init; } = 4;

    /// <summary>Zero bytes inside a gzip or zstd bomb (never materialised).</summary>
    public long BombBytes { get; init; } = 4L << 30;

    /// <summary>
    /// Zero bytes inside an xz bomb. Smaller than the others because xz decodes runs of zeros far more slowly than
    /// gzip and zstd (about 500 MB/s with liblzma, as fast as <c>xz -dc</c> itself, against several GB/s): 1 GiB
    /// decodes in about 2.1 s, while 4 GiB would take any xz decoder beyond the 5 s budget.
    /// </summary>
    public long XzBombBytes { get; init; } = 1L << 30;

    /// <summary>Size of a held member just under the 256 MiB limit (allocated in full by the reader).</summary>
    public long HeldBombBytes { get; init; } = (256L << 20) - 4096;

    public static CorpusOptions Full { get; } = new();
}

/// <summary>A shared fixture decompressed to plain tar, with what the mutations need to know about it.</summary>
public sealed class HostileFixture
{
    public required string Path { get; init; }
    public string Name => System.IO.Path.GetFileName(Path);
    public required CompressionKind Compression { get; init; }
    public required byte[] Original { get; init; }
    public required byte[] Tar { get; init; }
    public required IReadOnlyList<TarMember> Members { get; init; }
    public required IReadOnlyList<long> HeaderOffsets { get; init; }
    public required uint RootPid { get; init; }
    public required IReadOnlyList<uint> Pids { get; init; }

    public static HostileFixture Load(string path)
    {
        var original = File.ReadAllBytes(path);
        var tar = HostileCompression.Decompress(original);
        var members = new List<TarMember>();
        using (var reader = new TarReader(new MemoryStream(tar)))
        {
            while (reader.GetNextEntry(copyData: true) is { } e)
            {
                var data = new MemoryStream();
                e.DataStream?.CopyTo(data);
                members.Add(new TarMember(e.Name, e.EntryType == TarEntryType.V7RegularFile ? TarEntryType.RegularFile : e.EntryType, data.ToArray(), e.LinkName ?? ""));
            }
        }
        var pstree = members.First(m => m.Name.EndsWith("checkpoint/pstree.img", StringComparison.Ordinal)).Data;
        var entries = CriuImageReader.Open("pstree.img", pstree, CriuMagic.Pstree).ReadAll(PstreeEntry.Parser);
        return new HostileFixture
        {
            Path = path,
            Compression = Checkpointctl.Core.Archive.Compression.Detect(original),
            Original = original,
            Tar = tar,
            Members = members,
            HeaderOffsets = HostileTar.HeaderOffsets(tar),
            RootPid = entries.First(e => e.Ppid == 0).Pid,
            Pids = entries.Select(e => e.Pid).ToList(),
        };
    }

    public TarMember? Member(string name) => Members.FirstOrDefault(m => Normal(m.Name) == name);

    public bool Has(string name) => Member(name) != null;

    public static string Normal(string name) => name.StartsWith("./", StringComparison.Ordinal) ? Normal(name[2..]) : name.TrimEnd('/');

    /// <summary>Members the commands read: metadata, the root's images, and the last member.</summary>
    public IReadOnlyList<string> Targets()
    {
        var r = RootPid;
        var names = new List<string> { "config.dump", "spec.dump", "network.status", "stats-dump", "checkpoint/pstree.img", $"checkpoint/core-{r}.img",
            $"checkpoint/mm-{r}.img", $"checkpoint/pagemap-{r}.img", RootPagesMember ?? "", "checkpoint/files.img", "checkpoint/inventory.img" };
        names.Add(Normal(Members.Last(m => m.Type == TarEntryType.RegularFile).Name));
        return names.Where(Has).Distinct().ToList();
    }

    /// <summary>The root process's <c>pages-N.img</c>, from its pagemap.</summary>
    public string? RootPagesMember => Member($"checkpoint/pagemap-{RootPid}.img") is { } m
        ? "checkpoint/" + Pagemap.Decode("pagemap", m.Data).PagesImageName
        : null;

    /// <summary>Every CRIU image (<c>checkpoint/*.img</c> with a protobuf magic) and <c>stats-dump</c>.</summary>
    public IReadOnlyList<string> ProtobufImages() => Members
        .Where(m => m.Type == TarEntryType.RegularFile && m.Data.Length >= 8)
        .Select(m => Normal(m.Name))
        .Where(n => n == "stats-dump" || (n.StartsWith("checkpoint/", StringComparison.Ordinal) && n.EndsWith(".img", StringComparison.Ordinal)
                                          && !n.Contains("/pages-", StringComparison.Ordinal) && !n.Contains(".tar", StringComparison.Ordinal)))
        .Where(n => CriuFraming.TrySplit(Member(n)!.Data, out _))
        .ToList();
}

/// <summary>CRIU image framing (u32 LE magics, then u32 LE size + protobuf per entry) for images without payloads.</summary>
public static class CriuFraming
{
    public sealed record Image(uint Head, uint Magic, List<byte[]> Entries)
    {
        public int BodyOffset => Head != 0 ? 8 : 4;
    }

    public static bool TrySplit(byte[] data, out Image image)
    {
        image = null!;
        if (data.Length < 4)
            return false;
        var first = BinaryPrimitives.ReadUInt32LittleEndian(data);
        uint head = 0, magic = first;
        var offset = 4;
        if (first is CriuMagic.ImgCommon or CriuMagic.ImgService)
        {
            if (data.Length < 8)
                return false;
            head = first;
            magic = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(4));
            offset = 8;
        }
        if (CriuMagic.NameOf(magic) == null)
            return false;
        var entries = new List<byte[]>();
        while (offset < data.Length)
        {
            if (data.Length - offset < 4)
                return false;
            var size = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(offset));
            if (size > data.Length - offset - 4)
                return false;
            entries.Add(data.AsSpan(offset + 4, (int)size).ToArray());
            offset += 4 + (int)size;
        }
        image = new Image(head, magic, entries);
        return true;
    }

    public static Image Split(byte[] data) => TrySplit(data, out var image) ? image : throw new InvalidOperationException("not a framed CRIU image");

    public static byte[] Join(uint head, uint magic, IEnumerable<byte[]> entries)
    {
        var output = new MemoryStream();
        Span<byte> word = stackalloc byte[4];
        if (head != 0)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(word, head);
            output.Write(word);
        }
        BinaryPrimitives.WriteUInt32LittleEndian(word, magic);
        output.Write(word);
        foreach (var e in entries)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(word, (uint)e.Length);
            output.Write(word);
            output.Write(e);
        }
        return output.ToArray();
    }

    public static byte[] Join(Image image, IEnumerable<IMessage> messages) => Join(image.Head, image.Magic, messages.Select(m => m.ToByteArray()));

    public static List<T> Parse<T>(byte[] data, MessageParser<T> parser) where T : IMessage<T> =>
        Split(data).Entries.Select(e => parser.ParseFrom(e)).ToList();
}

/// <summary>
/// Derives deterministic broken variants from a fixture: truncations, bit flips (file, tar headers, CRIU entries),
/// impossible sizes and numbers, hostile names, links and devices named like needed files, duplicates, broken process
/// trees and pagemaps, deeply nested JSON, and decompression bombs. Every random choice is seeded by the variant's id.
/// </summary>
public static class HostileCorpus
{
    private const long TiB = 1L << 40;

    public static IEnumerable<HostileVariant> Variants(HostileFixture f, CorpusOptions? options = null)
    {
        var o = options ?? CorpusOptions.Full;
        var families = new[]
        {
            RawFile(f, o), TarStructure(f, o), HeaderDamage(f), HeaderFields(f), Names(f), Links(f), Duplicates(f), CriuEntries(f, o),
            ProcessTrees(f), Pagemaps(f), MemoryMaps(f), OtherImages(f), Json(f), Bombs(f, o),
        };
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var v in families.SelectMany(x => x))
        {
            if (seen.Add(v.Name))
                yield return v;
        }
    }

    /// <summary>A stable seed for a variant id (string hashes are randomised per process).</summary>
    public static int Seed(string id)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(id))
            hash = (hash ^ b) * 16777619u;
        return (int)(hash & 0x7FFFFFFF);
    }

    // --- the file as stored ------------------------------------------------------------------------------------------

    private static IEnumerable<HostileVariant> RawFile(HostileFixture f, CorpusOptions o)
    {
        var bytes = f.Original;
        var len = bytes.Length;
        var offsets = new SortedSet<int> { 0, 1, 2, 5, 6, 10, 100, 511, 512, 513, 1023, 1024, 1536, len - 1, len - 512, len - 1024 };
        for (var k = 1; k < 32; k++)
            offsets.Add((int)((long)len * k / 32));
        var random = new Random(Seed(f.Name + "/trunc-file"));
        for (var i = 0; i < o.Seeds * 4; i++)
            offsets.Add(random.Next(len));
        foreach (var n in offsets.Where(n => n >= 0 && n < len))
            yield return V(f, $"trunc-file@{n}", () => bytes[..n]);
        for (var seed = 0; seed < o.Seeds * 4; seed++)
        {
            var name = $"flip-file@{seed}";
            yield return V(f, name, () =>
            {
                var r = new Random(Seed(f.Name + name));
                var copy = (byte[])bytes.Clone();
                // Half of the seeds keep the compression magic, so the flips land inside the stream.
                var from = seed % 2 == 0 && f.Compression != CompressionKind.None ? 16 : 0;
                for (var i = r.Next(1, 9); i > 0; i--)
                    copy[r.Next(from, copy.Length)] ^= (byte)(1 << r.Next(8));
                return copy;
            });
        }
        yield return V(f, "tail-garbage", () => [.. bytes, .. RandomBytes(f.Name + "tail", 4096)]);
        yield return V(f, "tail-zeros", () => [.. bytes, .. new byte[1 << 20]]);
        yield return V(f, "flip-magic", () =>
        {
            var copy = (byte[])bytes.Clone();
            copy[0] ^= 0x01;
            return copy;
        });
        // The plain tar in another format than the fixture's (detection is by magic only).
        foreach (var kind in new[] { CompressionKind.None, CompressionKind.Gzip, CompressionKind.Zstd, CompressionKind.Xz, CompressionKind.Bzip2 })
        {
            if (kind != f.Compression && Available(kind))
                yield return V(f, $"recompress@{kind.ToString().ToLowerInvariant()}", () => HostileCompression.Compress(f.Tar, kind));
        }
        // Truncated inside the compressed stream of another format.
        foreach (var kind in new[] { CompressionKind.Gzip, CompressionKind.Zstd, CompressionKind.Xz, CompressionKind.Bzip2 })
        {
            if (kind != f.Compression && Available(kind))
            {
                yield return V(f, $"recompress-trunc@{kind.ToString().ToLowerInvariant()}", () =>
                {
                    var c = HostileCompression.Compress(f.Tar, kind);
                    return c[..(c.Length * 2 / 3)];
                });
            }
        }
    }

    // --- the plain tar stream ----------------------------------------------------------------------------------------

    private static IEnumerable<HostileVariant> TarStructure(HostileFixture f, CorpusOptions o)
    {
        var tar = f.Tar;
        for (var i = 0; i < f.HeaderOffsets.Count; i++)
        {
            var h = (int)f.HeaderOffsets[i];
            var size = HostileTar.ReadSize(tar.AsSpan(h + 124, 12));
            foreach (var (tag, at) in new[] { ("hdr", h), ("hdr+156", h + 156), ("data", h + 512), ("mid", h + 512 + (int)(size / 2)) })
            {
                if (at < tar.Length && (tag != "mid" || size > 2))
                    yield return V(f, $"trunc-tar@{i}:{tag}", () => Pack(f, tar[..at]));
            }
            for (var seed = 0; seed < (o.Seeds + 1) / 2; seed++)
            {
                foreach (var fixSum in new[] { false, true })
                {
                    var name = $"{(fixSum ? "flip-hdr-sum" : "flip-hdr")}@{i}#{seed}";
                    yield return V(f, name, () =>
                    {
                        var r = new Random(Seed(f.Name + name));
                        var copy = (byte[])tar.Clone();
                        var at = h + r.Next(0, 512);
                        if (fixSum && at - h is >= 148 and < 156)
                            at += 8;
                        copy[at] ^= (byte)(1 << r.Next(8));
                        if (fixSum)
                            HostileTar.FixChecksum(copy.AsSpan(h, 512));
                        return Pack(f, copy);
                    });
                }
            }
        }
        var end = HostileTar.Build(f.Members);
        yield return V(f, "tar-no-end-marker", () => Pack(f, HostileTar.Build(f.Members, endMarker: false)));
        yield return V(f, "tar-one-zero-block-then-more", () =>
        {
            var half = f.Members.Count / 2;
            return Pack(f, [.. HostileTar.Build(f.Members.Take(half), endMarker: false), .. new byte[512], .. HostileTar.Build(f.Members.Skip(half))]);
        });
        yield return V(f, "tar-garbage-after-end", () => Pack(f, [.. end, .. RandomBytes(f.Name + "after-end", 8192)]));
        yield return V(f, "tar-garbage-header-first", () => Pack(f, [.. RandomBytes(f.Name + "garbage-first", 512), .. end]));
        yield return V(f, "tar-end-marker-only", () => Pack(f, new byte[1024]));
        yield return V(f, "tar-only-directories", () => Pack(f, HostileTar.Build([new TarMember("checkpoint/", TarEntryType.Directory, [])])));
        yield return V(f, "tar-metadata-only", () => Pack(f, HostileTar.Build(f.Members.Where(m => !m.Name.Contains("checkpoint", StringComparison.Ordinal)))));
        yield return V(f, "tar-checkpoint-only", () => Pack(f, HostileTar.Build(f.Members.Where(m => m.Name.Contains("checkpoint/", StringComparison.Ordinal)))));
        yield return V(f, "tar-reversed", () => Pack(f, HostileTar.Build(f.Members.Reverse())));
        yield return V(f, "pax-global-dotdot", () => Pack(f, HostileTar.Build(
            [new TarMember("pax_global_header", TarEntryType.GlobalExtendedAttributes, HostileTar.PaxRecords([new("path", "../../escape")])), .. f.Members])));
        yield return V(f, "gnu-longname-dotdot", () => Pack(f, HostileTar.Build(
            [new TarMember("././@LongLink", TarEntryType.LongPath, Encoding.UTF8.GetBytes("../../etc/passwd\0")), .. f.Members])));
        yield return V(f, "gnu-longname-1tib", () => Pack(f, HostileTar.Build(
            [new TarMember("././@LongLink", TarEntryType.LongPath, []) { DeclaredSize = TiB }, .. f.Members])));
        yield return V(f, "gnu-longname-huge", () => Pack(f, HostileTar.Build(
            [new TarMember("././@LongLink", TarEntryType.LongPath, new byte[8 << 20]), .. f.Members])));
        yield return V(f, "pax-huge-record", () => Pack(f, HostileTar.Build(
            [new TarMember("config.dump", TarEntryType.RegularFile, f.Member("config.dump")?.Data ?? []) { Pax = [new("comment", new string('x', 16 << 20))] }, .. f.Members])));
        yield return V(f, "pax-record-length-huge", () => Pack(f, HostileTar.Build(
            [new TarMember("PaxHeaders/x", TarEntryType.ExtendedAttributes, "99999999999999999999 path=x\n"u8.ToArray()), .. f.Members])));
        yield return V(f, "pax-record-length-negative", () => Pack(f, HostileTar.Build(
            [new TarMember("PaxHeaders/x", TarEntryType.ExtendedAttributes, "-5 path=x\n"u8.ToArray()), .. f.Members])));
        yield return V(f, "many-empty-members", () => Pack(f, HostileTar.Build(
            Enumerable.Range(0, 100_000).Select(i => new TarMember($"junk/{i}", TarEntryType.RegularFile, [])).Concat(f.Members))));
    }

    // --- one header's bytes overwritten (checksum not fixed), in every compression ---------------------------------

    private static IEnumerable<HostileVariant> HeaderDamage(HostileFixture f)
    {
        var fields = new (string Tag, int Offset, int Length)[] { ("sum", 148, 8), ("magic", 257, 8), ("size", 124, 12), ("type", 156, 1), ("name", 0, 100) };
        var h = f.HeaderOffsets;
        var places = new (string Tag, long Offset)[] { ("first", h[0]), ("middle", h[h.Count / 2]), ("last", h[^1]) };
        foreach (var (field, offset, length) in fields)
        {
            foreach (var (place, header) in places)
            {
                foreach (var kind in new[] { CompressionKind.None, CompressionKind.Gzip, CompressionKind.Zstd, CompressionKind.Xz, CompressionKind.Bzip2 }.Where(Available))
                {
                    var name = $"tarhdr-{field}@{place}.{kind.ToString().ToLowerInvariant()}";
                    yield return V(f, name, () =>
                    {
                        // Up to 10 bytes of the field (as `dd bs=1 count=10`), each changed; more if the sum still matched.
                        var r = new Random(Seed(f.Name + name));
                        var copy = (byte[])f.Tar.Clone();
                        var count = Math.Min(10, length);
                        var first = r.Next(0, length - count + 1);
                        for (var i = 0; i < count || HostileTar.HasValidChecksum(copy.AsSpan((int)header, HostileTar.Block)); i++)
                            copy[(int)header + offset + (first + i) % length] ^= (byte)r.Next(1, 256);
                        return HostileCompression.Compress(copy, kind);
                    }) with { InvalidHeader = true };
                }
            }
        }
    }

    // --- header fields of the members commands read ------------------------------------------------------------------

    private static IEnumerable<HostileVariant> HeaderFields(HostileFixture f)
    {
        var edits = new (string Tag, Func<TarMember, TarMember> Edit)[]
        {
            ("size-1tib", m => m with { DeclaredSize = TiB }),
            ("size-8g", m => m with { DeclaredSize = (1L << 33) - 1 }),
            ("size-max", m => m with { DeclaredSize = long.MaxValue }),
            ("size-neg", m => m with { DeclaredSize = -1 }),
            ("size-min", m => m with { DeclaredSize = long.MinValue }),
            ("size-ovf", m => m with { Patch = h => { h.AsSpan(124, 12).Fill(0xFF); h[124] = 0x80; } }),
            ("size-garbage", m => m with { Patch = h => "9z9z9z9z9z9\0"u8.CopyTo(h.AsSpan(124)) }),
            ("size-spaces", m => m with { Patch = h => h.AsSpan(124, 12).Fill((byte)' ') }),
            ("size-plus", m => m with { DeclaredSize = m.Data.Length + 1000 }),
            ("size-plus-block", m => m with { DeclaredSize = m.Data.Length + 512 }),
            ("size-half", m => m with { DeclaredSize = m.Data.Length / 2 }),
            ("size-zero", m => m with { DeclaredSize = 0 }),
            ("pax-size-1tib", m => m with { Pax = [new("size", TiB.ToString(System.Globalization.CultureInfo.InvariantCulture))] }),
            ("pax-size-neg", m => m with { Pax = [new("size", "-5")] }),
            ("pax-size-ovf", m => m with { Pax = [new("size", "999999999999999999999999999")] }),
            ("pax-size-garbage", m => m with { Pax = [new("size", "12abc")] }),
            ("pax-mtime-ovf", m => m with { Pax = [new("mtime", "99999999999999999999999.5")] }),
            ("pax-mtime-neg", m => m with { Pax = [new("mtime", "-99999999999.999")] }),
            ("pax-uid-ovf", m => m with { Pax = [new("uid", "99999999999999999999")] }),
            ("pax-path-nul", m => m with { Pax = [new("path", m.Name + "\0.evil")] }),
            ("pax-path-dotdot", m => m with { Pax = [new("path", "../" + m.Name)] }),
            ("pax-linkpath", m => m with { Pax = [new("linkpath", "/etc/shadow")] }),
            // GNU sparse 1.0 (PAX): a sparse map at the start of the data, and a "real size" of 1 PiB.
            ("pax-gnu-sparse-1pib", m => m with
            {
                Data = [.. Encoding.ASCII.GetBytes($"1\n0\n{m.Data.Length}\n").Concat(new byte[512]).Take(512), .. m.Data],
                Pax = [new("GNU.sparse.major", "1"), new("GNU.sparse.minor", "0"), new("GNU.sparse.name", m.Name), new("GNU.sparse.realsize", (TiB << 10).ToString(System.Globalization.CultureInfo.InvariantCulture))],
            }),
            ("pax-gnu-sparse-bad-map", m => m with
            {
                Data = [.. Encoding.ASCII.GetBytes("999999999999999\n0\n5\n").Concat(new byte[512]).Take(512), .. m.Data],
                Pax = [new("GNU.sparse.major", "1"), new("GNU.sparse.minor", "0"), new("GNU.sparse.name", m.Name), new("GNU.sparse.realsize", "4096")],
            }),
            ("mtime-neg", m => m with { Patch = h => { h.AsSpan(136, 12).Fill(0xFF); } }),
            ("mtime-ovf", m => m with { Patch = h => { h.AsSpan(136, 12).Fill(0xFF); h[136] = 0x80; } }),
            ("mode-garbage", m => m with { Patch = h => "zzzzzzz\0"u8.CopyTo(h.AsSpan(100)) }),
            ("uid-base256", m => m with { Patch = h => { h.AsSpan(108, 8).Fill(0xFF); h[108] = 0x80; } }),
            ("bad-checksum", m => m with { BadChecksum = true }),
            ("no-magic", m => m with { Patch = h => h.AsSpan(257, 8).Clear() }),
            ("gnu-magic", m => m with { Patch = h => "ustar  \0"u8.CopyTo(h.AsSpan(257)) }),
            ("type-pax", m => m with { Type = TarEntryType.ExtendedAttributes }),
            ("type-global-pax", m => m with { Type = TarEntryType.GlobalExtendedAttributes }),
            ("type-longname", m => m with { Type = TarEntryType.LongPath }),
            ("type-longlink", m => m with { Type = TarEntryType.LongLink }),
            ("type-sparse", m => m with { Type = TarEntryType.SparseFile }),
            ("type-contiguous", m => m with { Type = TarEntryType.ContiguousFile }),
            ("type-volume", m => m with { Type = TarEntryType.TapeVolume }),
            ("type-multivolume", m => m with { Type = TarEntryType.MultiVolume }),
            ("type-unknown", m => m with { Type = (TarEntryType)'Z' }),
            ("type-nul", m => m with { Type = (TarEntryType)0 }),
        };
        foreach (var target in f.Targets())
        {
            foreach (var (tag, edit) in edits)
                yield return V(f, $"hdr-{tag}@{target}", () => Pack(f, HostileTar.Build(Replace(f, target, m => [edit(m)]))));
        }
    }

    // --- member names ------------------------------------------------------------------------------------------------

    private static IEnumerable<HostileVariant> Names(HostileFixture f)
    {
        var renames = new (string Tag, Func<string, string> Rename, bool NoPax)[]
        {
            ("dotdot", n => "../" + n, false),
            ("dotdot-deep", n => "checkpoint/../../../" + n, false),
            ("abs", n => "/" + n, false),
            ("abs-etc", n => "/etc/" + Path.GetFileName(n), false),
            ("empty", _ => "", false),
            ("dot", _ => ".", false),
            ("slash", _ => "/", false),
            ("long-4097", n => new string('a', 4097 - n.Length - 1) + "/" + n, false),
            ("long-1mib", n => new string('a', (1 << 20) - n.Length - 1) + "/" + n, false),
            ("long-ustar-truncated", n => new string('b', 200) + "/" + n, true),
            ("nul", n => n + "\0hidden", false),
            ("backslash", n => n.Replace('/', '\\'), false),
            ("dot-slash", n => "./" + n, false),
            ("double-slash", n => n.Replace("/", "//", StringComparison.Ordinal), false),
            ("trailing-slash", n => n + "/", false),
            ("control", n => n + "\n\u001b[31mred\u001b[0m", false),
        };
        foreach (var target in f.Targets())
        {
            foreach (var (tag, rename, noPax) in renames)
                yield return V(f, $"name-{tag}@{target}", () => Pack(f, HostileTar.Build(Replace(f, target, m => [m with { Name = rename(target), NoPax = noPax }]))));
            var length = Encoding.UTF8.GetByteCount(target);
            if (length < 98)
            {
                yield return V(f, $"name-invalid-utf8@{target}", () => Pack(f, HostileTar.Build(Replace(f, target, m => [m with { Patch = h => { h[length] = 0xFF; h[length + 1] = 0xC0; } }]))));
            }
        }
    }

    // --- links and devices named like needed files -------------------------------------------------------------------

    private static IEnumerable<HostileVariant> Links(HostileFixture f)
    {
        TarMember Special(string name, TarEntryType type, string link = "") => new(name, type, [], link);
        var kinds = new (string Tag, Func<string, TarMember> Make)[]
        {
            ("symlink-abs", n => Special(n, TarEntryType.SymbolicLink, "/etc/passwd")),
            ("symlink-rel", n => Special(n, TarEntryType.SymbolicLink, "../../../../../../etc/shadow")),
            ("symlink-self", n => Special(n, TarEntryType.SymbolicLink, Path.GetFileName(n))),
            ("symlink-proc", n => Special(n, TarEntryType.SymbolicLink, "/proc/self/mem")),
            ("hardlink-abs", n => Special(n, TarEntryType.HardLink, "/etc/passwd")),
            ("hardlink-member", n => Special(n, TarEntryType.HardLink, n == "spec.dump" ? "config.dump" : "spec.dump")),
            ("hardlink-self", n => Special(n, TarEntryType.HardLink, n)),
            ("chardev", n => Special(n, TarEntryType.CharacterDevice) with { Patch = h => { HostileTar.Octal(h, 329, 8, 1); HostileTar.Octal(h, 337, 8, 3); } }),
            ("blockdev", n => Special(n, TarEntryType.BlockDevice) with { Patch = h => { HostileTar.Octal(h, 329, 8, 8); HostileTar.Octal(h, 337, 8, 0); } }),
            ("fifo", n => Special(n, TarEntryType.Fifo)),
            ("directory", n => Special(n + "/", TarEntryType.Directory)),
            ("symlink-with-data", n => new TarMember(n, TarEntryType.SymbolicLink, RandomBytes(n, 4096), "/etc/passwd")),
        };
        foreach (var target in f.Targets())
        {
            foreach (var (tag, make) in kinds)
            {
                yield return V(f, $"{tag}@{target}", () => Pack(f, HostileTar.Build(Replace(f, target, _ => [make(target)]))));
                if (tag is "symlink-abs" or "hardlink-abs" or "chardev")
                {
                    yield return V(f, $"{tag}-then-file@{target}", () => Pack(f, HostileTar.Build(Replace(f, target, m => [make(target), m]))));
                    yield return V(f, $"file-then-{tag}@{target}", () => Pack(f, HostileTar.Build(Replace(f, target, m => [m, make(target)]))));
                }
            }
        }
        yield return V(f, "symlink-checkpoint-dir", () => Pack(f, HostileTar.Build(
            [Special("checkpoint", TarEntryType.SymbolicLink, "/etc"), .. f.Members.Where(m => HostileFixture.Normal(m.Name) != "checkpoint")])));
        yield return V(f, "symlink-checkpoint-dir-only", () => Pack(f, HostileTar.Build(
            [.. f.Members.Where(m => !m.Name.Contains("checkpoint", StringComparison.Ordinal)), Special("checkpoint", TarEntryType.SymbolicLink, "/var/lib")])));
    }

    // --- duplicated members ------------------------------------------------------------------------------------------

    private static IEnumerable<HostileVariant> Duplicates(HostileFixture f)
    {
        foreach (var target in f.Targets())
        {
            yield return V(f, $"dup-same@{target}", () => Pack(f, HostileTar.Build(Replace(f, target, m => [m, m]))));
            yield return V(f, $"dup-garbage-after@{target}", () => Pack(f, HostileTar.Build(Replace(f, target, m => [m, m with { Data = RandomBytes(target, m.Data.Length) }]))));
            yield return V(f, $"dup-garbage-before@{target}", () => Pack(f, HostileTar.Build(Replace(f, target, m => [m with { Data = RandomBytes(target, m.Data.Length) }, m]))));
            yield return V(f, $"dup-empty-after@{target}", () => Pack(f, HostileTar.Build(Replace(f, target, m => [m, m with { Data = [] }]))));
            yield return V(f, $"dup-at-end@{target}", () => Pack(f, HostileTar.Build([.. f.Members, f.Member(target)! with { Data = RandomBytes(target + "end", 64) }])));
            yield return V(f, $"dup-20000@{target}", () => Pack(f, HostileTar.Build(Replace(f, target, m => Enumerable.Repeat(m with { Data = m.Data.Length > 512 ? m.Data[..512] : m.Data }, 20_000)))));
        }
        yield return V(f, "dup-all", () => Pack(f, HostileTar.Build(f.Members.Concat(f.Members))));
        yield return V(f, "dup-all-interleaved", () => Pack(f, HostileTar.Build(f.Members.SelectMany(m => new[] { m, m }))));
    }

    // --- CRIU framing and protobuf -----------------------------------------------------------------------------------

    private static IEnumerable<HostileVariant> CriuEntries(HostileFixture f, CorpusOptions o)
    {
        foreach (var image in f.ProtobufImages())
        {
            var data = f.Member(image)!.Data;
            var framed = CriuFraming.Split(data);
            var body = framed.BodyOffset;
            byte[] SetFirstSize(uint size)
            {
                var copy = (byte[])data.Clone();
                if (copy.Length >= body + 4)
                    BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(body), size);
                return copy;
            }
            byte[] FirstEntry(byte[] entry) => CriuFraming.Join(framed.Head, framed.Magic, [entry, .. framed.Entries.Skip(1)]);
            var first = framed.Entries.FirstOrDefault() ?? [];
            for (var seed = 0; seed < o.Seeds; seed++)
            {
                var name = $"criu-flip@{image}#{seed}";
                yield return V(f, name, () => PackWith(f, image, _ =>
                {
                    var r = new Random(Seed(f.Name + name));
                    var copy = (byte[])data.Clone();
                    for (var i = r.Next(1, 5); i > 0; i--)
                        copy[r.Next(body, copy.Length)] ^= (byte)(1 << r.Next(8));
                    return copy;
                }));
            }
            yield return V(f, $"criu-flip-magic@{image}", () => PackWith(f, image, d =>
            {
                var copy = (byte[])d.Clone();
                copy[body - 1] ^= 0x10;
                return copy;
            }));
            yield return V(f, $"criu-other-magic@{image}", () => PackWith(f, image, d =>
            {
                var copy = (byte[])d.Clone();
                BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(body - 4), framed.Magic == CriuMagic.Pstree ? CriuMagic.Core : CriuMagic.Pstree);
                return copy;
            }));
            yield return V(f, $"criu-no-head-magic@{image}", () => PackWith(f, image, d => d[(body - 4)..]));
            yield return V(f, $"criu-size-fffffff0@{image}", () => PackWith(f, image, _ => SetFirstSize(0xFFFFFFF0)));
            yield return V(f, $"criu-size-7fffffff@{image}", () => PackWith(f, image, _ => SetFirstSize(0x7FFFFFFF)));
            yield return V(f, $"criu-size-plus1@{image}", () => PackWith(f, image, _ => SetFirstSize((uint)(data.Length - body - 4 + 1))));
            yield return V(f, $"criu-size-zero@{image}", () => PackWith(f, image, _ => SetFirstSize(0)));
            yield return V(f, $"criu-empty@{image}", () => PackWith(f, image, _ => []));
            yield return V(f, $"criu-magic-only@{image}", () => PackWith(f, image, d => d[..body]));
            yield return V(f, $"criu-three-bytes@{image}", () => PackWith(f, image, d => d[..3]));
            foreach (var cut in new[] { body + 2, body + 5, (data.Length + body) / 2, data.Length - 1 })
            {
                if (cut > body && cut < data.Length)
                    yield return V(f, $"criu-trunc@{image}:{cut}", () => PackWith(f, image, d => d[..cut]));
            }
            // Protobuf: a length-delimited field claiming 2 GiB, a packed field claiming more than the entry, a
            // malformed varint, a group nested 100,000 deep, an unknown field 4 MiB long, and negative int32 values.
            yield return V(f, $"proto-len-2g@{image}", () => PackWith(f, image, _ => FirstEntry([.. first, 0x7A, 0xFF, 0xFF, 0xFF, 0xFF, 0x07])));
            yield return V(f, $"proto-len-embedded@{image}", () => PackWith(f, image, _ => FirstEntry([.. first, 0x72, 0xF0, 0xFF, 0xFF, 0xFF, 0x0F, 0x08, 0x01])));
            yield return V(f, $"proto-bad-varint@{image}", () => PackWith(f, image, _ => FirstEntry([0x08, .. Enumerable.Repeat((byte)0xFF, 11)])));
            yield return V(f, $"proto-deep-groups@{image}", () => PackWith(f, image, _ => FirstEntry([.. Enumerable.Repeat((byte)0x7B, 100_000)])));
            yield return V(f, $"proto-unknown-4mib@{image}", () => PackWith(f, image, _ =>
            {
                var unknown = new MemoryStream();
                var w = new CodedOutputStream(unknown);
                w.WriteTag(999, WireFormat.WireType.LengthDelimited);
                w.WriteBytes(ByteString.CopyFrom(new byte[4 << 20]));
                w.Flush();
                return FirstEntry([.. first, .. unknown.ToArray()]);
            }));
            yield return V(f, $"proto-all-ff@{image}", () => PackWith(f, image, _ => FirstEntry(Enumerable.Repeat((byte)0xFF, Math.Max(first.Length, 16)).ToArray())));
            yield return V(f, $"proto-many-entries@{image}", () => PackWith(f, image, _ => CriuFraming.Join(framed.Head, framed.Magic, Enumerable.Repeat(first, Math.Min(200_000, (16 << 20) / (first.Length + 4))))));
        }
    }

    // --- pstree ------------------------------------------------------------------------------------------------------

    private static IEnumerable<HostileVariant> ProcessTrees(HostileFixture f)
    {
        const string image = "checkpoint/pstree.img";
        var framed = CriuFraming.Split(f.Member(image)!.Data);
        var entries = CriuFraming.Parse(f.Member(image)!.Data, PstreeEntry.Parser);
        var root = entries.First(e => e.Ppid == 0);
        var others = entries.Where(e => e != root).ToList();
        HostileVariant Tree(string name, Func<List<PstreeEntry>, IEnumerable<PstreeEntry>> edit) =>
            V(f, name, () => PackWith(f, image, _ => CriuFraming.Join(framed, edit(entries.Select(e => e.Clone()).ToList()))));
        PstreeEntry Find(List<PstreeEntry> list, uint pid) => list.First(e => e.Pid == pid);

        yield return Tree("pstree-cycle-root", l =>
        {
            Find(l, root.Pid).Ppid = others.Count > 0 ? others[0].Pid : root.Pid;
            return l;
        });
        yield return Tree("pstree-self-parent", l =>
        {
            Find(l, others.Count > 0 ? others[^1].Pid : root.Pid).Ppid = others.Count > 0 ? others[^1].Pid : root.Pid;
            return l;
        });
        if (others.Count >= 2)
        {
            yield return Tree("pstree-cycle-children", l =>
            {
                Find(l, others[0].Pid).Ppid = others[1].Pid;
                Find(l, others[1].Pid).Ppid = others[0].Pid;
                return l;
            });
        }
        yield return Tree("pstree-cycle-unknown-pids", l => [.. l, new PstreeEntry { Pid = 900001, Ppid = 900002 }, new PstreeEntry { Pid = 900002, Ppid = 900001 }]);
        yield return Tree("pstree-dup-root", l => [.. l, l[0].Clone()]);
        yield return Tree("pstree-dup-last", l => [.. l, l[^1].Clone()]);
        yield return Tree("pstree-dup-all", l => [.. l, .. l.Select(e => e.Clone())]);
        yield return Tree("pstree-two-roots", l => [.. l, new PstreeEntry { Pid = 900003, Ppid = 0 }]);
        yield return Tree("pstree-no-root", l => l.Where(e => e.Ppid != 0));
        yield return Tree("pstree-pid0", l => [.. l, new PstreeEntry { Pid = 0, Ppid = root.Pid }]);
        yield return Tree("pstree-pid-max", l =>
        {
            Find(l, root.Pid).Pid = uint.MaxValue;
            return l;
        });
        yield return Tree("pstree-ppid-max", l => [.. l, new PstreeEntry { Pid = root.Pid + 77777, Ppid = uint.MaxValue }]);
        yield return Tree("pstree-orphan", l => [.. l, new PstreeEntry { Pid = 900004, Ppid = 900005 }]);
        yield return Tree("pstree-deep-chain", l =>
        {
            // 50,000 processes, each the child of the previous (the recursion depth of any tree walker).
            var chain = Enumerable.Range(0, 50_000).Select(i => new PstreeEntry { Pid = 1_000_000 + (uint)i, Ppid = i == 0 ? root.Pid : 1_000_000 + (uint)i - 1 });
            return [.. l, .. chain];
        });
        yield return Tree("pstree-wide", l => [.. l, .. Enumerable.Range(0, 200_000).Select(i => new PstreeEntry { Pid = 2_000_000 + (uint)i, Ppid = root.Pid })]);
        yield return Tree("pstree-threads-1m", l =>
        {
            var r = Find(l, root.Pid);
            r.Threads.AddRange(Enumerable.Range(0, 1_000_000).Select(i => (uint)i));
            return l;
        });
        yield return Tree("pstree-empty", _ => []);
        yield return Tree("pstree-default-entry", _ => [new PstreeEntry()]);
    }

    // --- pagemap -----------------------------------------------------------------------------------------------------

    private static IEnumerable<HostileVariant> Pagemaps(HostileFixture f)
    {
        var image = $"checkpoint/pagemap-{f.RootPid}.img";
        if (f.Member(image) is not { } member)
            yield break;
        var framed = CriuFraming.Split(member.Data);
        var head = PagemapHead.Parser.ParseFrom(framed.Entries[0]);
        var entries = framed.Entries.Skip(1).Select(e => PagemapEntry.Parser.ParseFrom(e)).ToList();
        if (entries.Count == 0)
            yield break;
        var presentIndex = Math.Max(0, entries.FindIndex(e => !e.HasFlags || (e.Flags & 4) != 0));
        HostileVariant Map(string name, Func<PagemapHead, List<PagemapEntry>, IEnumerable<IMessage>> edit) =>
            V(f, name, () => PackWith(f, image, _ => CriuFraming.Join(framed, edit(head.Clone(), entries.Select(e => e.Clone()).ToList()))));

        foreach (var (tag, pages) in new[] { ("half-max", ulong.MaxValue / 2), ("max", ulong.MaxValue), ("2-40", 1UL << 40), ("2-40-minus1", (1UL << 40) - 1), ("2-36", 1UL << 36) })
        {
            yield return Map($"pagemap-nr-{tag}", (h, l) =>
            {
                l[presentIndex].NrPages = pages;
                return [h, .. l];
            });
            yield return Map($"pagemap-nr-{tag}-last", (h, l) =>
            {
                l[^1].NrPages = pages;
                l[^1].Flags = 4;
                return [h, .. l];
            });
        }
        yield return Map("pagemap-past-pages", (h, l) =>
        {
            l[presentIndex].NrPages = (l[presentIndex].HasNrPages ? l[presentIndex].NrPages : l[presentIndex].CompatNrPages) + 1000;
            return [h, .. l];
        });
        yield return Map("pagemap-extra-present-run", (h, l) =>
        {
            var last = l[^1];
            var end = last.Vaddr + (last.HasNrPages ? last.NrPages : last.CompatNrPages) * 4096;
            return [h, .. l, new PagemapEntry { Vaddr = end + 4096 * 16, NrPages = 4, Flags = 4 }];
        });
        yield return Map("pagemap-overlap-dup", (h, l) => [h, l[0], .. l]);
        yield return Map("pagemap-overlap-half", (h, l) =>
        {
            var copy = l[0].Clone();
            copy.Vaddr += 4096;
            return [h, l[0], copy, .. l.Skip(1)];
        });
        yield return Map("pagemap-reversed", (h, l) => [h, .. Enumerable.Reverse(l)]);
        yield return Map("pagemap-unaligned", (h, l) =>
        {
            l[presentIndex].Vaddr += 1;
            return [h, .. l];
        });
        yield return Map("pagemap-vaddr-top", (h, l) =>
        {
            l[^1].Vaddr = 0xFFFF_FFFF_FFFF_F000;
            l[^1].NrPages = 2;
            return [h, .. l];
        });
        yield return Map("pagemap-vaddr-zero-all", (h, l) =>
        {
            foreach (var e in l)
                e.Vaddr = 0;
            return [h, .. l];
        });
        yield return Map("pagemap-compat-max", (h, l) =>
        {
            l[presentIndex].ClearNrPages();
            l[presentIndex].CompatNrPages = uint.MaxValue;
            return [h, .. l];
        });
        yield return Map("pagemap-no-counts", (h, l) =>
        {
            foreach (var e in l)
            {
                e.ClearNrPages();
                e.ClearCompatNrPages();
            }
            return [h, .. l];
        });
        yield return Map("pagemap-flags-all", (h, l) =>
        {
            foreach (var e in l)
                e.Flags = uint.MaxValue;
            return [h, .. l];
        });
        yield return Map("pagemap-in-parent", (h, l) =>
        {
            foreach (var e in l)
                e.InParent = true;
            return [h, .. l];
        });
        yield return Map("pagemap-pages-id-missing", (h, l) =>
        {
            h.PagesId = 4242;
            return [h, .. l];
        });
        yield return Map("pagemap-pages-id-max", (h, l) =>
        {
            h.PagesId = uint.MaxValue;
            return [h, .. l];
        });
        yield return Map("pagemap-pages-id-zero", (h, l) =>
        {
            h.PagesId = 0;
            return [h, .. l];
        });
        yield return Map("pagemap-no-head", (_, l) => l);
        yield return Map("pagemap-head-only", (h, _) => [h]);
        yield return Map("pagemap-address-space-full", (h, _) =>
            [h, .. Enumerable.Range(0, 4095).Select(i => new PagemapEntry { Vaddr = (ulong)i << 52, NrPages = 1UL << 40, Flags = 0 })]);
        yield return Map("pagemap-many-runs", (h, l) =>
        {
            var start = 0x7000_0000_0000UL;
            return [h, .. Enumerable.Range(0, 300_000).Select(i => new PagemapEntry { Vaddr = start + (ulong)i * 8192, NrPages = 1, Flags = 2 })];
        });
        yield return Map("pagemap-many-present", (h, l) =>
        {
            var start = 0x7000_0000_0000UL;
            return [h, .. Enumerable.Range(0, 100_000).Select(i => new PagemapEntry { Vaddr = start + (ulong)i * 8192, NrPages = 1, Flags = 4 })];
        });
    }

    // --- mm ----------------------------------------------------------------------------------------------------------

    private static IEnumerable<HostileVariant> MemoryMaps(HostileFixture f)
    {
        var image = $"checkpoint/mm-{f.RootPid}.img";
        if (f.Member(image) is not { } member)
            yield break;
        var framed = CriuFraming.Split(member.Data);
        var mm = MmEntry.Parser.ParseFrom(framed.Entries[0]);
        HostileVariant Mm(string name, Action<MmEntry> edit) => V(f, name, () => PackWith(f, image, _ =>
        {
            var copy = mm.Clone();
            edit(copy);
            return CriuFraming.Join(framed, [copy, .. framed.Entries.Skip(1).Select(e => MmEntry.Parser.ParseFrom(e))]);
        }));

        yield return Mm("mm-env-far", m => m.MmEnvEnd = m.MmEnvStart + TiB);
        yield return Mm("mm-env-max", m => m.MmEnvEnd = ulong.MaxValue);
        yield return Mm("mm-env-64mib", m => m.MmEnvEnd = m.MmEnvStart + (64UL << 20));
        yield return Mm("mm-env-64mib-plus1", m => m.MmEnvEnd = m.MmEnvStart + (64UL << 20) + 1);
        yield return Mm("mm-env-reversed", m => (m.MmEnvStart, m.MmEnvEnd) = (m.MmEnvEnd, m.MmEnvStart > 0 ? m.MmEnvStart - 1 : 0));
        yield return Mm("mm-arg-far", m => m.MmArgEnd = m.MmArgStart + TiB);
        yield return Mm("mm-arg-reversed", m => m.MmArgEnd = m.MmArgStart > 0 ? m.MmArgStart - 1 : 0);
        yield return Mm("mm-arg-top", m => (m.MmArgStart, m.MmArgEnd) = (0xFFFF_FFFF_FFFF_F000, ulong.MaxValue));
        yield return Mm("mm-arg-unmapped", m => (m.MmArgStart, m.MmArgEnd) = (0x10_0000, 0x10_1000));
        yield return Mm("mm-env-no-equals", m => (m.MmEnvStart, m.MmEnvEnd) = (m.MmArgStart, m.MmArgEnd));
        yield return Mm("mm-all-max", m =>
        {
            m.MmArgStart = m.MmArgEnd = m.MmEnvStart = m.MmEnvEnd = ulong.MaxValue;
            m.MmStartCode = m.MmEndCode = m.MmBrk = ulong.MaxValue;
        });
        yield return Mm("mm-vma-reversed", m =>
        {
            if (m.Vmas.Count > 0)
                m.Vmas[0].End = m.Vmas[0].Start > 0 ? m.Vmas[0].Start - 1 : 0;
        });
        yield return Mm("mm-vma-shared-huge", m =>
        {
            m.Vmas.Add(new VmaEntry { Start = 0, End = ulong.MaxValue, Flags = 1 });
            m.Vmas.Add(new VmaEntry { Start = 0, End = ulong.MaxValue, Flags = 1 });
        });
        yield return Mm("mm-vma-shared-2-63", m => m.Vmas.Add(new VmaEntry { Start = 0, End = 1UL << 63, Flags = 1 }));
        yield return Mm("mm-vmas-500k", m => m.Vmas.AddRange(Enumerable.Range(0, 500_000).Select(i => new VmaEntry { Start = (ulong)i << 12, End = ((ulong)i + 1) << 12, Flags = 1 })));
        yield return Mm("mm-negative-dumpable", m => m.Dumpable = int.MinValue);
        yield return V(f, "mm-cleared", () => PackWith(f, image, _ => CriuFraming.Join(framed, [new MmEntry()])));
        yield return V(f, "mm-empty-entry", () => PackWith(f, image, _ => CriuFraming.Join(framed.Head, framed.Magic, [[]])));
    }

    // --- core, files, fdinfo, ids, sockets, inventory, stats ---------------------------------------------------------

    private static IEnumerable<HostileVariant> OtherImages(HostileFixture f)
    {
        HostileVariant Edit<T>(string name, string image, MessageParser<T> parser, Func<List<T>, IEnumerable<T>> edit) where T : IMessage<T>
        {
            var data = f.Member(image)!.Data;
            var framed = CriuFraming.Split(data);
            return V(f, name, () => PackWith(f, image, _ => CriuFraming.Join(framed, edit(framed.Entries.Select(e => parser.ParseFrom(e)).ToList()).Cast<IMessage>())));
        }
        var core = $"checkpoint/core-{f.RootPid}.img";
        if (f.Has(core))
        {
            yield return Edit("core-comm-1mib", core, CoreEntry.Parser, l => { l[0].Tc.Comm = new string('A', 1 << 20); return l; });
            yield return Edit("core-comm-control", core, CoreEntry.Parser, l => { l[0].Tc.Comm = "\u001b]0;pwned\u0007\u001b[2J\n\r\t\0x"; return l; });
            yield return Edit("core-comm-bidi", core, CoreEntry.Parser, l => { l[0].Tc.Comm = "\u202Egnp.exe\u200B\uFEFF"; return l; });
            yield return Edit("core-state-max", core, CoreEntry.Parser, l => { l[0].Tc.TaskState = uint.MaxValue; return l; });
            yield return Edit("core-state-dead", core, CoreEntry.Parser, l => { l[0].Tc.TaskState = 2; return l; });
            yield return Edit("core-state-zombie", core, CoreEntry.Parser, l => { l[0].Tc.TaskState = 6; return l; });
            yield return Edit("core-no-tc", core, CoreEntry.Parser, l => { l[0].Tc = null; return l; });
            yield return Edit("core-oom-min", core, CoreEntry.Parser, l => { l[0].Tc.OomScoreAdj = int.MinValue; return l; });
            yield return Edit("core-two-entries", core, CoreEntry.Parser, l => [.. l, .. l]);
        }
        if (f.Has("checkpoint/files.img"))
        {
            const string files = "checkpoint/files.img";
            yield return Edit("files-dup-ids", files, FileEntry.Parser, l => [.. l, .. l]);
            yield return Edit("files-ids-max", files, FileEntry.Parser, l => { foreach (var e in l) e.Id = uint.MaxValue; return l; });
            yield return Edit("files-type-max", files, FileEntry.Parser, l => { foreach (var e in l) e.Type = (FdTypes)int.MaxValue; return l; });
            yield return Edit("files-type-negative", files, FileEntry.Parser, l => { foreach (var e in l) e.Type = (FdTypes)(-7); return l; });
            yield return Edit("files-empty-entries", files, FileEntry.Parser, l => l.Select(_ => new FileEntry()));
            yield return Edit("files-100k", files, FileEntry.Parser, l => [.. l, .. Enumerable.Range(0, 100_000).Select(i => new FileEntry { Id = 500_000 + (uint)i })]);
        }
        foreach (var fdinfo in f.Members.Select(m => HostileFixture.Normal(m.Name)).Where(n => n.StartsWith("checkpoint/fdinfo-", StringComparison.Ordinal)).Take(2))
        {
            yield return Edit($"fdinfo-fd-max@{fdinfo}", fdinfo, FdinfoEntry.Parser, l => { foreach (var e in l) e.Fd = uint.MaxValue; return l; });
            yield return Edit($"fdinfo-id-missing@{fdinfo}", fdinfo, FdinfoEntry.Parser, l => { foreach (var e in l) e.Id = 987654; return l; });
            yield return Edit($"fdinfo-dup@{fdinfo}", fdinfo, FdinfoEntry.Parser, l => [.. l, .. l]);
            yield return Edit($"fdinfo-type-negative@{fdinfo}", fdinfo, FdinfoEntry.Parser, l => { foreach (var e in l) e.Type = (FdTypes)(-1); return l; });
            yield return Edit($"fdinfo-100k@{fdinfo}", fdinfo, FdinfoEntry.Parser, l => [.. l, .. Enumerable.Range(0, 100_000).Select(i => new FdinfoEntry { Fd = (uint)i + 1000, Id = l.FirstOrDefault()?.Id ?? 1, Type = l.FirstOrDefault()?.Type ?? FdTypes.Reg })]);
        }
        var ids = $"checkpoint/ids-{f.RootPid}.img";
        if (f.Has(ids))
        {
            yield return Edit("ids-files-id-max", ids, TaskKobjIdsEntry.Parser, l => { l[0].FilesId = uint.MaxValue; return l; });
            yield return Edit("ids-cleared", ids, TaskKobjIdsEntry.Parser, l => [new TaskKobjIdsEntry()]);
        }
        var fs = $"checkpoint/fs-{f.RootPid}.img";
        if (f.Has(fs))
            yield return Edit("fs-ids-max", fs, FsEntry.Parser, l => { l[0].CwdId = uint.MaxValue; l[0].RootId = uint.MaxValue; return l; });
        foreach (var tcp in f.Members.Select(m => HostileFixture.Normal(m.Name)).Where(n => n.StartsWith("checkpoint/tcp-stream-", StringComparison.Ordinal)).Take(1))
        {
            var data = f.Member(tcp)!.Data;
            var entryBytes = (int)BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(8));
            var entry = TcpStreamEntry.Parser.ParseFrom(data.AsSpan(12, entryBytes));
            var payload = data[(12 + entryBytes)..];
            byte[] WithEntry(TcpStreamEntry e) => [.. CriuFraming.Join(CriuMagic.ImgCommon, CriuMagic.TcpStream, [e.ToByteArray()]), .. payload];
            yield return V(f, "tcp-inq-max", () => PackWith(f, tcp, _ => WithEntry(new TcpStreamEntry(entry) { InqLen = uint.MaxValue })));
            yield return V(f, "tcp-outq-max", () => PackWith(f, tcp, _ => WithEntry(new TcpStreamEntry(entry) { OutqLen = uint.MaxValue })));
            yield return V(f, "tcp-queues-past-end", () => PackWith(f, tcp, _ => WithEntry(new TcpStreamEntry(entry) { InqLen = (uint)payload.Length + 1, OutqLen = 7 })));
        }
        if (f.Has("checkpoint/inventory.img"))
            yield return Edit("inventory-cleared", "checkpoint/inventory.img", InventoryEntry.Parser, _ => [new InventoryEntry()]);
        if (f.Has("stats-dump"))
        {
            yield return Edit("stats-max", "stats-dump", StatsEntry.Parser, l =>
            {
                var d = l[0].Dump ??= new DumpStatsEntry();
                d.FreezingTime = d.FrozenTime = d.MemdumpTime = d.MemwriteTime = uint.MaxValue;
                d.PagesScanned = d.PagesWritten = d.PagesSkippedParent = ulong.MaxValue;
                return l;
            });
            yield return Edit("stats-empty", "stats-dump", StatsEntry.Parser, _ => [new StatsEntry()]);
        }
    }

    // --- JSON metadata -----------------------------------------------------------------------------------------------

    private static IEnumerable<HostileVariant> Json(HostileFixture f)
    {
        static string Deep(int depth, string open = "[", string close = "]") =>
            new StringBuilder(depth * 2 + 1).Insert(0, open, depth).Append('1').Insert(depth * open.Length + 1, close, depth).ToString();
        static string Quote(string s) => System.Text.Json.JsonSerializer.Serialize(s);
        byte[] WithField(string member, string field, string json)
        {
            var text = Encoding.UTF8.GetString(f.Member(member)!.Data).TrimEnd();
            var close = text.LastIndexOf('}');
            return close < 0
                ? Encoding.UTF8.GetBytes($"{{{Quote(field)}:{json}}}")
                : Encoding.UTF8.GetBytes(text[..close] + $",{Quote(field)}:{json}" + text[close..]);
        }
        byte[] CrioSpec(Dictionary<string, string> extra)
        {
            var annotations = new Dictionary<string, string>
            {
                ["io.container.manager"] = "cri-o",
                ["io.kubernetes.cri-o.Metadata"] = """{"name":"hostile"}""",
                ["io.kubernetes.pod.name"] = "pod",
                ["io.kubernetes.pod.namespace"] = "ns",
            };
            foreach (var (k, v) in extra)
                annotations[k] = v;
            var json = string.Join(",", annotations.Select(a => $"{Quote(a.Key)}:{Quote(a.Value)}"));
            return Encoding.UTF8.GetBytes($"{{\"annotations\":{{{json}}}}}");
        }
        HostileVariant Set(string name, string member, Func<byte[]> content) => V(f, name, () => PackWith(f, member, _ => content(), add: true));

        foreach (var member in new[] { "config.dump", "spec.dump", "network.status" }.Where(f.Has))
        {
            var original = f.Member(member)!.Data;
            yield return Set($"json-deep-arrays@{member}", member, () => WithField(member, "deep", Deep(10_000)));
            yield return Set($"json-deep-objects@{member}", member, () => WithField(member, "deep", Deep(10_000, "{\"a\":", "}")));
            yield return Set($"json-deep-100k@{member}", member, () => WithField(member, "deep", Deep(100_000)));
            yield return Set($"json-whole-deep@{member}", member, () => Encoding.UTF8.GetBytes(Deep(10_000)));
            yield return Set($"json-truncated@{member}", member, () => original[..(original.Length / 2)]);
            yield return Set($"json-empty@{member}", member, () => []);
            yield return Set($"json-null@{member}", member, () => "null"u8.ToArray());
            yield return Set($"json-array@{member}", member, () => "[1,2,3]"u8.ToArray());
            yield return Set($"json-string@{member}", member, () => "\"x\""u8.ToArray());
            yield return Set($"json-bom@{member}", member, () => [0xEF, 0xBB, 0xBF, .. original]);
            yield return Set($"json-nul-bytes@{member}", member, () => [.. original, 0, 0, 0]);
            yield return Set($"json-invalid-utf8@{member}", member, () => Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(original).Replace("\"", "\"\u00ff", StringComparison.Ordinal)).Select(b => b == 0xC3 ? (byte)0xFE : b).ToArray());
            yield return Set($"json-huge-number@{member}", member, () => WithField(member, "n", "1" + new string('0', 100_000)));
            yield return Set($"json-huge-string@{member}", member, () => WithField(member, "s", Quote(new string('x', 32 << 20))));
            yield return Set($"json-dup-keys@{member}", member, () => WithField(member, "annotations", "{}"));
            yield return Set($"json-flip@{member}", member, () =>
            {
                var copy = (byte[])original.Clone();
                var r = new Random(Seed(f.Name + member));
                for (var i = 0; i < 4 && copy.Length > 0; i++)
                    copy[r.Next(copy.Length)] ^= (byte)(1 << r.Next(8));
                return copy;
            });
        }
        if (f.Has("config.dump"))
        {
            foreach (var (tag, field, value) in new[]
                     {
                         ("name-control", "name", Quote("evil\n\u001b[31mred\u001b]0;title\u0007")),
                         ("name-huge", "name", Quote(new string('n', 8 << 20))),
                         ("id-short", "id", Quote("x")),
                         ("id-number", "id", "12345"),
                         ("id-object", "id", "{}"),
                         ("created-number", "createdTime", "1e999"),
                         ("created-year-huge", "createdTime", Quote("292277026596-12-04T15:30:07Z")),
                         ("created-year-zero", "createdTime", Quote("0000-01-01T00:00:00Z")),
                         ("created-offset-huge", "createdTime", Quote("2025-01-01T00:00:00+99:99")),
                         ("created-nanos-long", "createdTime", Quote("2025-01-01T00:00:00." + new string('9', 1000) + "Z")),
                         ("checkpointed-garbage", "checkpointedTime", Quote("yesterday")),
                         ("restored-garbage", "restoredTime", Quote("2025-13-45T99:99:99Z")),
                         ("rootfs-huge", "rootfsImageName", Quote(new string('i', 1 << 20))),
                     })
            {
                yield return Set($"config-{tag}", "config.dump", () => WithField("config.dump", field, value));
            }
        }
        if (f.Has("spec.dump"))
        {
            var labels = Deep(10_000, "{\"a\":", "}");
            yield return Set("crio-labels-deep", "spec.dump", () => CrioSpec(new() { ["io.kubernetes.cri-o.Labels"] = labels }));
            yield return Set("crio-labels-deep-arrays", "spec.dump", () => CrioSpec(new() { ["io.kubernetes.cri-o.Labels"] = Deep(10_000), ["io.kubernetes.cri-o.Annotations"] = Deep(10_000) }));
            yield return Set("crio-metadata-deep", "spec.dump", () => CrioSpec(new() { ["io.kubernetes.cri-o.Metadata"] = labels }));
            yield return Set("crio-metadata-not-json", "spec.dump", () => CrioSpec(new() { ["io.kubernetes.cri-o.Metadata"] = "{\"name\":" }));
            yield return Set("crio-labels-not-json", "spec.dump", () => CrioSpec(new() { ["io.kubernetes.cri-o.Labels"] = "{{{{", ["io.kubernetes.cri-o.Volumes"] = "[" }));
            yield return Set("crio-labels-huge", "spec.dump", () => CrioSpec(new() { ["io.kubernetes.cri-o.Labels"] = "{" + string.Join(",", Enumerable.Range(0, 200_000).Select(i => $"\"k{i}\":\"v\"")) + "}" }));
            yield return Set("annotations-200k", "spec.dump", () => Encoding.UTF8.GetBytes("{\"annotations\":{\"io.container.manager\":\"libpod\"," + string.Join(",", Enumerable.Range(0, 200_000).Select(i => $"\"k{i}\":\"v{i}\"")) + "}}"));
            yield return Set("annotations-not-strings", "spec.dump", () => "{\"annotations\":{\"io.container.manager\":{\"a\":[1,2]}}}"u8.ToArray());
            yield return Set("annotation-key-control", "spec.dump", () => Encoding.UTF8.GetBytes("{\"annotations\":{\"io.container.manager\":\"libpod\",\"k\\n\\u001b[31m\":\"v\\r\\u0000\"}}"));
        }
    }

    // --- decompression bombs -----------------------------------------------------------------------------------------

    private static IEnumerable<HostileVariant> Bombs(HostileFixture f, CorpusOptions o)
    {
        var kinds = new List<(string Tag, CompressionKind Kind, long Bytes)> { ("gzip", CompressionKind.Gzip, o.BombBytes), ("zstd", CompressionKind.Zstd, o.BombBytes) };
        if (Available(CompressionKind.Xz))
            kinds.Add(("xz", CompressionKind.Xz, o.XzBombBytes));
        var afterMetadata = f.Members.ToList().FindIndex(m => HostileFixture.Normal(m.Name) is "checkpoint" || m.Name.StartsWith("checkpoint/", StringComparison.Ordinal));
        foreach (var (tag, kind, bytes) in kinds)
        {
            // A member nobody asked for, before the checkpoint images: every command that reads images must skip it.
            yield return V(f, $"bomb-{tag}-skipped", () => HostileCompression.Compress(HostileTar.Parts(
                [.. f.Members.Take(afterMetadata), new TarMember("checkpoint/zz-bomb.raw", TarEntryType.RegularFile, []) { ZeroData = bytes }, .. f.Members.Skip(afterMetadata)]), kind));
            yield return V(f, $"bomb-{tag}-rootfs-diff", () => HostileCompression.Compress(HostileTar.Parts(
                Replace(f, "rootfs-diff.tar", _ => [new TarMember("rootfs-diff.tar", TarEntryType.RegularFile, []) { ZeroData = bytes }], addAfter: "spec.dump")), kind));
            if (f.RootPagesMember is { } pages)
            {
                yield return V(f, $"bomb-{tag}-pages", () => HostileCompression.Compress(HostileTar.Parts(
                    Replace(f, pages, m => [m with { Data = [], ZeroData = bytes }])), kind));
            }
            yield return V(f, $"bomb-{tag}-held-pstree", () => HostileCompression.Compress(HostileTar.Parts(
                Replace(f, "checkpoint/pstree.img", m => [m with { Data = [], ZeroData = bytes }])), kind));
            yield return V(f, $"bomb-{tag}-held-config", () => HostileCompression.Compress(HostileTar.Parts(
                Replace(f, "config.dump", m => [m with { Data = [], ZeroData = bytes }])), kind));
            // Tar meta headers read into memory by the tar reader itself: a PAX header and a GNU long name of zeros
            // (limited before decompression matters, so gzip and zstd cover them).
            if (kind == CompressionKind.Xz)
                continue;
            foreach (var (size, label) in new[] { (64L << 20, "64m"), (1L << 30, "1g"), ((2L << 30) - 512, "2g") })
            {
                yield return V(f, $"bomb-{tag}-pax-header@{label}", () => HostileCompression.Compress(HostileTar.Parts(
                    [new TarMember("PaxHeaders/config.dump", TarEntryType.ExtendedAttributes, []) { ZeroData = size }, .. f.Members]), kind));
                yield return V(f, $"bomb-{tag}-gnu-longname@{label}", () => HostileCompression.Compress(HostileTar.Parts(
                    [new TarMember("././@LongLink", TarEntryType.LongPath, []) { ZeroData = size }, .. f.Members]), kind));
            }
        }
        // A held member just under the limit: read into memory in full, then rejected by the CRIU decoder.
        yield return V(f, "bomb-zstd-held-core-under-limit", () => HostileCompression.Compress(HostileTar.Parts(
            Replace(f, $"checkpoint/core-{f.RootPid}.img", m => [m with { Data = [], ZeroData = o.HeldBombBytes }])), CompressionKind.Zstd));
        // rootfs-diff.tar that is itself a gzip bomb (never opened by any command) in the fixture's own format.
        yield return V(f, "rootfs-diff-inner-gzip-bomb", () => Pack(f, HostileTar.Build(
            Replace(f, "rootfs-diff.tar", _ => [TarMember.File("rootfs-diff.tar", HostileCompression.Compress([new TarPart(null, o.BombBytes)], CompressionKind.Gzip))], addAfter: "spec.dump"))));
        yield return V(f, "rootfs-diff-inner-zstd-bomb", () => Pack(f, HostileTar.Build(
            Replace(f, "rootfs-diff.tar", _ => [TarMember.File("rootfs-diff.tar", HostileCompression.Compress([new TarPart(null, o.BombBytes)], CompressionKind.Zstd))], addAfter: "spec.dump"))));
    }

    // --- helpers -----------------------------------------------------------------------------------------------------

    private static HostileVariant V(HostileFixture f, string name, Func<byte[]> build) => new(f.Name, name, build);

    private static bool Available(CompressionKind kind) => kind switch
    {
        CompressionKind.Xz => HostileCompression.HasTool("xz"),
        CompressionKind.Bzip2 => HostileCompression.HasTool("bzip2"),
        _ => true,
    };

    /// <summary>Plain tar bytes in the fixture's own compression.</summary>
    private static byte[] Pack(HostileFixture f, byte[] tar) => HostileCompression.Compress(tar, f.Compression);

    /// <summary>The members with <paramref name="target"/> replaced by what <paramref name="replace"/> returns.</summary>
    private static List<TarMember> Replace(HostileFixture f, string target, Func<TarMember, IEnumerable<TarMember>> replace, string? addAfter = null)
    {
        var result = new List<TarMember>();
        var found = false;
        foreach (var m in f.Members)
        {
            if (!found && HostileFixture.Normal(m.Name) == target)
            {
                found = true;
                result.AddRange(replace(m));
            }
            else
            {
                result.Add(m);
            }
        }
        if (!found && addAfter != null)
        {
            var at = result.FindIndex(m => HostileFixture.Normal(m.Name) == addAfter);
            result.InsertRange(at + 1, replace(TarMember.File(target, [])));
        }
        return result;
    }

    /// <summary>The fixture with one member's data changed (added when missing and <paramref name="add"/>).</summary>
    private static byte[] PackWith(HostileFixture f, string target, Func<byte[], byte[]> change, bool add = false) =>
        Pack(f, HostileTar.Build(Replace(f, target, m => [m with { Data = change(m.Data) }], add ? "spec.dump" : null)));

    private static byte[] RandomBytes(string seed, int count)
    {
        var bytes = new byte[count];
        new Random(Seed(seed)).NextBytes(bytes);
        return bytes;
    }
}
