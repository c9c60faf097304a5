using System.Buffers.Binary;
using System.Formats.Tar;
using Checkpointctl.Core;
using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Criu;
using Checkpointctl.Core.Criu.Images;
using Checkpointctl.Core.Metadata;
using Checkpointctl.Core.Model;
using Google.Protobuf;

namespace Checkpointctl.Fuzz;

/// <summary>
/// The fuzz harnesses, shared by the fuzz program (fuzz/Checkpointctl.Fuzz) and the regression test that replays the
/// committed corpus and crashes (tests/Checkpointctl.Tests/FuzzRegressionTests.cs links this file).
/// A <see cref="CheckpointException"/> (and its subclasses) is the expected answer to bad input; anything else that
/// escapes <see cref="Run"/> is a bug.
/// </summary>
public static class FuzzTargets
{
    public const string Archive = "archive";
    public const string Criu = "criu";
    public const string Metadata = "metadata";

    public static IReadOnlyList<string> Names { get; } = [Archive, Criu, Metadata];

    /// <summary>Runs one input through a harness; returns the CheckpointException that rejected it, or null.</summary>
    public static CheckpointException? Run(string harness, ReadOnlySpan<byte> input)
    {
        var data = input.ToArray();
        try
        {
            switch (harness)
            {
                case Archive:
                    ArchiveTarget(data);
                    break;
                case Criu:
                    CriuTarget(data);
                    break;
                case Metadata:
                    MetadataTarget(data);
                    break;
                default:
                    throw new ArgumentException($"unknown harness {harness}; expected one of {string.Join(", ", Names)}", nameof(harness));
            }
            return null;
        }
        catch (CheckpointException e)
        {
            return e;
        }
    }

    // ---- archive: tar + compression layer --------------------------------------------------------------------------

    private static readonly MemberPattern[] ArchiveHold = ["config.dump", "spec.dump", "checkpoint/*"];

    private static void ArchiveTarget(byte[] data)
    {
        // Lower limits than the CLI's so a forged size cannot make every execution allocate 256 MiB.
        var request = new ArchiveRequest { Hold = ArchiveHold, NeedIndex = true, MaxMemberBytes = 4 << 20, MaxHeldBytes = 16 << 20 };
        CheckpointException? first = null;
        var head = new byte[16];
        foreach (var seekable in new[] { true, false })
        {
            try
            {
                Stream stream = new MemoryStream(data, writable: false);
                if (!seekable)
                    stream = new NonSeekable(stream);
                using var archive = CheckpointArchive.Read("fuzz.tar", stream, request);
                var sizes = archive.Sizes;
                long total = sizes.CheckpointSize + sizes.MemoryPagesSize + sizes.AmdGpuMemoryPagesSize + sizes.RootFsDiffSize;
                foreach (var member in archive.Members.ToList())
                {
                    if (!ArchiveHold.Any(p => p.Matches(member.Name)))
                        continue;
                    if (archive.TryGetBytes(member.Name) is { } bytes)
                        total += bytes.Length;
                    if (archive.TryOpenRandomAccess(member.Name) is { } random && random.Length > 0)
                        random.ReadAt(0, head);
                }
                total += archive.MembersMatching("checkpoint/pages-*.img").Count();
                GC.KeepAlive(total);
            }
            catch (CheckpointException e)
            {
                first ??= e;
            }
        }
        if (first != null)
            throw first;
    }

    // ---- criu: image framing, protobuf decoding, pagemap, process memory, process tree, files --------------------

    private sealed record ImageKind(string Name, uint Magic, Action<string, byte[]> Decode);

    private static readonly ImageKind[] Kinds =
    [
        new("pstree.img", CriuMagic.Pstree, DecodePstree),
        new("core-1.img", CriuMagic.Core, DecodeCore),
        new("files.img", CriuMagic.Files, DecodeFiles),
        new("pagemap-1.img", CriuMagic.Pagemap, DecodePagemap),
        new("mm-1.img", CriuMagic.Mm, (n, d) => ReadAll(n, d, CriuMagic.Mm, MmEntry.Parser)),
        new("fdinfo-1.img", CriuMagic.Fdinfo, (n, d) => ReadAll(n, d, CriuMagic.Fdinfo, FdinfoEntry.Parser)),
        new("ids-1.img", CriuMagic.Ids, (n, d) => ReadAll(n, d, CriuMagic.Ids, TaskKobjIdsEntry.Parser)),
        new("fs-1.img", CriuMagic.Fs, (n, d) => ReadAll(n, d, CriuMagic.Fs, FsEntry.Parser)),
        new("inventory.img", CriuMagic.Inventory, (n, d) => ReadAll(n, d, CriuMagic.Inventory, InventoryEntry.Parser)),
        new("remap-fpath.img", CriuMagic.RemapFpath, (n, d) => ReadAll(n, d, CriuMagic.RemapFpath, RemapFilePathEntry.Parser)),
        new("pipes-data.img", CriuMagic.PipesData, (n, d) => GC.KeepAlive(ImagesOf((n, d)).PipesData().Sum(p => p.Data.Length))),
        new("sk-queues.img", CriuMagic.SkQueues, (n, d) => GC.KeepAlive(ImagesOf((n, d)).SocketQueues().Sum(p => p.Data.Length))),
        new("tcp-stream-1.img", CriuMagic.TcpStream, (n, d) => GC.KeepAlive(ImagesOf((n, d)).TcpStream(1).InQueue.Length)),
        new("raw.img", 0, DecodeRaw),
    ];

    /// <summary>The CRIU harness input for an image: one selector byte (which decoder), then the image bytes.</summary>
    public static byte[] CriuInput(string imageName, ReadOnlySpan<byte> image)
    {
        var index = Array.FindIndex(Kinds, k => MatchesKind(k.Name, imageName));
        if (index < 0)
            index = Kinds.Length - 1;
        return [(byte)index, .. image];
    }

    private static bool MatchesKind(string kind, string image)
    {
        // "core-1.img" stands for every core-<n>.img (tcp-stream-<hex>.img, …).
        var dash = kind.LastIndexOf('-');
        return kind == image || (dash > 0 && kind.EndsWith("-1.img", StringComparison.Ordinal)
            && image.StartsWith(kind[..(dash + 1)], StringComparison.Ordinal) && image.EndsWith(".img", StringComparison.Ordinal)
            && image.Length > dash + 5 && image[(dash + 1)..^4].All(char.IsAsciiHexDigit));
    }

    private static void CriuTarget(byte[] data)
    {
        if (data.Length == 0)
            return;
        var kind = Kinds[data[0] % Kinds.Length];
        // Bits above the selector pick a page size for the pagemap decoder.
        kind.Decode(kind.Name + (data[0] / Kinds.Length % 3 == 0 ? "" : $"#{data[0] / Kinds.Length % 3}"), data[1..]);
    }

    private static List<T> ReadAll<T>(string name, byte[] image, uint magic, MessageParser<T> parser) where T : IMessage<T>
    {
        var reader = CriuImageReader.Open(name, image, magic);
        var list = reader.ReadAll(parser, maxEntries: 1 << 16);
        GC.KeepAlive(reader.AtEnd);
        return list;
    }

    private static string ImageName(string name)
    {
        var hash = name.IndexOf('#', StringComparison.Ordinal);
        return hash < 0 ? name : name[..hash];
    }

    private static void DecodePstree(string name, byte[] image)
    {
        var entries = ReadAll(name, image, CriuMagic.Pstree, PstreeEntry.Parser);
        // The tree needs a core per task: give each PID an empty one, so only pstree.img decides.
        var members = new List<(string, byte[])> { ("pstree.img", image) };
        foreach (var pid in entries.Select(e => e.Pid).Distinct().Take(64))
            members.Add(($"core-{pid}.img", Frame(CriuMagic.Core, new CoreEntry())));
        var root = ProcessTree.Build(ImagesOf([.. members]));
        GC.KeepAlive(root.DepthFirst().Count());
    }

    private static void DecodeCore(string name, byte[] image)
    {
        var reader = CriuImageReader.Open(name, image, CriuMagic.Core);
        var core = reader.Read(CoreEntry.Parser);
        GC.KeepAlive(reader.ReadAll(CoreEntry.Parser, maxEntries: 1 << 16).Count);
        var pstree = Frame(CriuMagic.Pstree, new PstreeEntry { Pid = 1, Ppid = 0, Pgid = 1, Sid = 1 });
        var root = ProcessTree.Build(ImagesOf(("pstree.img", pstree), ("core-1.img", image)));
        GC.KeepAlive((root.Comm, root.State, root.HasImages, core.Tc?.Comm));
    }

    private static void DecodeFiles(string name, byte[] image)
    {
        var files = ReadAll(name, image, CriuMagic.Files, FileEntry.Parser);
        // Open one fd per file entry (of the entry's own type), so the open-file and socket models see every entry.
        var fdinfo = files.Take(256).Select((f, i) => new FdinfoEntry { Id = f.Id, Type = f.Type, Fd = (uint)i, Flags = 0 });
        var images = ImagesOf(
            ("files.img", image),
            ("ids-1.img", Frame(CriuMagic.Ids, new TaskKobjIdsEntry { FilesId = 1, FsId = 1 })),
            ("fdinfo-1.img", Frame(CriuMagic.Fdinfo, [.. fdinfo])),
            ("fs-1.img", Frame(CriuMagic.Fs, new FsEntry { CwdId = files.FirstOrDefault()?.Id ?? 0, RootId = files.LastOrDefault()?.Id ?? 0 })));
        GC.KeepAlive(OpenFiles.Of(images, 1).Count + Sockets.Of(images, 1).Count);
    }

    private static void DecodePagemap(string name, byte[] image)
    {
        var pageSize = name.EndsWith("#1", StringComparison.Ordinal) ? 16384 : name.EndsWith("#2", StringComparison.Ordinal) ? 65536 : 4096;
        var pagemap = Pagemap.Decode(ImageName(name), image, pageSize);
        GC.KeepAlive((pagemap.TotalPages, pagemap.PagesImageName));
        if (pagemap.Runs.Count == 0)
            return;
        var memory = new ProcessMemory(pagemap, new PatternPages((long)pagemap.PresentPages * pagemap.PageSize));
        var buffer = new byte[3 * pageSize];
        foreach (var run in new[] { pagemap.Runs[0], pagemap.Runs[^1], pagemap.Runs[pagemap.Runs.Count / 2] })
        {
            GC.KeepAlive(pagemap.FindRun(run.Address));
            var start = run.Address >= 100 ? run.Address - 100 : 0;
            var end = ulong.MaxValue - start < (ulong)buffer.Length ? ulong.MaxValue : start + (ulong)buffer.Length;
            memory.Read(start, buffer.AsMemory(0, (int)(end - start)));
        }
        GC.KeepAlive(memory.Read(pagemap.Runs[0].Address, pagemap.Runs[0].Address + 64).Length);
    }

    // Any image type: the framing alone, with raw payloads sized by the first byte of each entry.
    private static void DecodeRaw(string name, byte[] image)
    {
        var magic = image.Length >= 8 && BinaryPrimitives.ReadUInt32LittleEndian(image) is CriuMagic.ImgCommon or CriuMagic.ImgService
            ? BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(4))
            : image.Length >= 4 ? BinaryPrimitives.ReadUInt32LittleEndian(image) : 0;
        var reader = CriuImageReader.Open(name, image, magic);
        GC.KeepAlive((reader.HeadMagic, CriuMagic.NameOf(reader.Magic)));
        for (var i = 0; i < 1 << 16 && reader.TryReadEntry(out var message); i++)
        {
            if (!message.IsEmpty && (message.Span[0] & 1) != 0)
                reader.ReadPayload(message.Span[0]);
        }
    }

    /// <summary>A CRIU image: the common head magic, a type magic and one framed entry per message.</summary>
    public static byte[] Frame(uint magic, params IMessage[] messages)
    {
        var output = new MemoryStream();
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(word, CriuMagic.ImgCommon);
        output.Write(word);
        BinaryPrimitives.WriteUInt32LittleEndian(word, magic);
        output.Write(word);
        foreach (var message in messages)
        {
            var bytes = message.ToByteArray();
            BinaryPrimitives.WriteUInt32LittleEndian(word, (uint)bytes.Length);
            output.Write(word);
            output.Write(bytes);
        }
        return output.ToArray();
    }

    private static CriuImages ImagesOf(params (string Name, byte[] Data)[] images)
    {
        var members = images.Select(i => ("checkpoint/" + ImageName(i.Name), i.Data)).ToArray();
        var archive = CheckpointArchive.Read("fuzz.tar", new MemoryStream(Tar(members), writable: false),
            new ArchiveRequest { Hold = ["checkpoint/*"] });
        return new CriuImages(archive);
    }

    // ---- metadata: config.dump, spec.dump, network.status -----------------------------------------------------------

    /// <summary>The metadata harness input: config.dump, spec.dump and network.status separated by NUL bytes.</summary>
    public static byte[] MetadataInput(ReadOnlySpan<byte> config, ReadOnlySpan<byte> spec, ReadOnlySpan<byte> network) =>
        [.. config, 0, .. spec, 0, .. network];

    private static void MetadataTarget(byte[] data)
    {
        var parts = new List<byte[]>();
        var rest = data.AsSpan();
        while (parts.Count < 2 && rest.IndexOf((byte)0) is var nul and >= 0)
        {
            parts.Add(rest[..nul].ToArray());
            rest = rest[(nul + 1)..];
        }
        parts.Add(rest.ToArray());
        var members = new List<(string, byte[])> { ("config.dump", parts[0]) };
        if (parts.Count > 1)
            members.Add(("spec.dump", parts[1]));
        if (parts.Count > 2)
            members.Add(("network.status", parts[2]));
        using var archive = CheckpointArchive.Read("fuzz.tar", new MemoryStream(Tar([.. members]), writable: false), ContainerInfo.Request(withNetwork: true));
        var info = ContainerInfo.Read(archive, withNetwork: true);
        GC.KeepAlive((info.EngineName, info.Name, info.Created, info.Checkpointed.ToRfc3339(), info.Checkpointed.ToRfc822(),
            info.Annotations.Count, info.Networks.Count, info.Ip, info.Mac, info.Namespace, info.Pod));
    }

    // ---- helpers -----------------------------------------------------------------------------------------------------

    /// <summary>A plain ustar archive holding <paramref name="members"/> (regular files) and a <c>checkpoint/</c> directory entry.</summary>
    public static byte[] Tar(params (string Name, byte[] Data)[] members)
    {
        var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Ustar, leaveOpen: true))
        {
            writer.WriteEntry(new UstarTarEntry(TarEntryType.Directory, "checkpoint/"));
            foreach (var (name, data) in members)
                writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
        }
        return output.ToArray();
    }

    /// <summary>A pages file of a given length whose bytes are a function of their offset (never allocated).</summary>
    private sealed class PatternPages(long length) : RandomAccessData
    {
        public override long Length => length;

        public override int ReadAt(long offset, Span<byte> destination)
        {
            if (offset >= length)
                return 0;
            var n = (int)Math.Min(destination.Length, length - offset);
            destination[..n].Fill((byte)(offset / 4096));
            return n;
        }
    }

    /// <summary>Hides seeking, as a pipe would.</summary>
    private sealed class NonSeekable(Stream inner) : ForwardReadStream
    {
        public override int Read(Span<byte> buffer) => inner.Read(buffer);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
