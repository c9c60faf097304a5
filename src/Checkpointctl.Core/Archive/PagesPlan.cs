namespace Checkpointctl.Core.Archive;

/// <summary>
/// What a command will read from the pages members of a checkpoint, declared before its pass so that a streamed
/// archive can serve it as the members go by. Both callbacks see the members held so far (pagemaps usually come before
/// their pages); a member they could not yet decide on is served by one more pass.
/// </summary>
public sealed class PagesPlan
{
    /// <summary>No page reads beyond what is in place or held.</summary>
    public static PagesPlan None { get; } = new();

    /// <summary>The pages members, e.g. <c>checkpoint/pages-*.img</c>.</summary>
    public MemberPattern Pattern { get; init; } = ArchiveLayout.Image("pages-*.img");

    /// <summary>Further pages members read the same way, e.g. those of every container of a pod (<c>*/checkpoint/pages-*.img</c>).</summary>
    public IReadOnlyList<MemberPattern> MorePatterns { get; init; } = [];

    internal IEnumerable<MemberPattern> Patterns => [Pattern, .. MorePatterns];

    /// <summary>Byte ranges of a pages member that later reads need (a few pages each: command lines, environments).</summary>
    public Func<ArchiveMember, CheckpointArchive, IEnumerable<(long Offset, long Length)>>? Ranges { get; init; }

    /// <summary>
    /// True for the pages members that are read front to back while their pass waits (a process's whole memory), one
    /// after another as the pass reaches them (<see cref="PageSource.Next"/>).
    /// </summary>
    public Func<ArchiveMember, CheckpointArchive, bool>? Sequential { get; init; }
}
