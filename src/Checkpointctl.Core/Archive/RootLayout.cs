namespace Checkpointctl.Core.Archive;

/// <summary>
/// How a packaging reader presents a checkpoint tar that is not laid out as a container archive, so the layers above
/// see one: containerd's criu tar holds the CRIU images at its root (served below <c>checkpoint/</c>, CRIU's
/// statistics kept at the top as in a bare image directory), and its spec and rw layer are blobs of their own.
/// </summary>
internal sealed record RootLayout
{
    public static RootLayout Plain { get; } = new();

    /// <summary>Put before every member name of the tar (but <c>stats-dump</c>).</summary>
    public string MemberPrefix { get; init; } = "";

    /// <summary>Members that are not in the tar, with their data.</summary>
    public IReadOnlyList<(string Name, RandomAccessData Data)> Extra { get; init; } = [];
}
