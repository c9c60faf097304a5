using System.Formats.Tar;
using Checkpointctl.Core.Archive;

namespace Checkpointctl.Core.Image;

/// <summary>
/// Reads an image tar that can only be streamed (a pipe, or a compressed image tar) in one pass. Its order is the
/// producer's (blobs by digest, index.json last), so the checkpoint cannot be found from the manifest before it goes
/// by: small files (metadata, small layers) are held, and the first large blob whose first member is a checkpoint's
/// is read as the checkpoint while it goes by. At the end the manifest must name the blob that was read (or one that
/// is held, which is then read from memory); anything else is an error.
/// </summary>
internal static class ImageStreamReader
{
    /// <summary>Blobs up to this size are held; larger ones are streamed or skipped.</summary>
    public const int MaxHeldBlob = 4 << 20;

    /// <summary>Most bytes held in all.</summary>
    public const long MaxHeld = 32 << 20;

    public static CheckpointArchive Read(string path, Stream raw, ArchiveRequest request, string? reference = null)
    {
        var counter = new ReadCounter();
        using var counted = new PausableCountingStream(raw, counter);
        var head = new byte[Compression.MagicLength];
        var headLength = ImageTar.Guard(path, () => counted.ReadAtLeast(head, head.Length, throwOnEndOfStream: false));
        var kind = Compression.Detect(head.AsSpan(0, headLength));
        var replay = new ReplayStream(head.AsMemory(0, headLength), new NonClosingStream(counted));
        using var data = kind == CompressionKind.None ? (Stream)replay : ImageTar.Guard(path, () => DecompressionErrorStream.Open(replay, kind));
        var limited = new TarMetadataLimitStream(data, path);
        using var reader = new TarReader(limited, leaveOpen: true);
        var files = new HeldImageFiles(path) { Reference = reference };
        CheckpointArchive? streamed = null;
        string? streamedName = null;
        try
        {
            while (Next(reader, limited, path) is { } entry)
            {
                if (files.Count >= ImageLayout.MaxMembers)
                    throw new InvalidCheckpointException($"{path}: the image has more than {ImageLayout.MaxMembers} members");
                var name = ImageTar.Name(entry, path);
                if (!ImageTar.IsRegular(entry))
                {
                    if (entry.EntryType is TarEntryType.SymbolicLink or TarEntryType.HardLink)
                        files.AddLink(name);
                    continue;
                }
                // The layout's own files are always held; blobs while the budget lasts.
                if (entry.Length <= MaxHeldBlob && (name is ImageLayout.IndexFile or ImageLayout.OciLayoutFile or ImageLayout.DockerManifestFile
                                                        or ImageLayout.DockerRepositoriesFile || files.HeldBytes + entry.Length <= MaxHeld))
                {
                    files.Hold(name, ImageTar.Guard(path, () => ReadAll(entry)));
                    continue;
                }
                files.AddSize(name, entry.Length);
                if (streamed != null || entry.DataStream is not { } blob)
                    continue;
                var peeked = new byte[ImageSniffer.PeekBytes];
                var n = ImageTar.Guard(path, () => blob.ReadAtLeast(peeked, peeked.Length, throwOnEndOfStream: false));
                if (ImageSniffer.CheckpointLayout(ImageSniffer.MemberNames(new MemoryStream(peeked, 0, n), 16)) is not { } layout)
                    continue;
                // The checkpoint's own reader counts what it reads of the blob.
                counted.Paused = true;
                try
                {
                    streamed = CheckpointArchive.Read(path, new ReplayStream(peeked.AsMemory(0, n), new NonClosingStream(blob)), request, layout);
                }
                finally
                {
                    counted.Paused = false;
                }
                streamedName = name;
            }
            var image = ImageResolver.Resolve(files);
            if (files.IsHeld(image.CheckpointBlob))
            {
                streamed?.Dispose();
                streamed = null;
                var archive = CheckpointRootOpener.Open(files, image, request);
                archive.BytesRead.Include(counter);
                return archive;
            }
            if (streamed == null || streamedName != image.CheckpointBlob)
                throw new InvalidCheckpointException(
                    $"{path}: the image's checkpoint ({image.CheckpointBlob}) was not recognised as the stream went by; give the image as a file");
            foreach (var (member, memberData) in CheckpointRootOpener.Layout(files, image).Extra)
                streamed.AddMember(member, memberData);
            streamed.Image = image.Description;
            streamed.BytesRead.Include(counter);
            return streamed;
        }
        catch
        {
            streamed?.Dispose();
            throw;
        }
    }

    private static TarEntry? Next(TarReader reader, TarMetadataLimitStream limited, string path)
    {
        limited.InHeader = true;
        try
        {
            return ImageTar.Guard(path, () => reader.GetNextEntry(copyData: false));
        }
        finally
        {
            limited.InHeader = false;
        }
    }

    private static byte[] ReadAll(TarEntry entry)
    {
        var bytes = new byte[entry.Length];
        entry.DataStream?.ReadExactly(bytes);
        return bytes;
    }
}
