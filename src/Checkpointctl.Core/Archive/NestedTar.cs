using System.Formats.Tar;

namespace Checkpointctl.Core.Archive;

/// <summary>
/// Lists a tar member of a checkpoint from its headers alone (member data is skipped, never extracted), plain or
/// compressed (containerd stores its <c>rootfs-diff.tar</c> gzip-compressed). Bounded: at most <see cref="MaxEntries"/>
/// entries are kept; the rest are only counted.
/// </summary>
public sealed class NestedTar
{
    /// <summary>Most entries listed of one nested tar.</summary>
    public const int MaxEntries = 100_000;

    private readonly List<NestedTarEntry> _entries = [];

    /// <summary>The archive member holding the nested tar.</summary>
    public required string Member { get; init; }

    /// <summary>The compression of the nested tar (<c>None</c> for a plain one).</summary>
    public CompressionKind Compression { get; private init; }

    /// <summary>The entries in tar order (the first <see cref="MaxEntries"/>).</summary>
    public IReadOnlyList<NestedTarEntry> Entries => _entries;

    /// <summary>Entries seen, including those past <see cref="MaxEntries"/>.</summary>
    public long EntryCount { get; private set; }

    /// <summary>Σ sizes of the regular files.</summary>
    public long FileBytes { get; private set; }

    /// <exception cref="InvalidCheckpointException">Not a tar (after decompression), or a damaged one.</exception>
    public static NestedTar Read(string member, Stream stream)
    {
        var head = new byte[Archive.Compression.MagicLength];
        var n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        var kind = Archive.Compression.Detect(head.AsSpan(0, n));
        var list = new NestedTar { Member = member, Compression = kind };
        try
        {
            // The member's stream belongs to the archive's pass: read through it, never close it.
            Stream raw = new ReadAheadStream(head.AsSpan(0, n), new Unowned(stream));
            using var data = kind == CompressionKind.None ? raw : DecompressionErrorStream.Open(raw, kind);
            var limited = new TarMetadataLimitStream(data, member);
            using var reader = new TarReader(limited, leaveOpen: true);
            while (true)
            {
                limited.InHeader = true;
                var entry = reader.GetNextEntry(copyData: false);
                limited.InHeader = false;
                if (entry == null)
                    break;
                list.Add(entry);
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException or DecompressionException
                                       or InvalidOperationException or ArgumentException or OverflowException or NotSupportedException)
        {
            throw new InvalidCheckpointException($"{member}: archive/tar: invalid tar header", e);
        }
        return list;
    }

    private sealed class Unowned(Stream inner) : ForwardReadStream
    {
        public override int Read(Span<byte> buffer) => inner.Read(buffer);
    }

    private void Add(TarEntry entry)
    {
        if (entry.EntryType is TarEntryType.GlobalExtendedAttributes)
            return;
        EntryCount++;
        var type = entry.EntryType switch
        {
            TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile => "file",
            TarEntryType.Directory => "dir",
            TarEntryType.SymbolicLink => "symlink",
            TarEntryType.HardLink => "hardlink",
            TarEntryType.CharacterDevice => "char",
            TarEntryType.BlockDevice => "block",
            TarEntryType.Fifo => "fifo",
            _ => "other",
        };
        if (type == "file")
            FileBytes += entry.Length;
        if (_entries.Count >= MaxEntries)
            return;
        var path = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name;
        var link = type is "symlink" or "hardlink" ? entry.LinkName : null;
        _entries.Add(new NestedTarEntry(path, type, type == "file" ? entry.Length : 0, (int)entry.Mode, entry.ModificationTime, link));
    }
}
