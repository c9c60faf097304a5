using Checkpointctl.Core;
using Checkpointctl.Core.Analysis;
using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Model;

namespace Checkpointctl.Tests;

/// <summary>The one page source: in place for plain tars, captured or read forward while a stream goes by, second pass when needed.</summary>
public class PageSourceTests
{
    private static readonly InspectOptions CmdAndEnv = new() { PsTreeCmd = true, PsTreeEnv = true };

    [Fact]
    public void Plain_tar_pages_are_read_in_place_and_never_captured()
    {
        var calls = 0;
        var plan = new PagesPlan { Ranges = (_, _) => { calls++; return [(0, 4096)]; } };
        using var pages = PageSource.Open(TestPaths.Wrapped("piggie-podman.tar"), new InspectOptions { PsTree = true, PsTreeCmd = true }.Normalize().ToRequest(), plan);
        Assert.Equal(0, calls);
        Assert.Contains("piggie", System.Text.Encoding.ASCII.GetString(ReadArgs(new CriuImages(pages), 1)));
    }

    [Theory]
    [InlineData("dir")]
    [InlineData("tar")]
    [InlineData("memory")]
    public void Scatter_reads_fill_every_segment_from_its_offset(string kind)
    {
        using var dir = new ScratchDir();
        var bytes = new byte[32 << 20];
        new Random(13).NextBytes(bytes);
        var data = ScatterData(dir.Path, kind, bytes);
        // More segments than one preadv takes, gaps of none, a few bytes, a page and more than are read through, and
        // segments that touch: every stretch split and joined somewhere.
        var random = new Random(5);
        var segments = new List<(long Offset, Memory<byte> Buffer)>();
        long offset = 3;
        while (segments.Count < 1500)
        {
            var length = random.Next(1, 3) * 4096 - random.Next(0, 2);
            segments.Add((offset, new byte[length]));
            offset += length + random.Next(8) switch { 1 => 7, 2 => 4096, 3 => 70_000, _ => 0 };
        }
        data.ReadScatter(segments);
        foreach (var (at, buffer) in segments)
            Assert.True(buffer.Span.SequenceEqual(bytes.AsSpan((int)at, buffer.Length)), $"segment at {at}");
        var past = (long)bytes.Length - 10;
        Assert.Equal($"read of 4096 bytes at offset {past} is past the end ({bytes.Length} bytes)",
            Assert.Throws<InvalidCheckpointException>(() => data.ReadScatter([(0, new byte[10]), (past, new byte[4096])])).Message);
    }

    private static RandomAccessData ScatterData(string dir, string kind, byte[] bytes)
    {
        if (kind == "memory")
            return RandomAccessData.FromMemory(bytes);
        var files = new DumpFiles();
        files.Files.Add(("checkpoint/pages-1.img", bytes));
        var path = kind == "dir" ? files.WriteDirectory(dir, "d") : files.WriteArchive(dir, "d.tar");
        var archive = CheckpointArchive.Open(path, new ArchiveRequest());
        return archive.TryOpenRandomAccess("checkpoint/pages-1.img")!;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Unseekable_stream_inspects_like_the_plain_tar(bool pagesFirst)
    {
        using var dir = new ScratchDir();
        var checkpoint = SyntheticCheckpoint.WithMemory();
        var plain = checkpoint.WriteTo(dir.Path, "plain.tar");
        var zstd = checkpoint.WriteTo(dir.Path, "c.tar.zst", TestArchive.Zstd, first: pagesFirst ? ["pages-1.img"] : null);
        var expected = Inspection.Read(plain, CmdAndEnv).ProcessTree!;
        var passes = 0;
        var streamed = Inspection.Read(new CheckpointInput(zstd, () => { passes++; return new NonSeekableStream(File.OpenRead(zstd)); }), CmdAndEnv);
        Assert.Equal(expected.Cmdline, streamed.ProcessTree!.Cmdline);
        Assert.Equal(expected.Environment, streamed.ProcessTree.Environment);
        Assert.Equal("prog --flag ", expected.Cmdline);
        // Pages before their pagemap: a second pass, counted in the bytes read.
        Assert.Equal(pagesFirst ? 2 : 1, passes);
        Assert.InRange(streamed.BytesRead, new FileInfo(zstd).Length * passes, new FileInfo(zstd).Length * passes);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Unseekable_stream_scans_like_the_plain_tar(bool pagesFirst)
    {
        using var dir = new ScratchDir();
        var checkpoint = SyntheticCheckpoint.WithMemory();
        var plain = checkpoint.WriteTo(dir.Path, "plain.tar");
        var gz = checkpoint.WriteTo(dir.Path, "c.tar.gz", TestArchive.Gzip, first: pagesFirst ? ["pages-1.img"] : null);
        var expected = new Collect();
        MemoryScan.Run(plain, 1, expected);
        var passes = 0;
        var streamed = new Collect();
        MemoryScan.Run(new CheckpointInput(gz, () => { passes++; return new NonSeekableStream(File.OpenRead(gz)); }), 1, streamed);
        Assert.Equal(expected.Bytes.ToArray(), streamed.Bytes.ToArray());
        Assert.Equal(3 * 4096, streamed.Bytes.Length);
        Assert.True(streamed.Ended);
        Assert.Equal(pagesFirst ? 2 : 1, passes);
    }

    private static byte[] ReadArgs(CriuImages images, uint pid)
    {
        var mm = images.Mm(pid);
        return images.Memory(pid).Read(mm.MmArgStart, mm.MmArgEnd);
    }

    /// <summary>Everything a scan delivers, in order.</summary>
    internal sealed class Collect : IMemorySink
    {
        public MemoryStream Bytes { get; } = new();
        public List<ulong> Starts { get; } = [];
        public bool Ended { get; private set; }
        private ulong _next = ulong.MaxValue;

        public void Begin(Core.Criu.Pagemap pagemap)
        {
        }

        public void Write(ulong address, ReadOnlySpan<byte> data)
        {
            if (address != _next)
                Starts.Add(address);
            _next = address + (ulong)data.Length;
            Bytes.Write(data);
        }

        public void End() => Ended = true;
    }
}
