namespace Checkpointctl.Core.Archive;

/// <summary>A regular-file member of a checkpoint archive (or a file of an unpacked checkpoint directory).</summary>
public sealed record ArchiveMember(string Name, long Size);

/// <summary>Hands a member's data to a consumer as the single pass goes by (e.g. to pick a few pages out of a pages file).</summary>
/// <param name="Pattern">Which members to hand over.</param>
/// <param name="Consume">
/// Called with the member, a read-only stream of its data (seekable only when the archive is), and the archive so far
/// (members held before this one can be read). The consumer may read as little as it wants; the rest is skipped.
/// </param>
public sealed record MemberConsumer(MemberPattern Pattern, Action<ArchiveMember, Stream, CheckpointArchive> Consume);

/// <summary>What one command needs from an archive; everything comes from one pass.</summary>
public sealed record ArchiveRequest
{
    /// <summary>Default largest member held in memory.</summary>
    public const long DefaultMaxMemberBytes = 256L << 20;
    /// <summary>Default largest total of held members.</summary>
    public const long DefaultMaxHeldBytes = 1L << 30;

    /// <summary>Members to keep in memory (exact names or globs).</summary>
    public IReadOnlyList<MemberPattern> Hold { get; init; } = [];

    /// <summary>Members to stream to a consumer instead of holding them.</summary>
    public IReadOnlyList<MemberConsumer> Consumers { get; init; } = [];

    /// <summary>Every member's name and size is needed (sizes), so a compressed archive is read to its end.</summary>
    public bool NeedIndex { get; init; }

    /// <summary>Fail unless the archive has a <c>checkpoint/</c> directory (explicit or implied by member names).</summary>
    public bool RequireCheckpointDirectory { get; init; } = true;

    /// <summary>
    /// A Podman pre-checkpoint export (<c>pre-checkpoint/</c> instead of <c>checkpoint/</c>, checkpoint-shapes.md §4.2)
    /// is read as a checkpoint of that image set (commands that show memory); otherwise it is the error that explains it.
    /// </summary>
    public bool AcceptPreCheckpoint { get; init; }

    /// <summary>
    /// Optional test that everything needed has been seen, for requests with globs; a streaming pass stops as soon as it
    /// returns true. Without it the pass stops once every exact <see cref="Hold"/> name is found (and no glob is asked).
    /// </summary>
    public Func<CheckpointArchive, bool>? IsComplete { get; init; }

    /// <summary>Largest single member held in memory; a larger one is an error, never a silent truncation.</summary>
    public long MaxMemberBytes { get; init; } = DefaultMaxMemberBytes;

    /// <summary>Largest total of held members.</summary>
    public long MaxHeldBytes { get; init; } = DefaultMaxHeldBytes;

    internal bool HasGlobs => Hold.Any(p => !p.IsExact) || Consumers.Any(c => !c.Pattern.IsExact);

    /// <summary>True when a streaming pass may stop: every exact name is found and the completion test (if any) holds.</summary>
    internal bool IsSatisfiedBy(CheckpointArchive archive)
    {
        if (NeedIndex || (RequireCheckpointDirectory && !archive.HasCheckpointDirectory))
            return false;
        foreach (var p in Hold)
        {
            if (p.IsExact && !archive.Contains(p.Text))
                return false;
        }
        foreach (var c in Consumers)
        {
            if (c.Pattern.IsExact && !archive.Contains(c.Pattern.Text))
                return false;
        }
        return IsComplete?.Invoke(archive) ?? !HasGlobs;
    }

    internal bool WantsHeld(string name)
    {
        foreach (var p in Hold)
        {
            if (p.Matches(name))
                return true;
        }
        return false;
    }

    internal MemberConsumer? ConsumerFor(string name)
    {
        foreach (var c in Consumers)
        {
            if (c.Pattern.Matches(name))
                return c;
        }
        return null;
    }

    /// <summary>Merges requests (e.g. of several features of one command).</summary>
    public static ArchiveRequest Combine(IEnumerable<ArchiveRequest> requests)
    {
        var list = requests.ToList();
        return new ArchiveRequest
        {
            Hold = list.SelectMany(r => r.Hold).Distinct().ToList(),
            Consumers = list.SelectMany(r => r.Consumers).ToList(),
            NeedIndex = list.Any(r => r.NeedIndex),
            RequireCheckpointDirectory = list.Any(r => r.RequireCheckpointDirectory),
            AcceptPreCheckpoint = list.All(r => r.AcceptPreCheckpoint),
            IsComplete = list.Any(r => r.IsComplete != null) ? a => list.All(r => r.IsSatisfiedBy(a)) : null,
            MaxMemberBytes = list.Count == 0 ? DefaultMaxMemberBytes : list.Max(r => r.MaxMemberBytes),
            MaxHeldBytes = list.Count == 0 ? DefaultMaxHeldBytes : list.Max(r => r.MaxHeldBytes),
        };
    }
}
