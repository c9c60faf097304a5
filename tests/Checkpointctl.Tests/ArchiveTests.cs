using System.Diagnostics;
using System.Text.RegularExpressions;
using Checkpointctl.Core.Archive;
using Checkpointctl.Core;
using Checkpointctl.Core.Analysis;

namespace Checkpointctl.Tests;

public class ArchiveTests
{
    public static TheoryData<string> PodmanArchives()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.EnumerateFiles(Path.Combine(TestPaths.Fixtures, "archives"), "*.listing.txt").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(f)[..^".listing.txt".Length]);
        return data;
    }

    [Theory]
    [MemberData(nameof(PodmanArchives))]
    public void Members_and_sizes_match_tar_listing(string name)
    {
        var expected = new List<(string, long)>();
        foreach (var line in File.ReadLines(TestPaths.Archive(name + ".listing.txt")))
        {
            var m = Regex.Match(line, @"^-\S+\s+\S+\s+(\d+)\s+\S+\s+\S+\s+(.+)$");
            if (m.Success)
                expected.Add((m.Groups[2].Value, long.Parse(m.Groups[1].Value)));
        }
        foreach (var seekable in new[] { true, false })
        {
            var path = TestPaths.Archive(name);
            Stream stream = seekable ? File.OpenRead(path) : new NonSeekableStream(File.OpenRead(path));
            using var archive = CheckpointArchive.Read(path, stream, new ArchiveRequest { NeedIndex = true });
            Assert.True(archive.IsIndexComplete);
            Assert.Equal(expected, archive.Members.Select(m => (m.Name, m.Size)));
        }
    }

    [Fact]
    public void Plain_tar_show_reads_headers_and_the_two_json_files_only()
    {
        var path = TestPaths.Wrapped("piggie-podman.tar");
        using var archive = CheckpointArchive.Open(path, CheckpointOverview.Request);
        CheckpointOverview.FromArchive(archive);
        Assert.True(archive.SupportsRandomAccess);
        // 79 members: one 512-byte header (+ PAX headers) each, plus config.dump and spec.dump.
        Assert.InRange(archive.BytesRead.Bytes, 1000, 100 * 1024);
        Assert.True(archive.BytesRead.Bytes < new FileInfo(path).Length / 8);
    }

    [Fact]
    public void Streaming_pass_stops_once_exact_members_are_found()
    {
        var path = TestPaths.Wrapped("pytree-containerd.tar.gz");
        using var full = CheckpointArchive.Open(path, new ArchiveRequest { NeedIndex = true });
        using var early = CheckpointArchive.Open(path, new ArchiveRequest { Hold = [ArchiveLayout.ConfigDump, ArchiveLayout.SpecDump, ArchiveLayout.Image("core-7032.img")] });
        Assert.False(early.IsIndexComplete);
        Assert.True(early.BytesRead.Bytes < full.BytesRead.Bytes / 2, $"{early.BytesRead.Bytes} vs {full.BytesRead.Bytes}");
        Assert.NotNull(early.TryGetBytes(ArchiveLayout.SpecDump));
    }

    [Fact]
    public void Globs_match_within_one_segment_and_never_by_substring()
    {
        MemberPattern core = "checkpoint/core-*.img";
        Assert.True(core.Matches("checkpoint/core-1.img"));
        Assert.False(core.Matches("checkpoint/x/core-1.img"));
        Assert.False(core.Matches("xcheckpoint/core-1.img"));
        Assert.False(core.Matches("checkpoint/core-1.img.bak"));
        MemberPattern spec = "spec.dump";
        Assert.False(spec.Matches("x/spec.dump"));
        Assert.False(spec.Matches("evil-spec.dump"));
    }

    [Theory]
    [InlineData("bzip2")]
    [InlineData("xz")]
    public void Bzip2_and_xz_are_detected_by_magic(string tool)
    {
        using var dir = new ScratchDir();
        var tar = TestArchive.Minimal().WriteTo(dir.Path, "a.tar");
        Process.Start(new ProcessStartInfo(tool, ["-k", tar]))!.WaitForExit();
        var compressed = tar + (tool == "xz" ? ".xz" : ".bz2");
        var renamed = Path.Combine(dir.Path, "no-extension");
        File.Move(compressed, renamed);
        var overview = CheckpointOverview.Read(renamed);
        Assert.Equal("test-ctr", overview.Container.Name);
        Assert.Equal("2026-01-02T03:04:05+01:00", overview.Container.Created);
        using var archive = CheckpointArchive.Open(renamed, new ArchiveRequest());
        Assert.Equal(tool == "xz" ? CompressionKind.Xz : CompressionKind.Bzip2, archive.Compression);
        using var piped = CheckpointArchive.Read(renamed, new NonSeekableStream(File.OpenRead(renamed)), CheckpointOverview.Request);
        Assert.Equal("test-ctr", CheckpointOverview.FromArchive(piped).Container.Name);
    }

    [Theory]
    [InlineData("bzip2")]
    [InlineData("xz")]
    public void Bzip2_and_xz_input_is_read_in_blocks_not_a_byte_per_system_call(string tool)
    {
        using var dir = new ScratchDir();
        var noise = new byte[1 << 20];
        new Random(7).NextBytes(noise);
        var tar = TestArchive.Minimal().File("checkpoint/pages-1.img", noise).WriteTo(dir.Path, "a.tar");
        Process.Start(new ProcessStartInfo(tool, ["-k", tar]))!.WaitForExit();
        var compressed = tar + (tool == "xz" ? ".xz" : ".bz2");
        var source = new ReadCallCounter(File.OpenRead(compressed));
        using var archive = CheckpointArchive.Read(compressed, source, new ArchiveRequest { NeedIndex = true });
        Assert.Equal(1 << 20, archive.Members.Single(m => m.Name == "checkpoint/pages-1.img").Size);
        // SharpCompress's decoders ask for one byte at a time; unbuffered that was one read per compressed byte.
        Assert.InRange(source.Calls, 1, new FileInfo(compressed).Length / 16384);
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("zstd")]
    [InlineData("bzip2")]
    [InlineData("xz")]
    public void A_held_member_costs_its_size_not_a_second_copy_in_the_decompressor(string tool)
    {
        const int size = 64 << 20;
        var compressed = Compress(tool, TestArchive.Minimal().File("checkpoint/core-1.img", new byte[size]).ToTar());
        var before = GC.GetAllocatedBytesForCurrentThread();
        using var archive = CheckpointArchive.Read("held", new MemoryStream(compressed), new ArchiveRequest { Hold = ["checkpoint/core-1.img"] });
        Assert.Equal(size, archive.TryGetBytes("checkpoint/core-1.img")!.Value.Length);
        // The growing read buffer (1 + 2 + 4 + 8 + 16 MiB, then the full size) and the decoder's own state; before, xz
        // also rented an array as large as each read.
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, size, size + (48L << 20));
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("zstd")]
    [InlineData("bzip2")]
    [InlineData("xz")]
    public void Concatenated_compressed_streams_read_as_one(string tool)
    {
        // Split inside a member, so the second stream must be decoded to finish the tar; xz adds stream padding.
        var tar = TestArchive.Minimal().File("checkpoint/pages-1.img", new byte[100_000]).ToTar();
        var half = tar.Length / 2;
        var joined = Compress(tool, tar[..half]).Concat(tool == "xz" ? new byte[8] : []).Concat(Compress(tool, tar[half..])).ToArray();
        using var expected = CheckpointArchive.Read("plain", new MemoryStream(tar), new ArchiveRequest { NeedIndex = true });
        using var archive = CheckpointArchive.Read("joined", new MemoryStream(joined), new ArchiveRequest { NeedIndex = true });
        Assert.NotEqual(CompressionKind.None, archive.Compression);
        Assert.Equal(expected.Members.Select(m => (m.Name, m.Size)), archive.Members.Select(m => (m.Name, m.Size)));
    }

    [Fact]
    public void Liblzma_decodes_xz_here()
    {
        // Without it xz falls back to the managed decoder, a third of the speed; CI must notice that.
        Assert.True(LiblzmaXzStream.IsAvailable);
    }

    [Theory]
    [InlineData("one stream")]
    [InlineData("xz -9")]
    [InlineData("three streams and padding")]
    [InlineData("empty input stream")]
    public void Liblzma_and_the_managed_xz_decoder_read_the_same_bytes(string shape)
    {
        var noise = new byte[300_000];
        new Random(11).NextBytes(noise);
        var data = noise.Concat(new byte[500_000]).ToArray();
        var xz = shape switch
        {
            "one stream" => Compress("xz", data),
            "xz -9" => Compress("xz", data, "-9"),
            "three streams and padding" => Compress("xz", data[..1000]).Concat(new byte[4])
                .Concat(Compress("xz", data[1000..400_000])).Concat(new byte[12]).Concat(Compress("xz", data[400_000..])).ToArray(),
            _ => Compress("xz", []),
        };
        var expected = shape == "empty input stream" ? [] : data;
        Assert.Equal(expected, ReadAll(new LiblzmaXzStream(new MemoryStream(xz))));
        Assert.Equal(expected, ReadAll(Compression.ManagedXz(new MemoryStream(xz))));
    }

    [Theory]
    [InlineData("truncated", "unexpected EOF")]
    [InlineData("flipped byte", null)]
    [InlineData("padding of three", null)]
    [InlineData("garbage after", null)]
    public void Liblzma_and_the_managed_xz_decoder_both_reject_broken_xz(string damage, string? message)
    {
        var noise = new byte[200_000];
        new Random(12).NextBytes(noise);
        var xz = Compress("xz", noise);
        xz = damage switch
        {
            "truncated" => xz[..(xz.Length / 2)],
            "flipped byte" => xz.Select((b, i) => i == xz.Length / 2 ? (byte)(b ^ 0x10) : b).ToArray(),
            "padding of three" => xz.Concat(new byte[3]).Concat(xz).ToArray(),
            _ => xz.Concat("garbage after the stream"u8.ToArray()).ToArray(),
        };
        Stream Checked(Stream decoder) => new DecompressionErrorStream(decoder, CompressionKind.Xz);
        var e = Assert.Throws<DecompressionException>(() => ReadAll(Checked(new LiblzmaXzStream(new MemoryStream(xz)))));
        if (message != null)
            Assert.Equal(message, e.Message);
        // The managed decoder reports truncation as "Data Error".
        Assert.Throws<DecompressionException>(() => ReadAll(Checked(Compression.ManagedXz(new MemoryStream(xz)))));
    }

    [Fact]
    public void Xz_needing_more_than_the_memory_limit_is_refused_before_decoding()
    {
        var xz = Compress("xz", new byte[1000], "--lzma2=dict=256MiB");
        var e = Assert.Throws<InvalidCheckpointException>(() => CheckpointArchive.Read("big-dict.xz", new MemoryStream(xz), new ArchiveRequest { NeedIndex = true }));
        Assert.Equal("big-dict.xz: xz: the xz stream needs more memory to decompress than the 128 MiB limit", e.Message);
    }

    [Fact]
    public void Libzstd_decodes_zstd_here()
    {
        // Without it zstd falls back to ZstdSharp, which needs about a quarter more CPU; CI must notice that.
        Assert.True(LibzstdStream.IsAvailable);
    }

    [Theory]
    [InlineData("one frame")]
    [InlineData("zstd -19")]
    [InlineData("window at the limit")]
    [InlineData("three frames and a skippable frame")]
    [InlineData("empty frame")]
    public void Libzstd_and_ZstdSharp_read_the_same_bytes(string shape)
    {
        var noise = new byte[300_000];
        new Random(13).NextBytes(noise);
        var data = noise.Concat(new byte[500_000]).Concat(noise).ToArray();
        byte[] skippable = [0x5A, 0x2A, 0x4D, 0x18, 3, 0, 0, 0, 1, 2, 3];
        var zst = shape switch
        {
            "one frame" => Compress("zstd", data),
            "zstd -19" => Compress("zstd", data, "-19"),
            "window at the limit" => Compress("zstd", data, "--long=27"),
            "three frames and a skippable frame" => Compress("zstd", data[..1000]).Concat(skippable)
                .Concat(Compress("zstd", data[1000..400_000])).Concat(Compress("zstd", data[400_000..])).ToArray(),
            _ => Compress("zstd", []),
        };
        var expected = shape == "empty frame" ? [] : data;
        Assert.Equal(expected, ReadAll(new LibzstdStream(new MemoryStream(zst))));
        Assert.Equal(expected, ReadAll(Compression.ManagedZstd(new MemoryStream(zst))));
        // Read in small pieces, the native decoder keeps its place between calls.
        Assert.Equal(expected, ReadInPieces(new LibzstdStream(new MemoryStream(zst)), 1000));
    }

    [Theory]
    [InlineData("truncated", "unexpected EOF")]
    [InlineData("truncated at the checksum", "unexpected EOF")]
    [InlineData("flipped byte", "zstd: invalid compressed data")]
    [InlineData("garbage after", "zstd: invalid compressed data")]
    [InlineData("window over the limit", "zstd: the zstd frame needs a window larger than the 128 MiB limit")]
    public void Libzstd_and_ZstdSharp_both_reject_broken_zstd(string damage, string message)
    {
        var noise = new byte[200_000];
        new Random(14).NextBytes(noise);
        var zst = Compress("zstd", noise, damage == "window over the limit" ? "--long=28" : null);
        zst = damage switch
        {
            "truncated" => zst[..(zst.Length / 2)],
            "truncated at the checksum" => zst[..^2],
            "flipped byte" => zst.Select((b, i) => i == zst.Length / 2 ? (byte)(b ^ 0x10) : b).ToArray(),
            "garbage after" => zst.Concat("garbage after the frame"u8.ToArray()).ToArray(),
            _ => zst,
        };
        Stream Checked(Stream decoder) => new DecompressionErrorStream(decoder, CompressionKind.Zstd);
        Assert.Equal(message, Assert.Throws<DecompressionException>(() => ReadAll(Checked(new LibzstdStream(new MemoryStream(zst))))).Message);
        Assert.Equal(message, Assert.Throws<DecompressionException>(() => ReadAll(Checked(Compression.ManagedZstd(new MemoryStream(zst))))).Message);
    }

    [Fact]
    public void Libbz2_decodes_bzip2_here()
    {
        // Without it bzip2 falls back to the managed decoder, two thirds of the speed; CI must notice that.
        Assert.True(Libbz2Stream.IsAvailable);
    }

    [Theory]
    [InlineData("one stream")]
    [InlineData("bzip2 -1, several blocks")]
    [InlineData("three streams")]
    public void Libbz2_and_the_managed_bzip2_decoder_read_the_same_bytes(string shape)
    {
        var noise = new byte[300_000];
        new Random(15).NextBytes(noise);
        var data = noise.Concat(new byte[500_000]).ToArray();
        var bz2 = shape switch
        {
            "one stream" => Compress("bzip2", data),
            "bzip2 -1, several blocks" => Compress("bzip2", data, "-1"),
            _ => Compress("bzip2", data[..1000]).Concat(Compress("bzip2", data[1000..400_000])).Concat(Compress("bzip2", data[400_000..])).ToArray(),
        };
        Assert.Equal(data, ReadAll(new Libbz2Stream(new MemoryStream(bz2))));
        Assert.Equal(data, ReadInPieces(new Libbz2Stream(new MemoryStream(bz2)), 1000));
        Assert.Equal(data, ReadAll(Compression.ManagedBzip2(new MemoryStream(bz2))));
    }

    [Theory]
    [InlineData("truncated", "unexpected EOF")]
    [InlineData("truncated at the stream's end", "unexpected EOF")]
    [InlineData("flipped byte", "bzip2: invalid compressed data")]
    [InlineData("garbage after", "bzip2: invalid compressed data")]
    public void Libbz2_rejects_broken_bzip2(string damage, string message)
    {
        var noise = new byte[200_000];
        new Random(16).NextBytes(noise);
        var bz2 = Compress("bzip2", noise);
        bz2 = damage switch
        {
            "truncated" => bz2[..(bz2.Length / 2)],
            "truncated at the stream's end" => bz2[..^2],
            "flipped byte" => bz2.Select((b, i) => i == bz2.Length / 2 ? (byte)(b ^ 0x10) : b).ToArray(),
            _ => bz2.Concat("garbage after the stream"u8.ToArray()).ToArray(),
        };
        var checkedStream = new DecompressionErrorStream(new Libbz2Stream(new MemoryStream(bz2)), CompressionKind.Bzip2);
        Assert.Equal(message, Assert.Throws<DecompressionException>(() => ReadAll(checkedStream)).Message);
    }

    private static byte[] ReadInPieces(Stream stream, int piece)
    {
        using (stream)
        {
            var output = new MemoryStream();
            var buffer = new byte[piece];
            int n;
            while ((n = stream.Read(buffer)) > 0)
                output.Write(buffer, 0, n);
            return output.ToArray();
        }
    }

    private static byte[] ReadAll(Stream stream)
    {
        using (stream)
        {
            var output = new MemoryStream();
            stream.CopyTo(output);
            return output.ToArray();
        }
    }

    private static byte[] Compress(string tool, byte[] data, string? option = null)
    {
        var p = Process.Start(new ProcessStartInfo(tool, option == null ? ["-c"] : ["-c", option]) { RedirectStandardInput = true, RedirectStandardOutput = true })!;
        var output = new MemoryStream();
        var copy = p.StandardOutput.BaseStream.CopyToAsync(output);
        p.StandardInput.BaseStream.Write(data);
        p.StandardInput.Close();
        copy.Wait();
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        return output.ToArray();
    }

    private sealed class ReadCallCounter(Stream inner) : ForwardReadStream
    {
        public int Calls { get; private set; }

        public override int Read(Span<byte> buffer)
        {
            Calls++;
            return inner.Read(buffer);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                inner.Dispose();
            base.Dispose(disposing);
        }
    }

    [Fact]
    public void Archive_without_directory_entries_is_accepted()
    {
        using var dir = new ScratchDir();
        var path = TestArchive.Minimal().Without("checkpoint/").WriteTo(dir.Path, "nodirs.tar", TestArchive.Zstd);
        Assert.Equal(0, CliRunner.Run("show", path).ExitCode);
    }

    [Fact]
    public void Symlinks_named_like_needed_files_are_not_followed()
    {
        using var dir = new ScratchDir();
        var path = TestArchive.Minimal().Without("config.dump")
            .Link("config.dump", System.Formats.Tar.TarEntryType.SymbolicLink, "/etc/passwd")
            .WriteTo(dir.Path, "link.tar");
        Assert.Equal("open config.dump: no such file or directory", CliRunner.AssertError(CliRunner.Run("show", path)));
    }

    [Fact]
    public void Leading_dot_slash_is_dropped_and_duplicates_keep_the_last()
    {
        using var dir = new ScratchDir();
        var path = TestArchive.Minimal().Without("config.dump")
            .File("./config.dump", "{}")
            .File("config.dump", TestArchive.Config)
            .WriteTo(dir.Path, "dup.tar.gz", TestArchive.Gzip);
        Assert.Equal("test-ctr", CheckpointOverview.Read(path).Container.Name);
    }

    [Fact]
    public void A_member_over_the_limit_is_a_clear_error()
    {
        using var dir = new ScratchDir();
        var path = TestArchive.Minimal().File("checkpoint/big.img", new byte[4096]).WriteTo(dir.Path, "big.tar.zst", TestArchive.Zstd);
        var e = Assert.Throws<Checkpointctl.Core.InvalidCheckpointException>(() =>
            CheckpointArchive.Open(path, new ArchiveRequest { Hold = [ArchiveLayout.Image("*")], MaxMemberBytes = 1024 }));
        Assert.Contains("member checkpoint/big.img is 4096 bytes, larger than", e.Message);
    }
}

public class HeldMemberMemoryTests
{
    [Fact]
    public void A_huge_claimed_member_in_a_truncated_stream_fails_without_allocating_its_size()
    {
        // A tar header claiming a 200 MiB config.dump, then 1 KiB of data and the end of the (gzip) stream.
        var header = new byte[512];
        System.Text.Encoding.ASCII.GetBytes("config.dump").CopyTo(header, 0);
        System.Text.Encoding.ASCII.GetBytes("0000644\0").CopyTo(header, 100);
        System.Text.Encoding.ASCII.GetBytes("0000000\0").CopyTo(header, 108);
        System.Text.Encoding.ASCII.GetBytes("0000000\0").CopyTo(header, 116);
        System.Text.Encoding.ASCII.GetBytes(Convert.ToString(200L << 20, 8).PadLeft(11, '0') + "\0").CopyTo(header, 124);
        System.Text.Encoding.ASCII.GetBytes("00000000000\0").CopyTo(header, 136);
        header[156] = (byte)'0';
        System.Text.Encoding.ASCII.GetBytes("ustar\0").CopyTo(header, 257);
        System.Text.Encoding.ASCII.GetBytes("00").CopyTo(header, 263);
        "        "u8.CopyTo(header.AsSpan(148));
        var sum = header.Sum(b => (int)b);
        System.Text.Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(header, 148);
        var gz = TestArchive.Gzip([.. header, .. new byte[1024]]);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<Checkpointctl.Core.InvalidCheckpointException>(() =>
            Checkpointctl.Core.Archive.CheckpointArchive.Read("t.tar.gz", new MemoryStream(gz), new Checkpointctl.Core.Archive.ArchiveRequest { Hold = ["config.dump"] }));
        Assert.Equal("unexpected EOF (t.tar.gz)", e.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 32L << 20, "allocated the claimed size");
    }
}
