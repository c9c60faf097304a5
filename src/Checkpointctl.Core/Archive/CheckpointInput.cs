namespace Checkpointctl.Core.Archive;

/// <summary>
/// Where a checkpoint is read from: a path (archive file or directory), or a name and a way to open its bytes (a pipe,
/// a download, a test's unseekable stream). A second pass opens the input again, so a stream opener must give the
/// same bytes each time.
/// </summary>
public sealed record CheckpointInput(string Path, Func<Stream>? OpenStream = null)
{
    public static implicit operator CheckpointInput(string path) => new(path);

    /// <summary>One pass over the input for <paramref name="request"/>.</summary>
    public CheckpointArchive Open(ArchiveRequest request) =>
        OpenStream == null ? CheckpointArchive.Open(Path, request) : CheckpointArchive.Read(Path, OpenStream(), request);
}
