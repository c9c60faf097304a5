using Checkpointctl.Core.Archive;

namespace Checkpointctl.Core.Metadata;

/// <summary>
/// The container's file system changes as the engine stored them: the files of <c>rootfs-diff.tar</c> (listed from
/// its headers as it streams by) and the paths of <c>deleted.files</c>.
/// </summary>
public sealed class RootfsChanges
{
    // By member name: a pod archive's pass hands over each container's rootfs-diff.tar.
    private readonly Dictionary<string, NestedTar> _diffs = new(StringComparer.Ordinal);

    /// <summary>The listing of <c>rootfs-diff.tar</c>, or null when the checkpoint has none (e.g. <c>--ignore-rootfs</c>).</summary>
    public NestedTar? Diff => _diffs.GetValueOrDefault(ArchiveLayout.RootFsDiffTar);

    /// <summary>The deleted paths, or null when the checkpoint has no <c>deleted.files</c>.</summary>
    public IReadOnlyList<string>? Deleted { get; private set; }

    /// <summary>The consumer that lists <c>rootfs-diff.tar</c> as the pass goes by.</summary>
    public MemberConsumer Consumer => new(ArchiveLayout.RootFsDiffTar, (member, stream, _) => _diffs[member.Name] = NestedTar.Read(member.Name, stream));

    /// <summary>The changes of the checkpoint below <paramref name="root"/> (a container of a pod archive) as captured so far.</summary>
    public RootfsChanges Under(string root)
    {
        var view = new RootfsChanges();
        if (_diffs.TryGetValue(root + ArchiveLayout.RootFsDiffTar, out var diff))
            view._diffs[ArchiveLayout.RootFsDiffTar] = diff;
        return view;
    }

    /// <summary>The member listing the deleted files.</summary>
    public static MemberPattern DeletedFiles => ArchiveLayout.DeletedFiles;

    /// <summary>Reads <c>deleted.files</c> (a JSON array of paths) from the held members, once the pass is over.</summary>
    /// <exception cref="InvalidCheckpointException">It is not a JSON array of strings.</exception>
    public void ReadDeleted(CheckpointArchive archive)
    {
        // An empty rootfs-diff.tar, which a streamed archive hands to no consumer, lists nothing.
        if (Diff == null && archive.Contains(ArchiveLayout.RootFsDiffTar))
            _diffs[ArchiveLayout.RootFsDiffTar] = NestedTar.Read(ArchiveLayout.RootFsDiffTar, Stream.Null);
        if (archive.TryGetBytes(ArchiveLayout.DeletedFiles) is { } bytes)
            Deleted = JsonInput.Deserialize(bytes.Span, MetadataJsonContext.Default.ListString, ArchiveLayout.DeletedFiles);
    }
}
