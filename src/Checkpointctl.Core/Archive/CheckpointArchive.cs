using System.Formats.Tar;
using Microsoft.Win32.SafeHandles;

namespace Checkpointctl.Core.Archive;

/// <summary>
/// A checkpoint opened for one command: a tar archive (plain or compressed) or an unpacked checkpoint directory.
/// Everything the command asked for is collected in a single pass; nothing is ever written to disk.
/// </summary>
/// <remarks>
/// Plain tar files are indexed by reading only their headers (member data is seeked over) and members are then read
/// in place on demand. Compressed or unseekable input is streamed once: requested members are held in memory,
/// consumers see theirs as they go by, everything else is skipped, and the pass stops early when nothing more is needed.
/// </remarks>
public sealed class CheckpointArchive : IDisposable
{
    private readonly Dictionary<string, ArchiveMember> _members = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ReadOnlyMemory<byte>> _held = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Func<RandomAccessData>> _randomAccess = new(StringComparer.Ordinal);
    private readonly List<IDisposable> _owned = [];
    private readonly ArchiveRequest _request;
    private long _heldBytes;
    private CheckpointArchive? _viewOf;
    private string _viewRoot = "";
    private string _memberPrefix = "";

    private CheckpointArchive(string path, ArchiveRequest request, CompressionKind compression)
    {
        Path = path;
        _request = request;
        Compression = compression;
    }

    /// <summary>The path as given by the user (used in messages).</summary>
    public string Path { get; }

    /// <summary>The compression the archive was found to have.</summary>
    public CompressionKind Compression { get; private set; }

    /// <summary>Regular-file members seen, in archive order of first appearance.</summary>
    public IEnumerable<ArchiveMember> Members => _members.Values;

    /// <summary>True when every member of the archive has been seen (always for plain tar files and directories).</summary>
    public bool IsIndexComplete { get; private set; }

    /// <summary>The archive has a <c>checkpoint/</c> directory, explicitly or implied by a member below it.</summary>
    public bool HasCheckpointDirectory { get; private set; }

    /// <summary>
    /// The input is a bare CRIU image directory (as <c>criu dump -D</c> writes it): its images are served as
    /// <c>checkpoint/</c> and there is no container metadata (config.dump, spec.dump).
    /// </summary>
    public bool IsBareImageDirectory { get; private set; }

    /// <summary>The checkpoint image this checkpoint was read from (set by the image reader), or null for a plain checkpoint.</summary>
    public ImageDescription? Image { get; internal set; }

    /// <summary>True when members can be read at any offset (plain tar file, directory), false when only streamed.</summary>
    public bool SupportsRandomAccess { get; private set; }

    /// <summary>Bytes read from the underlying file or stream so far (compressed bytes for compressed input).</summary>
    public ReadCounter BytesRead { get; } = new();

    /// <summary>Entries that are neither files nor directories (links, devices, FIFOs), in archive order; never served.</summary>
    public IReadOnlyList<(string Name, TarEntryType Type)> OtherEntries => _otherEntries;

    private readonly List<(string, TarEntryType)> _otherEntries = [];

    /// <summary>Symbolic link entries and their targets (never followed; e.g. an incremental dump's <c>checkpoint/parent</c>).</summary>
    public IReadOnlyDictionary<string, string> SymbolicLinks => _symbolicLinks;

    private readonly Dictionary<string, string> _symbolicLinks = new(StringComparer.Ordinal);

    /// <summary>Whether a regular-file member of this name was seen.</summary>
    public bool Contains(string name) => _members.ContainsKey(name);

    /// <summary>The member of this name, when seen.</summary>
    public bool TryGetMember(string name, out ArchiveMember member) => _members.TryGetValue(name, out member!);

    /// <summary>The member's bytes can be had: held, or readable in place.</summary>
    public bool CanRead(string name) => _held.ContainsKey(name) || _randomAccess.ContainsKey(name);

    /// <summary>Regular-file members whose names match <paramref name="pattern"/>.</summary>
    public IEnumerable<ArchiveMember> MembersMatching(MemberPattern pattern) => _members.Values.Where(m => pattern.Matches(m.Name));

    /// <summary>The bytes of a member that the request asked to hold, or null when the archive has no such member.</summary>
    public ReadOnlyMemory<byte>? TryGetBytes(string name)
    {
        if (_held.TryGetValue(name, out var bytes))
            return bytes;
        if (!_members.TryGetValue(name, out var member))
            return null;
        if (!_randomAccess.TryGetValue(name, out var open))
            throw new InvalidOperationException($"member {name} was not requested from {Path}");
        return Hold(member, () =>
        {
            var bytes = new byte[member.Size];
            open().ReadExactlyAt(0, bytes);
            return bytes;
        });
    }

    /// <summary>Random access to a member's data in place (plain tar or directory), or null if unavailable.</summary>
    public RandomAccessData? TryOpenRandomAccess(string name)
    {
        if (_held.TryGetValue(name, out var bytes))
            return RandomAccessData.FromMemory(bytes);
        return _randomAccess.TryGetValue(name, out var open) ? open() : null;
    }

    /// <summary>Sizes computed from tar headers (or file sizes), as upstream's <c>getArchiveSizes</c>.</summary>
    public CheckpointSizes Sizes => SizesOf(ArchiveLayout.CheckpointPrefix);

    /// <summary>The sizes with the CRIU images in <paramref name="imageSet"/> (a pre-checkpoint export's <c>pre-checkpoint/</c>).</summary>
    public CheckpointSizes SizesOf(string imageSet)
    {
        if (!IsIndexComplete)
            throw new InvalidOperationException("sizes need the complete member index");
        return CheckpointSizes.FromMembers(_allRegular, imageSet);
    }

    // Every regular-file entry including duplicates: sizes count what the archive holds.
    private readonly List<ArchiveMember> _allRegular = [];

    /// <summary>
    /// The members below <paramref name="root"/> (a directory of this archive, e.g. <c>0f3c…-k8s_counter_…/</c>), named
    /// relative to it: one container of a pod checkpoint, served by this archive's single pass (in place or held).
    /// A snapshot of the members seen so far (<see cref="Refresh"/> takes them again); this archive keeps owning the
    /// files and must outlive the view.
    /// </summary>
    public CheckpointArchive View(string root)
    {
        var view = new CheckpointArchive(Path, _request, Compression) { _viewOf = this, _viewRoot = root };
        view.Refresh();
        return view;
    }

    /// <summary>A view takes its archive's members below its root again, e.g. once a paused pass has gone on to its end.</summary>
    internal void Refresh()
    {
        var (source, root) = (_viewOf!, _viewRoot);
        IsIndexComplete = source.IsIndexComplete;
        SupportsRandomAccess = source.SupportsRandomAccess;
        Image = source.Image;
        _members.Clear();
        foreach (var member in source._members.Values.Where(m => m.Name.StartsWith(root, StringComparison.Ordinal)))
        {
            var name = member.Name[root.Length..];
            _members[name] = member with { Name = name };
            if (source._held.TryGetValue(member.Name, out var bytes))
                _held[name] = bytes;
            if (source._randomAccess.TryGetValue(member.Name, out var open))
                _randomAccess[name] = open;
            HasCheckpointDirectory |= name.StartsWith(ArchiveLayout.CheckpointPrefix, StringComparison.Ordinal);
        }
        _allRegular.Clear();
        _allRegular.AddRange(source._allRegular.Where(m => m.Name.StartsWith(root, StringComparison.Ordinal)).Select(m => m with { Name = m.Name[root.Length..] }));
        _otherEntries.Clear();
        _otherEntries.AddRange(source._otherEntries.Where(e => e.Item1.StartsWith(root, StringComparison.Ordinal)).Select(e => (e.Item1[root.Length..], e.Item2)));
        foreach (var (name, target) in source._symbolicLinks.Where(l => l.Key.StartsWith(root, StringComparison.Ordinal)))
            _symbolicLinks[name[root.Length..]] = target;
    }

    /// <summary>Opens a checkpoint archive file or unpacked checkpoint directory.</summary>
    /// <exception cref="CheckpointException">The path is missing, unreadable or not a valid checkpoint.</exception>
    public static CheckpointArchive Open(string path, ArchiveRequest request)
    {
        FileSystemInfo info = new FileInfo(path);
        if (!info.Exists)
        {
            info = new DirectoryInfo(path);
            if (!info.Exists)
                throw new CheckpointException($"stat {path}: no such file or directory");
        }
        // A directory the user names (even through a link) is read; inside it, links are never followed.
        if (info is DirectoryInfo dir)
            return OpenDirectory(path, dir, request);
        if (!FileKind.IsRegularFileOrDirectory(path))
            throw new CheckpointException($"input {path} not a regular file");

        var handle = SystemErrors.OpenRead(path);
        try
        {
            // Unbuffered: header reads then cost 512 bytes each, not a 4 KiB buffer fill.
            var stream = new FileStream(handle, FileAccess.Read, bufferSize: 0);
            return Read(path, stream, request, handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Reads a checkpoint archive from a stream (seekable or not); the stream is disposed with the archive.</summary>
    public static CheckpointArchive Read(string displayPath, Stream stream, ArchiveRequest request) => Read(displayPath, stream, request, handle: null);

    /// <summary>A checkpoint tar inside a packaging (an image layer), presented as <paramref name="layout"/> says; read from a stream.</summary>
    internal static CheckpointArchive Read(string displayPath, Stream stream, ArchiveRequest request, RootLayout layout) =>
        Read(displayPath, stream, request, null, layout);

    /// <summary>
    /// A plain checkpoint tar inside a packaging (an uncompressed image layer), indexed by its headers and read in place;
    /// reads are counted by <paramref name="tar"/>, not here.
    /// </summary>
    internal static CheckpointArchive ReadInPlace(string displayPath, RandomAccessData tar, ArchiveRequest request, RootLayout layout)
    {
        var archive = new CheckpointArchive(displayPath, request, CompressionKind.None);
        try
        {
            archive.Apply(layout);
            archive.IndexSeekable(new RandomAccessStream(tar), null, tar);
            archive.CheckCheckpointDirectory();
            return archive;
        }
        catch
        {
            archive.Dispose();
            throw;
        }
    }

    /// <summary>A member that is not in the tar (e.g. containerd's checkpoint config as spec.dump), served in place.</summary>
    internal void AddMember(string name, RandomAccessData data)
    {
        var member = new ArchiveMember(name, data.Length);
        _members.Remove(name);
        _members[name] = member;
        _allRegular.Add(member);
        _held.Remove(name);
        _randomAccess[name] = () => data;
        HasCheckpointDirectory |= name.StartsWith(ArchiveLayout.CheckpointPrefix, StringComparison.Ordinal);
    }

    /// <summary>Keeps <paramref name="resource"/> (e.g. the image file a layer is read from) open as long as this archive.</summary>
    internal void Own(IDisposable resource)
    {
        lock (_owned)
            _owned.Add(resource);
    }

    private void Apply(RootLayout? layout)
    {
        if (layout == null)
            return;
        _memberPrefix = layout.MemberPrefix;
        foreach (var (name, data) in layout.Extra)
            AddMember(name, data);
    }

    private static CheckpointArchive Read(string path, Stream stream, ArchiveRequest request, SafeFileHandle? handle, RootLayout? layout = null)
    {
        var archive = new CheckpointArchive(path, request, CompressionKind.None);
        archive.Apply(layout);
        var counted = new CountingStream(stream, archive.BytesRead);
        archive._owned.Add(counted);
        var head = new byte[Archive.Compression.MagicLength];
        int headLength;
        try
        {
            // Guarded like the rest of the pass: the input may itself be a decompressor (build hands one over).
            headLength = archive.Guard(() => counted.ReadAtLeast(head, head.Length, throwOnEndOfStream: false));
        }
        catch
        {
            archive.Dispose();
            throw;
        }
        var kind = archive.Compression = Archive.Compression.Detect(head.AsSpan(0, headLength));
        if (handle != null)
            archive._owned.Add(handle);
        try
        {
            if (kind == CompressionKind.None && counted.CanSeek)
            {
                counted.Position = 0;
                archive.IndexSeekable(counted, handle);
            }
            else
            {
                archive.Stream(new ReadAheadStream(head.AsSpan(0, headLength), counted), kind);
            }
            archive.CheckCheckpointDirectory();
            return archive;
        }
        catch
        {
            archive.Dispose();
            throw;
        }
    }

    // Plain tar on a seekable stream: read headers only, remember where each member's data is.
    private void IndexSeekable(Stream stream, SafeFileHandle? handle, RandomAccessData? inPlace = null)
    {
        SupportsRandomAccess = true;
        var check = new TarHeaderCheckStream(stream);
        var limited = new TarMetadataLimitStream(check, Path);
        using var reader = new TarReader(limited, leaveOpen: true);
        while (NextEntry(reader, limited, check) is { } entry)
        {
            if (Accept(entry) is not { } member)
                continue;
            var start = entry.DataOffset;
            var length = member.Size;
            if (start < 0 || length > stream.Length - start)
                throw ArchiveErrors.UnexpectedEof(Path);
            _randomAccess[member.Name] = inPlace != null ? () => inPlace.Slice(start, length)
                : handle != null ? () => new FileSegmentData(handle, start, length, BytesRead)
                : () => new StreamSegmentData(stream, start, length, BytesRead);
            if (_request.ConsumerFor(member.Name) is { } consumer)
                consumer.Consume(member, new RandomAccessStream(_randomAccess[member.Name]()), this);
        }
        IsIndexComplete = true;
    }

    // Compressed or unseekable: one forward pass; hold or hand over what is wanted, skip the rest, stop early.
    private void Stream(Stream raw, CompressionKind kind)
    {
        using var data = kind == CompressionKind.None ? raw : Guard(() => DecompressionErrorStream.Open(raw, kind));
        var check = new TarHeaderCheckStream(data);
        var limited = new TarMetadataLimitStream(check, Path);
        using var reader = new TarReader(limited, leaveOpen: true);
        while (true)
        {
            if (_request.IsSatisfiedBy(this))
                return;
            if (NextEntry(reader, limited, check) is not { } entry)
                break;
            if (Accept(entry) is not { } member)
                continue;
            if (_request.ConsumerFor(member.Name) is { } consumer)
            {
                // An empty member has no data stream, but is consumed too: an empty pages member (all of an incremental
                // dump's pages in its parent) is waited at like any other.
                var s = entry.DataStream ?? System.IO.Stream.Null;
                Guard(() => consumer.Consume(member, s, this));
            }
            else if (_request.WantsHeld(member.Name))
            {
                var source = entry.DataStream;
                Hold(member, () => source != null ? Guard(() => ReadGrowing(source, member.Size)) : []);
            }
        }
        IsIndexComplete = true;
    }

    // Records a tar entry; returns the member for regular files, null for everything else.
    private ArchiveMember? Accept(TarEntry entry)
    {
        // Archive-wide PAX records, not a member: its name (GNU tar and TarWriter write /tmp/GlobalHead.N) is no path.
        if (entry.EntryType == TarEntryType.GlobalExtendedAttributes)
            return null;
        var name = MemberName.Normalize(entry.Name)
            ?? throw new InvalidCheckpointException($"{Path}: unsafe member name in archive: \"{Printable(entry.Name)}\"");
        if (_memberPrefix.Length > 0 && name.Length > 0 && name != ArchiveLayout.StatsDump)
            name = _memberPrefix + name;
        if (name == ArchiveLayout.CheckpointDirectory || name.StartsWith(ArchiveLayout.CheckpointPrefix, StringComparison.Ordinal))
            HasCheckpointDirectory |= entry.EntryType == TarEntryType.Directory || name.Length > ArchiveLayout.CheckpointDirectory.Length;
        if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile))
        {
            if (entry.EntryType != TarEntryType.Directory)
                _otherEntries.Add((name, entry.EntryType));
            if (entry.EntryType == TarEntryType.SymbolicLink)
                _symbolicLinks[name] = entry.LinkName;
            return null;
        }
        var member = new ArchiveMember(name, entry.Length);
        _allRegular.Add(member);
        // A later duplicate replaces an earlier one, as extracting the archive would.
        _members.Remove(name);
        _members[name] = member;
        _held.Remove(name);
        return member;
    }

    // The next entry, checked against the header check's view; null at the end of the archive, once its end marker
    // has been checked too.
    private TarEntry? NextEntry(TarReader reader, TarMetadataLimitStream limited, TarHeaderCheckStream check) => Guard(() =>
    {
        limited.InHeader = true;
        try
        {
            var entry = reader.GetNextEntry(copyData: false);
            if (entry != null)
                check.CheckEntry(entry.Length);
            else
                check.CheckEnd();
            return entry;
        }
        catch (EndOfStreamException) when (check.IsEmpty)
        {
            // An empty input holds no entries, as in Go (TarReader reads an unseekable one as truncated).
            return null;
        }
        catch (Exception e) when (e is InvalidDataException or InvalidOperationException or FormatException or OverflowException
                                       or ArgumentException or NotSupportedException)
        {
            // TarReader's objections to a header whose checksum is right (a mode that is not octal, a size field that
            // contradicts its type, such as a huge GNU long name).
            throw new InvalidTarHeaderException(check.HeaderOffset, e);
        }
        finally
        {
            limited.InHeader = false;
        }
    });

    // Holds a member's bytes in memory: the one place where both limits are enforced, for every kind of input.
    private ReadOnlyMemory<byte> Hold(ArchiveMember member, Func<byte[]> read)
    {
        if (member.Size > _request.MaxMemberBytes)
            throw new InvalidCheckpointException(
                $"{Path}: member {member.Name} is {member.Size} bytes, larger than the {_request.MaxMemberBytes >> 20} MiB limit for members read into memory");
        // A view (a container of a pod archive) counts against its archive's limit.
        var budget = _viewOf ?? this;
        if (budget._heldBytes + member.Size > _request.MaxHeldBytes)
            throw new InvalidCheckpointException(
                $"{Path}: members read into memory exceed the {_request.MaxHeldBytes >> 20} MiB limit at {member.Name}");
        var bytes = read();
        budget._heldBytes += bytes.Length;
        _held[member.Name] = bytes;
        return bytes;
    }

    // Reads `size` bytes into a buffer that grows with the data that really arrives (a header claiming a large member
    // in a tiny, truncated archive costs little), up to 16 MiB; past that the data is real and the full size is taken
    // at once, so a large member costs its size plus at most 16 MiB, not the 1.5x of doubling.
    private static byte[] ReadGrowing(Stream source, long size)
    {
        const int initial = 1 << 20, doublingLimit = 16 << 20;
        var buffer = new byte[Math.Min(size, initial)];
        var filled = 0;
        while (filled < size)
        {
            if (filled == buffer.Length)
                Array.Resize(ref buffer, (int)Math.Min(size, buffer.Length >= doublingLimit ? size : 2L * buffer.Length));
            var n = source.Read(buffer, filled, buffer.Length - filled);
            if (n == 0)
                throw new EndOfStreamException();
            filled += n;
        }
        return buffer;
    }

    private void CheckCheckpointDirectory()
    {
        if (_request.RequireCheckpointDirectory && !HasCheckpointDirectory)
            throw new MissingCheckpointDataException($"checkpoint directory is missing in the archive file: {Path}{PreCheckpointNote()}");
    }

    // A Podman pre-checkpoint export (checkpoint-shapes.md §4.2) has pre-checkpoint/ instead: say what it is for.
    internal string PreCheckpointNote() =>
        _members.Keys.Any(n => n.StartsWith(ArchiveLayout.PreCheckpointPrefix, StringComparison.Ordinal))
            ? " (it is a pre-checkpoint export: pre-checkpoint/ holds the processes' memory at pre-dump time, no process tree, "
              + "files or sockets; give it with --parent when reading the checkpoint made with --with-previous)"
            : "";

    // Maps the exceptions of tar parsing and decompression to one user-facing message.
    internal T Guard<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (InvalidTarHeaderException e)
        {
            throw ArchiveErrors.InvalidHeader(Path, e.Offset, e);
        }
        catch (EndOfStreamException e)
        {
            throw ArchiveErrors.UnexpectedEof(Path, e);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or OverflowException or ArgumentException
                                       or NotSupportedException)
        {
            throw ArchiveErrors.InvalidHeader(Path, null, e);
        }
        catch (DecompressionException e)
        {
            throw ArchiveErrors.Decompression(Path, e);
        }
        catch (IOException e)
        {
            throw new CheckpointException(SystemErrors.Describe("read", Path, e), e);
        }
    }

    private void Guard(Action action) => Guard(() => { action(); return 0; });

    private static string Printable(string s) => new(s.Select(c => char.IsControl(c) ? '?' : c).Take(200).ToArray());

    private static CheckpointArchive OpenDirectory(string path, DirectoryInfo dir, ArchiveRequest request)
    {
        var archive = new CheckpointArchive(path, request, CompressionKind.None) { SupportsRandomAccess = true };
        var options = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            AttributesToSkip = FileAttributes.ReparsePoint,
            IgnoreInaccessible = true,
            ReturnSpecialDirectories = false,
        };
        var root = dir.FullName;
        // A bare CRIU image directory (as `criu dump -D` writes it) is served as the archive's checkpoint/ directory.
        var bare = !Directory.Exists(System.IO.Path.Combine(root, ArchiveLayout.CheckpointDirectory))
                   && (File.Exists(System.IO.Path.Combine(root, "inventory.img")) || File.Exists(System.IO.Path.Combine(root, "pstree.img")));
        archive.IsBareImageDirectory = bare;
        foreach (var file in dir.EnumerateFiles("*", options))
        {
            // FIFOs, sockets and devices are not checkpoint data (and reading a FIFO would block).
            if (!FileKind.IsRegularFileOrDirectory(file.FullName))
                continue;
            var relative = System.IO.Path.GetRelativePath(root, file.FullName).Replace('\\', '/');
            // CRIU's statistics stay at the top, where an engine's archive keeps them.
            var name = bare && relative != ArchiveLayout.StatsDump ? ArchiveLayout.CheckpointPrefix + relative : relative;
            var member = new ArchiveMember(name, file.Length);
            archive._members[name] = member;
            archive._allRegular.Add(member);
            var fullName = file.FullName;
            archive._randomAccess[name] = () => archive.OpenDirectoryFile(fullName, member);
            if (name.StartsWith(ArchiveLayout.CheckpointPrefix, StringComparison.Ordinal))
                archive.HasCheckpointDirectory = true;
        }
        archive.HasCheckpointDirectory |= Directory.Exists(System.IO.Path.Combine(root, ArchiveLayout.CheckpointDirectory));
        archive.IsIndexComplete = true;
        try
        {
            foreach (var member in archive._members.Values.ToList())
            {
                if (request.ConsumerFor(member.Name) is { } consumer)
                    consumer.Consume(member, new RandomAccessStream(archive._randomAccess[member.Name]()), archive);
            }
            if (request.RequireCheckpointDirectory && !archive.HasCheckpointDirectory)
                throw new MissingCheckpointDataException($"checkpoint directory is missing in the checkpoint directory: {path}{archive.PreCheckpointNote()}");
            return archive;
        }
        catch
        {
            archive.Dispose();
            throw;
        }
    }

    private RandomAccessData OpenDirectoryFile(string fullName, ArchiveMember member)
    {
        if (new FileInfo(fullName).LinkTarget != null)
            throw new InvalidCheckpointException($"{Path}: {member.Name} is a symbolic link");
        var handle = SystemErrors.OpenRead(fullName);
        lock (_owned)
            _owned.Add(handle);
        return new FileSegmentData(handle, 0, Math.Min(member.Size, RandomAccess.GetLength(handle)), BytesRead);
    }

    /// <summary>Closes the archive file.</summary>
    public void Dispose()
    {
        lock (_owned)
        {
            foreach (var d in _owned)
                d.Dispose();
            _owned.Clear();
        }
        // Large held members are returned at once: a command reading several inputs (list, show A B …) otherwise holds
        // each one's until the collector gets round to it, and the peaks add up.
        if (_viewOf == null && _heldBytes > LargeHeldBytes)
        {
            _held.Clear();
            _heldBytes = 0;
            GC.Collect();
        }
    }

    // Far above what real checkpoints hold (their metadata and small images take a few MiB).
    private const long LargeHeldBytes = 64L << 20;
}
