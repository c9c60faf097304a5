namespace Checkpointctl.Core.Archive;

/// <summary>
/// The one place that decides how the pages members of a checkpoint are read: in place (plain tar file, directory,
/// held member), from the ranges captured while a streamed archive went by, forward while a streamed pass waits at
/// the member, or by one more pass when a member went by before the plan could decide on it. Readers of memory get a
/// <see cref="RandomAccessData"/> and never learn which.
/// </summary>
public sealed class PageSource : IDisposable
{
    private readonly CheckpointInput? _input;
    private readonly PagesPlan _plan;
    private readonly Dictionary<string, SparseData> _captured = new(StringComparer.Ordinal);
    private readonly List<ReadCounter> _counters = [];
    private readonly List<IDisposable> _owned = [];
    private PausedPass? _paused;
    private bool _rangesComplete;

    // A view serves the members below a root of another page source (one container of a pod checkpoint).
    private PageSource? _viewOf;
    private string _root = "";
    private Action? _finished;

    private PageSource(CheckpointInput? input, PagesPlan plan)
    {
        _input = input;
        _plan = plan;
    }

    /// <summary>The checkpoint as its (first) pass saw it; while a sequential member is being read, the members held so far.</summary>
    public CheckpointArchive Archive { get; private set; } = null!;

    /// <summary>Where the checkpoint is read from (null for <see cref="Of"/>).</summary>
    public CheckpointInput? Input => _input;

    /// <summary>Bytes read from the input by every pass so far (compressed bytes for compressed input).</summary>
    public long BytesRead => _viewOf?.BytesRead ?? _counters.Sum(c => c.Bytes);

    /// <summary>Opens <paramref name="input"/> for <paramref name="request"/> and serves its pages as <paramref name="plan"/> declares.</summary>
    /// <exception cref="CheckpointException">The input is missing, unreadable or not a valid checkpoint.</exception>
    public static PageSource Open(CheckpointInput input, ArchiveRequest request, PagesPlan plan)
    {
        var source = new PageSource(input, plan);
        try
        {
            source.Archive = source.Pass(request, fixedNeeds: null, plan.Sequential);
            return source;
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    /// <summary>Pages of an archive already opened: only what is in place or held (the caller keeps the archive).</summary>
    public static PageSource Of(CheckpointArchive archive) => new(null, PagesPlan.None) { Archive = archive };

    /// <summary>
    /// The checkpoint below <paramref name="root"/> (e.g. one container of a pod archive, <c>0f3c…-k8s_counter_…/</c>):
    /// its members named relative to the root, its pages served by this source. Taken after the pass; this source
    /// owns everything and must outlive the view.
    /// </summary>
    /// <param name="finished">Called by <see cref="Finish"/> once the pass has gone on to its end (and the view taken its members again).</param>
    /// <param name="root">The directory (with a trailing slash) that is the container's root.</param>
    public PageSource View(string root, Action? finished = null) =>
        new(_input, _plan) { Archive = Archive.View(root), _viewOf = this, _root = root, _finished = finished };

    /// <summary>The data of a pages member (which must exist). Reads outside what the plan declared are input errors.</summary>
    public RandomAccessData Open(string member)
    {
        if (_viewOf != null)
            return _viewOf.Open(_root + member);
        if (Archive.TryOpenRandomAccess(member) is { } inPlace)
            return inPlace;
        if (_paused?.Member?.Name == member)
            return _paused.Data!;
        if (_input != null && _plan.Sequential != null && Archive.TryGetMember(member, out var m) && _plan.Sequential(m, Archive))
            return SecondSequentialPass(m);
        if (_input != null && _plan.Ranges != null)
            CompleteRanges();
        return _captured.TryGetValue(member, out var captured) ? captured
            : throw new InvalidOperationException($"{member} was neither held, planned nor in place");
    }

    /// <summary>The sequential member a streamed pass waits at, readable with <c>Open</c>; null when none does.</summary>
    public ArchiveMember? Waiting => _viewOf != null
        ? _viewOf.Waiting is { } waiting && waiting.Name.StartsWith(_root, StringComparison.Ordinal) ? waiting with { Name = waiting.Name[_root.Length..] } : null
        : _paused?.Member;

    /// <summary>
    /// Lets a pass that waits at a sequential member go on to the next one the plan reads sequentially. Returns false
    /// when the pass has ended instead (the archive is then complete; members it went by are read by more passes).
    /// </summary>
    public bool Next()
    {
        if (_viewOf != null)
        {
            var next = _viewOf.Next();
            Archive.Refresh();
            return next;
        }
        if (_paused == null)
            return false;
        if (_paused.Continue() != null)
            return true;
        _paused.Dispose();
        _paused = null;
        return false;
    }

    /// <summary>Lets a pass that waits at a sequential member go on to its end (to read what follows the pages).</summary>
    public void Finish()
    {
        if (_viewOf != null)
        {
            _viewOf.Finish();
            Archive.Refresh();
            _finished?.Invoke();
            return;
        }
        if (_paused == null)
            return;
        using var paused = _paused;
        _paused = null;
        paused.Resume();
    }

    /// <summary>Closes the archive and its pages.</summary>
    public void Dispose()
    {
        _paused?.Dispose();
        _paused = null;
        foreach (var d in _owned)
            d.Dispose();
        _owned.Clear();
    }

    // One pass: captures planned ranges as pages members go by, or stops at the sequential member (on a thread of its
    // own, so the caller reads that member while the pass waits). Plain tars and directories need neither.
    private CheckpointArchive Pass(ArchiveRequest request, Dictionary<string, List<(long, long)>>? fixedNeeds,
                                   Func<ArchiveMember, CheckpointArchive, bool>? stopAt)
    {
        var paused = stopAt != null ? new PausedPass() : null;
        var stopped = new HashSet<string>(StringComparer.Ordinal);
        Action<ArchiveMember, Stream, CheckpointArchive> consume = (member, data, archive) =>
        {
            if (archive.SupportsRandomAccess)
                return;
            // Once per member: a later duplicate of it is not read again.
            if (paused != null && !stopped.Contains(member.Name) && stopAt!(member, archive))
            {
                stopped.Add(member.Name);
                if (paused.Stop(member, new ForwardData(data, member.Size, archive), archive))
                    return;
            }
            var needs = fixedNeeds != null ? fixedNeeds.GetValueOrDefault(member.Name) : _plan.Ranges?.Invoke(member, archive);
            Capture(member, data, needs, archive);
        };
        var withPages = new ArchiveRequest
        {
            Hold = request.Hold,
            Consumers = [.. request.Consumers, .. _plan.Patterns.Select(p => new MemberConsumer(p, consume))],
            NeedIndex = request.NeedIndex,
            RequireCheckpointDirectory = request.RequireCheckpointDirectory,
            IsComplete = request.IsComplete,
            MaxMemberBytes = request.MaxMemberBytes,
            MaxHeldBytes = request.MaxHeldBytes,
        };
        CheckpointArchive archive;
        if (paused == null)
        {
            archive = _input!.Open(withPages);
        }
        else
        {
            paused.Start(() => _input!.Open(withPages));
            try
            {
                archive = paused.WaitStoppedOrDone();
            }
            catch
            {
                paused.Dispose();
                throw;
            }
            if (paused.Member != null)
                _paused = paused;
            else
                paused.Dispose();
        }
        _owned.Add(archive);
        _counters.Add(archive.BytesRead);
        return archive;
    }

    // Registered even when nothing is needed from it, so the member is known to have gone by.
    private void Capture(ArchiveMember member, Stream data, IEnumerable<(long Offset, long Length)>? needs, CheckpointArchive archive)
    {
        if (!_captured.TryGetValue(member.Name, out var sparse))
            _captured[member.Name] = sparse = new SparseData(member.Size);
        if (needs == null)
            return;
        var forward = new ForwardData(data, member.Size, archive);
        long position = 0;
        // Ranges may overlap (argv and environment often share a page): read only what is not read yet.
        foreach (var (offset, length) in needs.Where(n => n.Length > 0 && n.Offset >= 0 && n.Offset + n.Length <= member.Size).OrderBy(n => n.Offset))
        {
            var end = offset + length;
            if (end <= position || sparse.Covers(offset, length))
                continue;
            var start = Math.Max(offset, position);
            var bytes = new byte[end - start];
            forward.ReadExactlyAt(start, bytes);
            sparse.Add(start, bytes);
            position = end;
        }
    }

    // The planned ranges of every pages member, now that the whole checkpoint is known; one more pass for what the
    // first could not capture (pages that came before their pagemaps).
    private void CompleteRanges()
    {
        if (_rangesComplete)
            return;
        _rangesComplete = true;
        var missing = new Dictionary<string, List<(long, long)>>(StringComparer.Ordinal);
        foreach (var member in Archive.Members.Where(m => _plan.Patterns.Any(p => p.Matches(m.Name))).ToList())
        {
            var needs = _plan.Ranges!(member, Archive).ToList();
            if (_captured.TryGetValue(member.Name, out var sparse) && needs.All(n => sparse.Covers(n.Offset, n.Length)))
                continue;
            missing[member.Name] = needs;
        }
        if (missing.Count > 0)
            Pass(new ArchiveRequest { RequireCheckpointDirectory = false }, missing, stopAt: null);
    }

    private RandomAccessData SecondSequentialPass(ArchiveMember member)
    {
        _paused?.Dispose();
        _paused = null;
        Pass(new ArchiveRequest { RequireCheckpointDirectory = false }, null, (m, _) => m.Name == member.Name);
        return _paused?.Data ?? throw new InvalidCheckpointException($"{Archive.Path}: {member.Name} was not found again in a second pass");
    }
}
