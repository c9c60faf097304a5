using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using Checkpointctl.Core.Archive;

namespace Checkpointctl.Tests.Hostile;

/// <summary>
/// One tar entry as the hostile corpus writes it. Header fields can be forced to values no honest writer produces:
/// a declared size unrelated to the data, raw header patches, a wrong checksum, extra PAX records.
/// </summary>
public sealed record TarMember(string Name, TarEntryType Type, byte[] Data, string Link = "")
{
    /// <summary>Size written in the header; the data written is always <see cref="Data"/>.</summary>
    public long? DeclaredSize { get; init; }

    /// <summary>Data of this many zero bytes instead of <see cref="Data"/>, never materialised (bombs).</summary>
    public long ZeroData { get; init; }

    /// <summary>Changes the 512-byte header before its checksum is computed.</summary>
    public Action<byte[]>? Patch { get; init; }

    public bool BadChecksum { get; init; }

    /// <summary>Records of a PAX header written before this entry (besides <c>path</c>/<c>linkpath</c> for long names).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Pax { get; init; } = [];

    /// <summary>Never use PAX for a long name: truncate it to the 100-byte ustar field.</summary>
    public bool NoPax { get; init; }

    public static TarMember File(string name, byte[] data) => new(name, TarEntryType.RegularFile, data);
}

/// <summary>A piece of a tar stream: bytes, or a run of zeros that is compressed without ever being materialised.</summary>
public readonly record struct TarPart(byte[]? Bytes, long Zeros);

/// <summary>Writes ustar/PAX tar streams byte by byte (System.Formats.Tar refuses most hostile headers).</summary>
public static class HostileTar
{
    public const int Block = 512;

    public static byte[] Build(IEnumerable<TarMember> members, bool endMarker = true)
    {
        var parts = Parts(members, endMarker);
        if (parts.Any(p => p.Bytes == null))
            throw new InvalidOperationException("a tar with virtual zero data can only be compressed");
        var output = new MemoryStream();
        foreach (var p in parts)
            output.Write(p.Bytes);
        return output.ToArray();
    }

    public static List<TarPart> Parts(IEnumerable<TarMember> members, bool endMarker = true)
    {
        var parts = new List<TarPart>();
        var current = new MemoryStream();
        foreach (var m in members)
        {
            var name = Encoding.UTF8.GetBytes(m.Name);
            var link = Encoding.UTF8.GetBytes(m.Link);
            var pax = new List<KeyValuePair<string, string>>();
            if (name.Length > 100 && !m.NoPax)
                pax.Add(new("path", m.Name));
            if (link.Length > 100 && !m.NoPax)
                pax.Add(new("linkpath", m.Link));
            pax.AddRange(m.Pax);
            if (pax.Count > 0)
            {
                var records = PaxRecords(pax);
                var paxName = "PaxHeaders.0/" + Path.GetFileName(m.Name.TrimEnd('/'));
                current.Write(Header(Truncate(Encoding.UTF8.GetBytes(paxName)), (byte)TarEntryType.ExtendedAttributes, records.Length, [], null, false));
                WritePadded(current, records);
            }
            var size = m.DeclaredSize ?? (m.ZeroData > 0 ? m.ZeroData : m.Data.Length);
            current.Write(Header(Truncate(name), (byte)m.Type, size, Truncate(link), m.Patch, m.BadChecksum));
            if (m.ZeroData > 0)
            {
                parts.Add(new TarPart(current.ToArray(), 0));
                current = new MemoryStream();
                parts.Add(new TarPart(null, m.ZeroData));
                var pad = (int)((Block - m.ZeroData % Block) % Block);
                current.Write(new byte[pad]);
            }
            else
            {
                WritePadded(current, m.Data);
            }
        }
        if (endMarker)
            current.Write(new byte[2 * Block]);
        parts.Add(new TarPart(current.ToArray(), 0));
        return parts;
    }

    private static byte[] Truncate(byte[] field) => field.Length > 100 ? field[..100] : field;

    private static void WritePadded(Stream output, byte[] data)
    {
        output.Write(data);
        output.Write(new byte[(Block - data.Length % Block) % Block]);
    }

    public static byte[] Header(byte[] name, byte type, long size, byte[] link, Action<byte[]>? patch, bool badChecksum)
    {
        var h = new byte[Block];
        name.CopyTo(h, 0);
        Octal(h, 100, 8, type == (byte)TarEntryType.Directory ? 0x1ED : 0x1A4);
        Octal(h, 108, 8, 0);
        Octal(h, 116, 8, 0);
        WriteSize(h, 124, size);
        Octal(h, 136, 12, 1764476400);
        h[156] = type;
        link.CopyTo(h, 157);
        "ustar\0"u8.CopyTo(h.AsSpan(257));
        "00"u8.CopyTo(h.AsSpan(263));
        "root"u8.CopyTo(h.AsSpan(265));
        "root"u8.CopyTo(h.AsSpan(297));
        Octal(h, 329, 8, 0);
        Octal(h, 337, 8, 0);
        patch?.Invoke(h);
        FixChecksum(h, badChecksum ? 1 : 0);
        return h;
    }

    /// <summary>Recomputes the header checksum (plus <paramref name="error"/>).</summary>
    public static void FixChecksum(Span<byte> h, int error = 0)
    {
        h.Slice(148, 8).Fill((byte)' ');
        long sum = 0;
        foreach (var b in h[..Block])
            sum += b;
        sum += error;
        var text = Encoding.ASCII.GetBytes(Convert.ToString(sum & 0x1FFFF, 8).PadLeft(6, '0'));
        text.CopyTo(h[148..]);
        h[154] = 0;
        h[155] = (byte)' ';
    }

    /// <summary>True when the stored checksum (octal between spaces and NULs) is the unsigned or signed sum of the header's bytes.</summary>
    public static bool HasValidChecksum(ReadOnlySpan<byte> h)
    {
        long unsigned = 0, signed = 0;
        for (var i = 0; i < Block; i++)
        {
            var b = i is >= 148 and < 156 ? (byte)' ' : h[i];
            unsigned += b;
            signed += (sbyte)b;
        }
        var text = Encoding.ASCII.GetString(h.Slice(148, 8)).Trim(' ', '\0');
        return text.Length > 0 && text.All(c => c is >= '0' and <= '7') && Convert.ToInt64(text, 8) is var stored && (stored == unsigned || stored == signed);
    }

    /// <summary>Octal, zero padded, NUL terminated.</summary>
    public static void Octal(Span<byte> h, int offset, int length, long value)
    {
        var text = Convert.ToString(value, 8).PadLeft(length - 1, '0');
        Encoding.ASCII.GetBytes(text[^(length - 1)..]).CopyTo(h[offset..]);
        h[offset + length - 1] = 0;
    }

    /// <summary>Octal when it fits in 11 digits, otherwise GNU base-256 (negative values too).</summary>
    public static void WriteSize(Span<byte> h, int offset, long size)
    {
        if (size is >= 0 and < 1L << 33)
        {
            Octal(h, offset, 12, size);
            return;
        }
        var field = h.Slice(offset, 12);
        field.Fill(size < 0 ? (byte)0xFF : (byte)0);
        BinaryPrimitives.WriteInt64BigEndian(field[4..], size);
        if (size >= 0)
            field[0] = 0x80;
    }

    public static byte[] PaxRecords(IEnumerable<KeyValuePair<string, string>> records)
    {
        var output = new MemoryStream();
        foreach (var (key, value) in records)
        {
            var body = Encoding.UTF8.GetByteCount(key) + Encoding.UTF8.GetByteCount(value) + 3;
            var length = body + 1;
            while (length.ToString(System.Globalization.CultureInfo.InvariantCulture).Length + body != length)
                length++;
            output.Write(Encoding.UTF8.GetBytes($"{length} {key}={value}\n"));
        }
        return output.ToArray();
    }

    /// <summary>Offsets of every header block (including PAX and GNU meta headers) of a well-formed tar.</summary>
    public static List<long> HeaderOffsets(byte[] tar)
    {
        var offsets = new List<long>();
        long o = 0;
        while (o + Block <= tar.Length)
        {
            var h = tar.AsSpan((int)o, Block);
            if (h.IndexOfAnyExcept((byte)0) < 0)
                break;
            offsets.Add(o);
            var size = ReadSize(h.Slice(124, 12));
            o += Block + (size + Block - 1) / Block * Block;
        }
        return offsets;
    }

    public static long ReadSize(ReadOnlySpan<byte> field)
    {
        if ((field[0] & 0x80) != 0)
            return BinaryPrimitives.ReadInt64BigEndian(field[4..]);
        var text = Encoding.ASCII.GetString(field).Trim('\0', ' ');
        return text.Length == 0 ? 0 : Convert.ToInt64(text, 8);
    }
}

/// <summary>Compression for the corpus: the fixture's own format, and bombs made of zero runs never held in memory.</summary>
public static class HostileCompression
{
    private static readonly ConcurrentDictionary<(CompressionKind, long), byte[]> ZeroStreams = new();

    public static byte[] Decompress(byte[] data)
    {
        var kind = Compression.Detect(data);
        if (kind == CompressionKind.None)
            return data;
        using var input = Compression.Decompress(new MemoryStream(data), kind);
        var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    public static byte[] Compress(byte[] tar, CompressionKind kind) => Compress([new TarPart(tar, 0)], kind);

    /// <summary>
    /// Gzip and zstd: one member/frame per part (decoders read concatenated members and frames as one stream), zero
    /// runs compressed once and reused. Xz and bzip2 (the <c>xz</c> and <c>bzip2</c> tools, one stream each, as those
    /// tools write a file) are fed the parts through a pipe.
    /// </summary>
    public static byte[] Compress(IReadOnlyList<TarPart> parts, CompressionKind kind)
    {
        switch (kind)
        {
            case CompressionKind.None:
                if (parts.Any(p => p.Bytes == null))
                    throw new InvalidOperationException("zero runs need compression");
                return parts.SelectMany(p => p.Bytes!).ToArray();
            case CompressionKind.Gzip:
            case CompressionKind.Zstd:
                var output = new MemoryStream();
                foreach (var p in parts)
                    output.Write(p.Bytes != null ? Member(p.Bytes, kind) : ZeroStreams.GetOrAdd((kind, p.Zeros), k => ZeroStream(k.Item1, k.Item2)));
                return output.ToArray();
            case CompressionKind.Xz:
                return Tool("xz", "-0 -T1 -c", parts);
            case CompressionKind.Bzip2:
                return Tool("bzip2", "-1 -c", parts);
            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }

    public static bool HasTool(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => d.Length > 0 && System.IO.File.Exists(Path.Combine(d, name)));

    private static byte[] Member(byte[] data, CompressionKind kind)
    {
        if (kind == CompressionKind.Zstd)
        {
            using var compressor = new ZstdSharp.Compressor(3);
            return compressor.Wrap(data).ToArray();
        }
        var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
            gz.Write(data);
        return output.ToArray();
    }

    private static byte[] ZeroStream(CompressionKind kind, long count)
    {
        var output = new MemoryStream();
        using (Stream compressor = kind == CompressionKind.Zstd
                   ? new ZstdSharp.CompressionStream(output, 1, leaveOpen: true)
                   : new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
            WriteZeros(compressor, count);
        return output.ToArray();
    }

    private static void WriteZeros(Stream output, long count)
    {
        var zeros = new byte[1 << 20];
        for (var left = count; left > 0; left -= zeros.Length)
            output.Write(zeros, 0, (int)Math.Min(left, zeros.Length));
    }

    private static byte[] Tool(string tool, string args, IReadOnlyList<TarPart> parts)
    {
        var start = new ProcessStartInfo(tool, args) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot run {tool}");
        var writer = Task.Run(() =>
        {
            using var stdin = process.StandardInput.BaseStream;
            foreach (var p in parts)
            {
                if (p.Bytes != null)
                    stdin.Write(p.Bytes);
                else
                    WriteZeros(stdin, p.Zeros);
            }
        });
        var output = new MemoryStream();
        process.StandardOutput.BaseStream.CopyTo(output);
        writer.GetAwaiter().GetResult();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{tool} exited with {process.ExitCode}");
        return output.ToArray();
    }
}
