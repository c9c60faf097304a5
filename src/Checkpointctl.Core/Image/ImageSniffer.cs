using System.Formats.Tar;
using Checkpointctl.Core.Archive;

namespace Checkpointctl.Core.Image;

/// <summary>
/// Tells images and checkpoints apart by the first member of their tar (decompressed when compressed), never by a
/// file name: an image tar starts with its layout (<c>blobs/</c>, <c>oci-layout</c>, <c>index.json</c>,
/// <c>manifest.json</c>) or a docker-archive's digest-named files; a checkpoint tar starts with checkpoint members.
/// </summary>
internal static class ImageSniffer
{
    /// <summary>Most bytes of a blob peeked to classify it.</summary>
    public const int PeekBytes = 64 << 10;

    // Members a container checkpoint archive (or a pod checkpoint) has at its top (checkpointctl-reference.md §5).
    private static readonly HashSet<string> CheckpointMembers = new(StringComparer.Ordinal)
    {
        ArchiveLayout.CheckpointDirectory, ArchiveLayout.ConfigDump, ArchiveLayout.SpecDump, ArchiveLayout.NetworkStatus,
        ArchiveLayout.StatsDump, ArchiveLayout.RootFsDiffTar, ArchiveLayout.DeletedFiles, "artifacts", "devshm-checkpoint.tar",
        "ctr.log", "dump.log", "bind.mounts", "volumes", "status", "status.dump", "container.log", "io.kubernetes.cri-o.LogPath",
        "pod.options", "pod.dump", "pre-checkpoint",
    };

    /// <summary>The first member's name of the tar <paramref name="raw"/> holds, or null when it is not a readable tar.</summary>
    public static string? FirstMemberName(Stream raw) => MemberNames(raw, 1).FirstOrDefault();

    /// <summary>The names of the first members (at most <paramref name="max"/>) of the tar <paramref name="raw"/> holds, as far as it can be read.</summary>
    public static List<string> MemberNames(Stream raw, int max)
    {
        var names = new List<string>();
        try
        {
            var head = new byte[Compression.MagicLength];
            var n = raw.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            var kind = Compression.Detect(head.AsSpan(0, n));
            var replay = new ReplayStream(head.AsMemory(0, n), new NonClosingStream(raw));
            using var data = kind == CompressionKind.None ? (Stream)replay : DecompressionErrorStream.Open(replay, kind);
            var limited = new TarMetadataLimitStream(data, "") { InHeader = true };
            using var reader = new TarReader(limited, leaveOpen: true);
            while (names.Count < max && reader.GetNextEntry(copyData: false) is { } entry)
            {
                if (MemberName.Normalize(entry.Name) is { Length: > 0 } name)
                    names.Add(name);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The end of what was peeked, or not a tar: what was read is the answer (the checkpoint reader reports the rest).
        }
        return names;
    }

    /// <summary>A member an image tar starts with.</summary>
    public static bool IsImageMember(string? name)
    {
        if (string.IsNullOrEmpty(name))
            return false;
        if (name is ImageLayout.OciLayoutFile or ImageLayout.IndexFile or ImageLayout.DockerManifestFile or ImageLayout.DockerRepositoriesFile
            or ImageLayout.BlobsDirectory || name.StartsWith(ImageLayout.BlobsDirectory + "/", StringComparison.Ordinal))
            return true;
        // docker-archive: <id>/, <id>/layer.tar, <diffid>.tar, <configid>.json
        var first = name.Split('/')[0];
        var stem = first.EndsWith(".tar", StringComparison.Ordinal) || first.EndsWith(".json", StringComparison.Ordinal) ? first[..first.LastIndexOf('.')] : first;
        return stem.Length == 64 && stem.All(char.IsAsciiHexDigitLower);
    }

    /// <summary>An OCI layout directory (<c>oci-layout</c> and <c>index.json</c>) or an unpacked docker-archive.</summary>
    public static bool IsImageDirectory(string path) =>
        (File.Exists(Path.Combine(path, ImageLayout.OciLayoutFile)) && File.Exists(Path.Combine(path, ImageLayout.IndexFile)))
        || (File.Exists(Path.Combine(path, ImageLayout.DockerManifestFile)) && !Directory.Exists(Path.Combine(path, ArchiveLayout.CheckpointDirectory)));

    /// <summary>
    /// How a large blob of an image read as a stream holds a checkpoint, judged by its first members: a container
    /// archive (an archive-in-a-layer image's layer), a flat CRIU image directory (containerd's criu tar), or neither.
    /// </summary>
    public static RootLayout? CheckpointLayout(IEnumerable<string> firstMembers)
    {
        foreach (var name in firstMembers)
        {
            var top = name.Split('/')[0];
            if (top != ArchiveLayout.StatsDump && CheckpointMembers.Contains(top))
                return RootLayout.Plain;
            if (!name.Contains('/') && (name.EndsWith(".img", StringComparison.Ordinal) || name == "descriptors.json"))
                return new RootLayout { MemberPrefix = ArchiveLayout.CheckpointPrefix };
        }
        return null;
    }
}
