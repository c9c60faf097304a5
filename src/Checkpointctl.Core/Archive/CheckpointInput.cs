using Checkpointctl.Core.Image;

namespace Checkpointctl.Core.Archive;

/// <summary>
/// Where a checkpoint is read from: a path (archive file or directory), or a name and a way to open its bytes (a pipe,
/// a download, a test's unseekable stream). A second pass opens the input again, so a stream opener must give the
/// same bytes each time.
/// </summary>
public sealed record CheckpointInput(string Path, Func<Stream>? OpenStream = null)
{
    /// <summary>An input read from a path.</summary>
    public static implicit operator CheckpointInput(string path) => new(path);

    /// <summary>
    /// One pass over the input for <paramref name="request"/>. The one place that decides what the input is: a
    /// checkpoint image (its packaging reader hands back the checkpoint root) or a checkpoint archive or directory.
    /// </summary>
    public CheckpointArchive Open(ArchiveRequest request) => OpenStream == null
        ? CheckpointImageReader.TryOpen(Path, request) ?? CheckpointArchive.Open(Path, request)
        : CheckpointImageReader.Read(Path, OpenStream(), request);
}
