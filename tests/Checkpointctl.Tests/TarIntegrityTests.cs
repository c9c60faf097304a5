using System.Diagnostics;
using System.Formats.Tar;
using System.Text;
using Checkpointctl.Core;
using Checkpointctl.Core.Analysis;
using Checkpointctl.Core.Archive;
using Checkpointctl.Tests.Hostile;

namespace Checkpointctl.Tests;

/// <summary>
/// Every tar header a pass reads is checked as Go's archive/tar checks it (System.Formats.Tar checks none), only two
/// zero blocks end an archive, and every archive real tools write still reads.
/// </summary>
public class TarIntegrityTests
{
    private const int Block = 512;

    public static TheoryData<string, string> KindsAndCommands()
    {
        var data = new TheoryData<string, string>();
        foreach (var kind in new[] { "none", "gzip", "zstd", "xz", "bzip2" })
        {
            foreach (var command in new[] { "show", "inspect", "memparse" })
                data.Add(kind, command);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(KindsAndCommands))]
    public void Ten_overwritten_bytes_in_the_first_header_are_an_invalid_header(string kind, string command)
    {
        // The example: dd if=/dev/urandom of=a.tar bs=1 count=10 seek=2 conv=notrunc (seeded here).
        var tar = Overwrite(File.ReadAllBytes(TestPaths.Archive("simple-none.tar")), 2, 10);
        using var dir = new ScratchDir();
        var path = Write(dir, "a.tar", Compress(tar, kind));
        Assert.Equal($"archive/tar: invalid tar header ({path}, header at offset 0)", CliRunner.AssertError(CliRunner.Run(command, path)));
    }

    [Theory]
    [InlineData("none", "middle")]
    [InlineData("none", "last")]
    [InlineData("gzip", "middle")]
    [InlineData("gzip", "last")]
    [InlineData("zstd", "last")]
    public void A_checksum_error_in_a_later_header_is_found(string kind, string where)
    {
        var tar = File.ReadAllBytes(TestPaths.Wrapped("piggie-podman.tar"));
        var headers = HostileTar.HeaderOffsets(tar);
        var at = where == "middle" ? headers[headers.Count / 2] : headers[^1];
        using var dir = new ScratchDir();
        var path = Write(dir, "damaged.tar", Compress(FlipMtimeDigit(tar, at), kind));
        Assert.Equal($"archive/tar: invalid tar header ({path}, header at offset {at})", CliRunner.AssertError(CliRunner.Run("show", path)));
    }

    [Fact]
    public void A_pass_that_stops_early_checks_every_header_it_read()
    {
        // list holds config.dump and spec.dump and stops once both are found: spec.dump's header is the last it reads.
        var tar = HostileCompression.Decompress(File.ReadAllBytes(TestPaths.Archive("simple-gzip.tar.gz")));
        var headers = HostileTar.HeaderOffsets(tar);
        var spec = headers.Single(o => Name(tar, o) == "spec.dump");
        var next = headers[headers.IndexOf(spec) + 1];
        using var dir = new ScratchDir();
        var damagedSpec = Write(dir, "spec.tar.gz", TestArchive.Gzip(FlipMtimeDigit(tar, spec)));
        var e = Assert.Throws<InvalidCheckpointException>(() => CheckpointListing.Read(damagedSpec));
        Assert.Equal($"archive/tar: invalid tar header ({damagedSpec}, header at offset {spec})", e.Message);
        // The header after it is checked by every pass that reads it (the plain tar's index reads all of them), not by
        // the streamed pass that stopped before it.
        var damagedNext = FlipMtimeDigit(tar, next);
        Assert.Equal("fx-simple", CheckpointListing.Read(Write(dir, "next.tar.gz", TestArchive.Gzip(damagedNext))).Container.Name);
        var plain = Write(dir, "next.tar", damagedNext);
        e = Assert.Throws<InvalidCheckpointException>(() => CheckpointListing.Read(plain));
        Assert.Equal($"archive/tar: invalid tar header ({plain}, header at offset {next})", e.Message);
    }

    public static TheoryData<string, bool> Ends()
    {
        var data = new TheoryData<string, bool>();
        foreach (var end in new[] { "two zero blocks", "record padding", "garbage after the end marker", "no end marker", "one zero block",
                     "a zero block and a half", "zero block then garbage", "zero block then a header", "truncated header", "truncated member" })
        {
            data.Add(end, false);
            data.Add(end, true);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Ends))]
    public void Only_two_zero_blocks_end_an_archive(string end, bool gzip)
    {
        var body = HostileTar.Build(
        [
            TarMember.File("config.dump", Encoding.UTF8.GetBytes(TestArchive.Config)),
            TarMember.File("spec.dump", Encoding.UTF8.GetBytes(TestArchive.Spec)),
            new TarMember("checkpoint/", TarEntryType.Directory, []),
            TarMember.File("checkpoint/pages-1.img", new byte[3000]),
        ], endMarker: false);
        var lastHeader = HostileTar.HeaderOffsets(body)[^1];
        var zero = new byte[Block];
        var garbage = Overwrite(new byte[Block], 0, Block);
        byte[] tar = end switch
        {
            "two zero blocks" => [.. body, .. zero, .. zero],
            "record padding" => [.. body, .. new byte[20 * Block]],
            "garbage after the end marker" => [.. body, .. zero, .. zero, .. garbage],
            "no end marker" => body,
            "one zero block" => [.. body, .. zero],
            "a zero block and a half" => [.. body, .. zero, .. new byte[Block / 2]],
            "zero block then garbage" => [.. body, .. zero, .. garbage],
            "zero block then a header" => [.. body, .. zero, .. HostileTar.Build([TarMember.File("later", [1])])],
            "truncated header" => body[..(int)(lastHeader + 100)],
            _ => body[..(int)(lastHeader + Block + 1000)],
        };
        using var dir = new ScratchDir();
        var path = Write(dir, "end.tar", gzip ? TestArchive.Gzip(tar) : tar);
        var result = CliRunner.Run("show", path);
        var expected = end switch
        {
            "two zero blocks" or "record padding" or "garbage after the end marker" => null,
            "zero block then garbage" or "zero block then a header" => $"archive/tar: invalid tar header ({path}, header at offset {body.Length + Block})",
            _ => $"unexpected EOF ({path})",
        };
        if (expected == null)
            Assert.True(result.ExitCode == 0, result.Stderr);
        else
            Assert.Equal(expected, CliRunner.AssertError(result));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_empty_input_has_no_checkpoint_directory_as_upstream_says(bool gzip)
    {
        using var dir = new ScratchDir();
        var path = Write(dir, "empty.tar", gzip ? TestArchive.Gzip([]) : []);
        Assert.Equal($"checkpoint directory is missing in the archive file: {path}", CliRunner.AssertError(CliRunner.Run("show", path)));
    }

    [Fact]
    public void A_pax_size_record_and_a_base_256_size_place_the_next_header()
    {
        // Writers put sizes of 8 GiB and more in a PAX record (the header's field then says 0) or in base-256; the
        // header after such a member is where the real size says, so reading it proves the size was followed.
        var data = Encoding.ASCII.GetBytes(new string('x', 3000));
        var tar = HostileTar.Build(
        [
            TarMember.File("config.dump", Encoding.UTF8.GetBytes(TestArchive.Config)),
            TarMember.File("pax-sized", data) with { DeclaredSize = 0, Pax = [new("size", "3000")] },
            TarMember.File("base-256", data) with { Patch = h => { h.AsSpan(124, 12).Clear(); h[124] = 0x80; h[134] = 3000 >> 8; h[135] = 3000 & 0xFF; } },
            TarMember.File("spec.dump", Encoding.UTF8.GetBytes(TestArchive.Spec)),
        ]);
        foreach (var seekable in new[] { true, false })
        {
            using var archive = Read(tar, seekable);
            Assert.Equal([("config.dump", (long)TestArchive.Config.Length), ("pax-sized", 3000L), ("base-256", 3000L), ("spec.dump", TestArchive.Spec.Length)],
                archive.Members.Select(m => (m.Name, m.Size)));
        }
    }

    [Theory]
    [InlineData("a metadata header after a PAX header")]
    [InlineData("a PAX header after a GNU long name")]
    [InlineData("a PAX size that is not decimal")]
    [InlineData("a PAX record with a newline inside")]
    [InlineData("a base-256 size of 2^63")]
    [InlineData("device numbers that are not octal")]
    [InlineData("a PAX path with a NUL")]
    public void Headers_Go_refuses_or_the_reader_could_place_differently_are_invalid(string what)
    {
        var pax = new TarMember("PaxHeaders/x", TarEntryType.ExtendedAttributes, HostileTar.PaxRecords([new("comment", "x")]));
        var members = what switch
        {
            "a metadata header after a PAX header" => [pax, new TarMember("././@LongLink", TarEntryType.LongPath, "name\0"u8.ToArray())],
            "a PAX header after a GNU long name" => [new TarMember("././@LongLink", TarEntryType.LongPath, "name\0"u8.ToArray()), pax],
            "a PAX size that is not decimal" => [TarMember.File("a", new byte[10]) with { Pax = [new("size", "+10")] }],
            "a PAX record with a newline inside" => [TarMember.File("a", new byte[10]) with { Pax = [new("comment", "1\n2"), new("size", "10")] }],
            "a base-256 size of 2^63" => [TarMember.File("a", new byte[10]) with { Patch = h => { h.AsSpan(124, 12).Clear(); h[124] = 0x80; h[128] = 0x80; } }],
            // TarReader reads them only for devices, Go for every ustar and GNU header.
            "device numbers that are not octal" => [TarMember.File("a", new byte[10]) with { Patch = h => "9z"u8.CopyTo(h.AsSpan(329)) }],
            _ => new List<TarMember> { TarMember.File("a", new byte[10]) with { Pax = [new("path", "a\0b")] } },
        };
        var first = TarMember.File("config.dump", [1]);
        var tar = HostileTar.Build([first, .. members, TarMember.File("b", [2])]);
        // The second metadata header, or the PAX header whose records are wrong, or the member's own header.
        var at = HostileTar.Build([first, .. members.Take(what.Contains("after") ? 1 : 0)], endMarker: false).Length;
        var expected = $"archive/tar: invalid tar header (t.tar, header at offset {at})";
        foreach (var seekable in new[] { true, false })
            Assert.Equal(expected, Assert.Throws<InvalidCheckpointException>(() => Read(tar, seekable).Dispose()).Message);
    }

    [Theory]
    [InlineData(TarEntryFormat.V7)]
    [InlineData(TarEntryFormat.Ustar)]
    [InlineData(TarEntryFormat.Pax)]
    [InlineData(TarEntryFormat.Gnu)]
    public void Archives_written_by_TarWriter_read(TarEntryFormat format)
    {
        var longDir = new string('d', 90) + "/";
        var files = new List<(string Name, int Size)> { ("empty", 0), ("one", 1), ("block", 512), ("block-and-one", 513), (longDir + "five-k", 5000) };
        if (format is TarEntryFormat.Pax or TarEntryFormat.Gnu)
            files.Add((longDir + new string('n', 150), 700));
        var output = new MemoryStream();
        using (var writer = new TarWriter(output, format, leaveOpen: true))
        {
            if (format == TarEntryFormat.Pax)
                writer.WriteEntry(new PaxGlobalExtendedAttributesTarEntry(new Dictionary<string, string> { ["comment"] = "global" }));
            writer.WriteEntry(Entry(format, TarEntryType.Directory, longDir));
            foreach (var (name, size) in files)
            {
                var entry = format == TarEntryFormat.Pax
                    ? new PaxTarEntry(TarEntryType.RegularFile, name, new Dictionary<string, string> { ["comment"] = new('c', 300), ["mtime"] = "1.5" })
                    : Entry(format, TarEntryType.RegularFile, name);
                entry.DataStream = new MemoryStream(Enumerable.Range(0, size).Select(i => (byte)i).ToArray());
                writer.WriteEntry(entry);
            }
            var link = Entry(format, TarEntryType.SymbolicLink, "link");
            link.LinkName = format is TarEntryFormat.Pax or TarEntryFormat.Gnu ? longDir + new string('t', 150) : "target";
            writer.WriteEntry(link);
        }
        var tar = output.ToArray();
        foreach (var (bytes, seekable) in new[] { (tar, true), (tar, false), (TestArchive.Gzip(tar), false) })
        {
            using var archive = Read(bytes, seekable);
            Assert.Equal(files.Select(f => (f.Name, (long)f.Size)), archive.Members.Select(m => (m.Name, m.Size)));
            Assert.Equal([("link", TarEntryType.SymbolicLink)], archive.OtherEntries);
        }
    }

    [ToolFact("tar")]
    public void Archives_written_by_gnu_tar_read()
    {
        using var dir = new ScratchDir();
        var longDir = new string('d', 120);
        var tree = Path.Combine(dir.Path, "tree");
        var files = new List<(string Name, int Size)> { ("empty", 0), ("one", 1), ("block-and-one", 513), ($"{longDir}/{new string('n', 150)}", 3000) };
        foreach (var (name, size) in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(tree, name))!);
            File.WriteAllBytes(Path.Combine(tree, name), new byte[size]);
        }
        File.CreateSymbolicLink(Path.Combine(tree, "link-" + new string('k', 110)), $"{longDir}/{new string('n', 150)}");
        File.CreateSymbolicLink(Path.Combine(tree, "short-link"), "one");
        var shortTree = Path.Combine(dir.Path, "short");
        Directory.CreateDirectory(Path.Combine(shortTree, "sub"));
        File.WriteAllBytes(Path.Combine(shortTree, "sub", "file"), new byte[1500]);
        foreach (var (format, source, extra) in new[] { ("gnu", tree, ""), ("posix", tree, "--pax-option=comment=checkpointctl"), ("ustar", shortTree, ""), ("v7", shortTree, "") })
        {
            var tar = Path.Combine(dir.Path, format + ".tar");
            var args = new List<string> { $"--format={format}", "-cf", tar, "-C", source, "." };
            if (extra.Length > 0)
                args.Insert(0, extra);
            Run("tar", args);
            var expected = source == tree ? files.OrderBy(f => f.Name, StringComparer.Ordinal).ToList() : [("sub/file", 1500)];
            foreach (var seekable in new[] { true, false })
            {
                using var archive = Read(File.ReadAllBytes(tar), seekable);
                Assert.Equal(expected, archive.Members.Select(m => (m.Name, (int)m.Size)).OrderBy(m => m.Name, StringComparer.Ordinal).ToList());
            }
            File.Delete(tar);
        }
    }

    /// <summary>Every tar in the shared fixtures, and every tar inside them (layers, CRIU's tmpfs archives, rootfs diffs).</summary>
    public static TheoryData<string> FixtureTars()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(TestPaths.Fixtures, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (new FileInfo(file).LinkTarget == null && IsTar(File.ReadAllBytes(file)))
                data.Add(Path.GetRelativePath(TestPaths.Fixtures, file));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(FixtureTars))]
    public void Every_tar_of_the_shared_fixtures_reads(string relative)
    {
        var pending = new Queue<(string, byte[])>([(relative, File.ReadAllBytes(Path.Combine(TestPaths.Fixtures, relative)))]);
        var checkedTars = 0;
        while (pending.TryDequeue(out var item))
        {
            var (name, bytes) = item;
            foreach (var seekable in new[] { true, false })
            {
                using var archive = Read(bytes, seekable, name);
                Assert.True(archive.IsIndexComplete);
            }
            checkedTars++;
            foreach (var (member, data) in RegularMembers(HostileCompression.Decompress(bytes)))
            {
                if (IsTar(data))
                    pending.Enqueue(($"{name}/{member}", data));
            }
        }
        Assert.True(checkedTars >= 1);
    }

    [Theory]
    [InlineData("plain")]
    [InlineData("streamed")]
    [InlineData("directory")]
    public void Held_member_limits_hold_for_every_kind_of_input(string kind)
    {
        using var dir = new ScratchDir();
        var checkpoint = TestArchive.Minimal().File("a", new byte[600 << 10]).File("b", new byte[600 << 10]).File("big", new byte[2 << 20]);
        var path = kind switch
        {
            "plain" => checkpoint.WriteTo(dir.Path, "c.tar"),
            "streamed" => checkpoint.WriteTo(dir.Path, "c.tar.gz", TestArchive.Gzip),
            _ => Unpack(checkpoint.ToTar(), Path.Combine(dir.Path, "c")),
        };
        string Hold(params string[] names)
        {
            var request = new ArchiveRequest { Hold = [.. names.Select(n => (MemberPattern)n)], MaxMemberBytes = 1 << 20, MaxHeldBytes = 1 << 20 };
            return Assert.Throws<InvalidCheckpointException>(() =>
            {
                using var archive = CheckpointArchive.Open(path, request);
                foreach (var name in names)
                    archive.TryGetBytes(name);
            }).Message;
        }
        Assert.Equal($"{path}: members read into memory exceed the 1 MiB limit at b", Hold("a", "b"));
        Assert.Equal($"{path}: member big is {2 << 20} bytes, larger than the 1 MiB limit for members read into memory", Hold("big"));
    }

    private static CheckpointArchive Read(byte[] bytes, bool seekable, string name = "t.tar") =>
        CheckpointArchive.Read(name, seekable ? new MemoryStream(bytes) : new NonSeekableStream(new MemoryStream(bytes)),
            new ArchiveRequest { NeedIndex = true, RequireCheckpointDirectory = false });

    private static TarEntry Entry(TarEntryFormat format, TarEntryType type, string name) => format switch
    {
        TarEntryFormat.V7 => new V7TarEntry(type == TarEntryType.RegularFile ? TarEntryType.V7RegularFile : type, name),
        TarEntryFormat.Ustar => new UstarTarEntry(type, name),
        TarEntryFormat.Pax => new PaxTarEntry(type, name),
        _ => new GnuTarEntry(type, name),
    };

    // A plain tar (ustar magic, or nothing but zero blocks), or a compressed one.
    private static bool IsTar(byte[] bytes)
    {
        if (Compression.Detect(bytes) != CompressionKind.None)
        {
            try
            {
                bytes = HostileCompression.Decompress(bytes);
            }
            catch (Exception)
            {
                return false;
            }
            if (bytes.Length == 0)
                return false;
        }
        return bytes.Length >= 2 * Block && bytes.Length % Block == 0
               && (bytes.AsSpan(257, 5).SequenceEqual("ustar"u8) || !bytes.AsSpan().ContainsAnyExcept((byte)0));
    }

    private static List<(string, byte[])> RegularMembers(byte[] tar)
    {
        var members = new List<(string, byte[])>();
        using var reader = new TarReader(new MemoryStream(tar));
        while (reader.GetNextEntry(copyData: true) is { } entry)
        {
            if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile && entry.DataStream is { } data)
                members.Add((entry.Name, ((MemoryStream)data).ToArray()));
        }
        return members;
    }

    private static string Unpack(byte[] tar, string directory)
    {
        Directory.CreateDirectory(directory);
        TarFile.ExtractToDirectory(new MemoryStream(tar), directory, overwriteFiles: false);
        return directory;
    }

    // Each byte changed (XOR with a non-zero value), seeded: as dd of random data, but never a no-op.
    private static byte[] Overwrite(byte[] bytes, int at, int count)
    {
        var copy = (byte[])bytes.Clone();
        var random = new Random(12345);
        for (var i = at; i < at + count; i++)
            copy[i] ^= (byte)random.Next(1, 256);
        return copy;
    }

    // One digit of the mtime field changed to another octal digit: TarReader still reads the header, only its checksum
    // is wrong.
    private static byte[] FlipMtimeDigit(byte[] tar, long header)
    {
        var copy = (byte[])tar.Clone();
        copy[header + 136 + 5] ^= 1;
        return copy;
    }

    private static string Name(byte[] tar, long header) => Encoding.UTF8.GetString(tar.AsSpan((int)header, 100)).TrimEnd('\0');

    private static byte[] Compress(byte[] tar, string kind) =>
        HostileCompression.Compress(tar, Enum.Parse<CompressionKind>(kind, ignoreCase: true));

    private static string Write(ScratchDir dir, string name, byte[] bytes)
    {
        var path = Path.Combine(dir.Path, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static void Run(string tool, IEnumerable<string> args)
    {
        using var process = Process.Start(new ProcessStartInfo(tool, args) { RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{tool}: {error}");
    }
}
