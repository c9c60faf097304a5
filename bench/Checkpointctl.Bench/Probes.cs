using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using Checkpointctl.Core.Analysis;
using Checkpointctl.Core.Archive;
using ZstdSharp;

namespace Checkpointctl.Bench;

/// <summary>Measurements against the core library and its building blocks.</summary>
internal static class Probes
{
    /// <summary>Opens the archive (or checkpoint image) exactly as <c>show</c> does and returns the bytes read from the file.</summary>
    public static long CountRead(string path, string command)
    {
        if (command == "inspect-all")
            return Inspection.Read(path, new InspectOptions { All = true }).BytesRead;
        using var archive = new CheckpointInput(path).Open(CheckpointOverview.Request);
        _ = CheckpointOverview.FromArchive(archive);
        return archive.BytesRead.Bytes;
    }

    /// <summary>Decompression only, read in <paramref name="buffer"/>-sized chunks (0: 128 KiB as the core uses).</summary>
    public static void Decompress(string path, int buffer)
    {
        var clock = Stopwatch.StartNew();
        using var data = Open(path, out var kind);
        var chunk = new byte[buffer > 0 ? buffer : 1 << 17];
        long total = 0;
        int n;
        while ((n = data.Read(chunk)) > 0)
            total += n;
        Console.Error.WriteLine($"decompress {kind} chunk={chunk.Length}: {total} bytes in {clock.Elapsed.TotalSeconds:F2}s");
    }

    /// <summary>What the streaming <c>show</c> pass does: walk the tar over the decompressor, skipping data.</summary>
    public static void TarScan(string path, int buffer)
    {
        var clock = Stopwatch.StartNew();
        using var decompressed = Open(path, out var kind);
        using var data = buffer > 0 ? new BufferedStream(decompressed, buffer) : decompressed;
        using var reader = new TarReader(data, leaveOpen: true);
        var entries = 0;
        long size = 0;
        while (reader.GetNextEntry(copyData: false) is { } entry)
        {
            entries++;
            size += entry.Length;
        }
        Console.Error.WriteLine($"tar-scan {kind} buffered={buffer}: {entries} entries, {size} bytes in {clock.Elapsed.TotalSeconds:F2}s");
    }

    private static Stream Open(string path, out CompressionKind kind)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 0);
        Span<byte> head = stackalloc byte[Compression.MagicLength];
        var n = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        file.Position = 0;
        kind = Compression.Detect(head[..n]);
        return kind switch
        {
            CompressionKind.Gzip => new GZipStream(file, CompressionMode.Decompress),
            // Same settings as Checkpointctl.Core.Archive.Compression.Decompress.
            CompressionKind.Zstd => new DecompressionStream(file, bufferSize: 1 << 17, checkEndOfStream: true, leaveOpen: false),
            _ => file,
        };
    }
}
