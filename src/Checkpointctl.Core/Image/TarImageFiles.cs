using System.Formats.Tar;
using Checkpointctl.Core.Archive;

namespace Checkpointctl.Core.Image;

/// <summary>
/// The files of an image tar (oci-archive, docker-archive) that can be read at any offset: its headers are indexed
/// (member data is seeked over) and files are windows of the tar, so a layer is read in place.
/// </summary>
internal sealed class TarImageFiles : ImageFiles
{
    private readonly Dictionary<string, (long Offset, long Length)> _files = new(StringComparer.Ordinal);
    private readonly HashSet<string> _links = new(StringComparer.Ordinal);
    private readonly RandomAccessData _tar;
    private readonly IDisposable? _owned;

    /// <param name="open">The tar, with its reads counted in the given counter.</param>
    /// <param name="owned">What to close with these files (the image file's handle), if anything.</param>
    /// <param name="path">The image as given.</param>
    public TarImageFiles(string path, Func<ReadCounter, RandomAccessData> open, IDisposable? owned = null) : base(path, isDirectory: false)
    {
        _owned = owned;
        _tar = open(BytesRead);
        Index();
    }

    public override bool Exists(string name) => _files.ContainsKey(name);

    public override long SizeOf(string name) => _files.TryGetValue(name, out var f) ? f.Length : throw (_links.Contains(name) ? Link(name) : Missing(name));

    public override RandomAccessData Open(string name)
    {
        if (_files.TryGetValue(name, out var f))
            return _tar.Slice(f.Offset, f.Length);
        throw _links.Contains(name) ? Link(name) : Missing(name);
    }

    public override void Dispose() => _owned?.Dispose();

    private void Index()
    {
        var stream = new RandomAccessStream(_tar);
        var limited = new TarMetadataLimitStream(stream, Path);
        using var reader = new TarReader(limited, leaveOpen: true);
        var count = 0;
        while (Next(reader, limited) is { } entry)
        {
            if (++count > ImageLayout.MaxMembers)
                throw new InvalidCheckpointException($"{Path}: the image has more than {ImageLayout.MaxMembers} members");
            var name = ImageTar.Name(entry, Path);
            _files.Remove(name);
            _links.Remove(name);
            if (ImageTar.IsRegular(entry))
            {
                if (entry.DataOffset < 0 || entry.Length < 0 || entry.Length > _tar.Length - entry.DataOffset)
                    throw new InvalidCheckpointException($"{Path}: unexpected EOF");
                _files[name] = (entry.DataOffset, entry.Length);
            }
            else if (entry.EntryType is TarEntryType.SymbolicLink or TarEntryType.HardLink)
            {
                _links.Add(name);
            }
        }
    }

    private TarEntry? Next(TarReader reader, TarMetadataLimitStream limited)
    {
        limited.InHeader = true;
        try
        {
            return ImageTar.Guard(Path, () => reader.GetNextEntry(copyData: false));
        }
        finally
        {
            limited.InHeader = false;
        }
    }
}
