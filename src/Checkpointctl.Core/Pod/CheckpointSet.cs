using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Metadata;

namespace Checkpointctl.Core.Pod;

/// <summary>
/// An input as one command reads it: a container checkpoint, or a pod checkpoint whose containers are handed to the
/// layers above as checkpoint roots (each named like a container archive). The packaging is recognised in the same
/// pass that reads the command's members: a pod archive (generation 1 as a tar) is read once for all its
/// containers, whose members are held below their directories (<c>*/config.dump</c>, …) until <c>pod.options</c>
/// says which directories are containers; a pod directory is looked at first and each container read on its own.
/// </summary>
public sealed class CheckpointSet : IDisposable
{
    private readonly List<PageSource> _owned = [];

    // Containers read on their own (a pod directory): opened when asked for, so that a command can read them one at a
    // time.
    private IReadOnlyList<Func<CheckpointRoot>>? _pending;
    private IReadOnlyList<CheckpointRoot>? _roots;

    private CheckpointSet()
    {
    }

    /// <summary>The pod, or null for a container checkpoint.</summary>
    public PodCheckpoint? Pod { get; private set; }

    /// <summary>The whole pass of a pod archive (generation 1 as a tar), whose roots are its containers; null otherwise.</summary>
    public CheckpointArchive? PodArchive { get; private set; }

    /// <summary>The input itself, or the selected containers of the pod in its order (all open at once).</summary>
    public IReadOnlyList<CheckpointRoot> Roots => _roots ??= _pending!.Select(open => open()).ToList();

    /// <summary>
    /// Reads <paramref name="input"/> for <paramref name="request"/> and <paramref name="plan"/> (as for a container
    /// archive); of a pod, the containers <paramref name="containers"/> name (all without a selector). Selectors are
    /// ignored for a container checkpoint.
    /// </summary>
    /// <exception cref="CheckpointException">The input, a pod file or a container cannot be read.</exception>
    public static CheckpointSet Open(CheckpointInput input, ArchiveRequest request, PagesPlan plan, IReadOnlyList<string>? containers = null)
    {
        var set = new CheckpointSet();
        try
        {
            if (input.OpenStream == null && Directory.Exists(input.Path))
                set.ReadDirectory(input, request, plan, containers ?? []);
            else
                set.ReadArchive(input, request, plan, containers ?? []);
            return set;
        }
        catch
        {
            set.Dispose();
            throw;
        }
    }

    /// <summary>Reads <paramref name="input"/> (see <see cref="Open"/>) and computes <paramref name="read"/> for each root while it is open.</summary>
    public static CheckpointResults<T> Read<T>(CheckpointInput input, ArchiveRequest request, PagesPlan plan, IReadOnlyList<string>? containers,
        Func<CheckpointRoot, T> read)
    {
        using var set = Open(input, request, plan, containers);
        var results = new List<ContainerResult<T>>();
        if (set._pending != null)
        {
            // One container's members held at a time.
            foreach (var open in set._pending)
            {
                var root = open();
                results.Add(new ContainerResult<T>(root.Container, read(root)));
                root.Pages.Dispose();
            }
        }
        else
        {
            results.AddRange(set.Roots.Select(r => new ContainerResult<T>(r.Container, read(r))));
        }
        return new CheckpointResults<T>(input.Path, set.Pod, results);
    }

    /// <summary>The one root a command that reads a single checkpoint (a process's memory) needs.</summary>
    /// <exception cref="CheckpointException">A pod with several containers selected.</exception>
    public CheckpointRoot Single()
    {
        if (Roots.Count == 1)
            return Roots[0];
        throw new MissingCheckpointDataException(
            $"pod checkpoint {Pod!.Path} has {Roots.Count} containers ({string.Join(", ", Roots.Select(r => r.Container!.Name))}); select one with --container");
    }

    /// <summary>Closes every archive opened.</summary>
    public void Dispose()
    {
        foreach (var pages in _owned)
            pages.Dispose();
        _owned.Clear();
    }

    // A directory: a pod is known from its files before anything else is read.
    private void ReadDirectory(CheckpointInput input, ArchiveRequest request, PagesPlan plan, IReadOnlyList<string> selectors)
    {
        var path = input.Path;
        if (File.Exists(Path.Combine(path, PodLayout.Manifest)) || new FileInfo(Path.Combine(path, PodLayout.Manifest)).LinkTarget != null)
        {
            Pod = PodReader.FromManifest(path);
            _pending = Pod.Select(selectors).Select(c => (Func<CheckpointRoot>)(() => OpenMember(c, PodReader.CheckArchive(path, c), request, plan))).ToList();
            return;
        }
        if (PodReader.ReadFile(path, PodLayout.PodOptions, PodLayout.MaxPodFileBytes) is { } options)
        {
            ReadOnlyMemory<byte>? podDump = null;
            if (PodReader.ReadFile(path, PodLayout.PodDump, PodLayout.MaxPodFileBytes) is { } dump)
                podDump = dump;
            Pod = PodReader.FromOptions(path, options, podDump);
            _pending = Pod.Select(selectors)
                .Select(c => (Func<CheckpointRoot>)(() => new CheckpointRoot(c, Opened(new CheckpointInput(ContainerDirectory(path, c)), request, plan)))).ToList();
            return;
        }
        if (!request.AcceptPreCheckpoint)
        {
            _roots = [new CheckpointRoot(null, Opened(input, request, plan))];
            return;
        }
        var pages = Opened(input, new ArchiveRequest
        {
            Hold = request.Hold, Consumers = request.Consumers, NeedIndex = request.NeedIndex, RequireCheckpointDirectory = false,
            IsComplete = request.IsComplete, MaxMemberBytes = request.MaxMemberBytes, MaxHeldBytes = request.MaxHeldBytes,
        }, plan);
        _roots = [TopRoot(pages, request, directory: pages.Archive.Image == null)];
    }

    // The input itself: a container checkpoint, or a pre-checkpoint export for a command that accepts one.
    private static CheckpointRoot TopRoot(PageSource pages, ArchiveRequest request, bool directory = false)
    {
        var archive = pages.Archive;
        if (request.AcceptPreCheckpoint && IsPreCheckpointExport(archive))
            return new CheckpointRoot(null, pages, ImageSet: ArchiveLayout.PreCheckpointPrefix);
        if (request.RequireCheckpointDirectory && !archive.HasCheckpointDirectory)
        {
            throw directory
                ? new MissingCheckpointDataException($"checkpoint directory is missing in the checkpoint directory: {archive.Path}{archive.PreCheckpointNote()}")
                : MissingCheckpointDirectory(archive);
        }
        return new CheckpointRoot(null, pages);
    }

    // Known only once the whole index is (a pass that waits at pages has met checkpoint/ pages).
    private static bool IsPreCheckpointExport(CheckpointArchive archive) =>
        archive.IsIndexComplete && !archive.HasCheckpointDirectory
        && archive.MembersMatching(ArchiveLayout.PreCheckpointPrefix + "pagemap-*.img").Any();

    // A generation-2 container's archive: a container archive, or (containerd) a checkpoint image, which the input's
    // image reader hands back as its checkpoint root.
    private CheckpointRoot OpenMember(PodContainer container, string file, ArchiveRequest request, PagesPlan plan)
    {
        var pages = Opened(new CheckpointInput(file), WithConfig(request), plan);
        if (ContainerConfig.IdIn(pages.Archive) is { Length: > 0 } id && id != container.Id)
            throw new InvalidCheckpointException($"{file}: holds container {id}, but {PodLayout.Manifest} gives {container.Id} for container {container.Name}");
        return new CheckpointRoot(container, pages);
    }

    private static string ContainerDirectory(string podPath, PodContainer container)
    {
        var directory = Path.Combine(podPath, container.Location);
        if (new FileInfo(directory).LinkTarget != null)
            throw new InvalidCheckpointException($"{podPath}: directory {container.Location} of container {container.Name} is a symbolic link");
        if (!Directory.Exists(directory))
            throw new MissingCheckpointDataException($"stat {directory}: no such file or directory (directory of container {container.Name} in {PodLayout.PodOptions})");
        return directory;
    }

    // A file or stream: one pass that reads the command's members at the top (a container archive) and below every
    // top-level directory (the containers of a pod), and the pod's own files.
    private void ReadArchive(CheckpointInput input, ArchiveRequest request, PagesPlan plan, IReadOnlyList<string> selectors)
    {
        string[]? roots = null;
        string? guessed = null;
        var pages = Opened(input, ForAnyLayout(request),
            AnyLayout(plan, () => roots, directory => (guessed = Guess(directory, selectors)) != null, request.AcceptPreCheckpoint));
        if (!pages.Archive.IsIndexComplete && guessed is { } directory)
        {
            // The pass waits at the pages of the container the selector names by its directory's name; pod.options (at
            // the end) must then confirm it.
            var root = directory + "/";
            _roots = [new CheckpointRoot(null, pages.View(root, () => Confirm(pages, request, selectors, directory)), root)];
            return;
        }
        Classify(pages, request, selectors);
        if (Pod != null)
            roots = _roots!.Select(r => r.Root).ToArray();
    }

    // The directory of the one selected container, as CRI-O (<id>-k8s_<name>_<pod>_…) and containerd (<id>-<name>_<pod>_…)
    // name it: its full ID or its name.
    private static string? Guess(string directory, IReadOnlyList<string> selectors)
    {
        if (selectors is not [var selector] || directory.IndexOf('-') is not (> 0 and var dash))
            return null;
        var rest = directory[(dash + 1)..];
        var named = directory[..dash] == selector || rest.StartsWith($"k8s_{selector}_", StringComparison.Ordinal) || rest.StartsWith($"{selector}_", StringComparison.Ordinal);
        return named ? directory : null;
    }

    private void Confirm(PageSource pages, ArchiveRequest request, IReadOnlyList<string> selectors, string directory)
    {
        Classify(pages, request, selectors);
        if (_roots is not [{ Container: { } container }] || container.Location != directory)
            throw new InvalidCheckpointException($"{pages.Archive.Path}: {PodLayout.PodOptions} does not name directory {directory} for container {string.Join(", ", selectors)}");
    }

    /// <summary>
    /// The checkpoint roots of an archive already read with <see cref="ForAnyLayout"/>(<paramref name="request"/>): the
    /// archive itself, or every container of a pod archive. The caller keeps the archive.
    /// </summary>
    /// <exception cref="CheckpointException">A malformed pod, or no checkpoint where <paramref name="request"/> needs one.</exception>
    public static CheckpointSet Of(CheckpointArchive archive, ArchiveRequest request)
    {
        var set = new CheckpointSet();
        set.Classify(PageSource.Of(archive), request, []);
        return set;
    }

    private void Classify(PageSource pages, ArchiveRequest request, IReadOnlyList<string> selectors)
    {
        var archive = pages.Archive;
        // A pass that waits at a pages member has met a container archive's checkpoint/ directory.
        if (archive.IsIndexComplete && archive.Contains(PodLayout.Manifest))
            throw new InvalidCheckpointException($"{archive.Path}: a pod checkpoint directory ({PodLayout.Manifest}) inside an archive is not supported; unpack it and give the directory");
        if (archive.IsIndexComplete && archive.TryGetBytes(PodLayout.PodOptions) is { } options)
        {
            Pod = PodReader.FromOptions(archive.Path, options, archive.TryGetBytes(PodLayout.PodDump));
            PodArchive = archive;
            _roots = Pod.Select(selectors).Select(c => ContainerRoot(pages, c, request)).ToList();
            return;
        }
        _roots = [TopRoot(pages, request)];
    }

    private static CheckpointRoot ContainerRoot(PageSource pages, PodContainer container, ArchiveRequest request)
    {
        if (pages.Archive.OtherEntries.Any(e => e.Name == container.Location))
            throw new InvalidCheckpointException($"{pages.Archive.Path}: directory {container.Location} of container {container.Name} is not a directory");
        var root = container.Location + "/";
        var view = pages.View(root);
        if (request.RequireCheckpointDirectory && !view.Archive.HasCheckpointDirectory)
            throw new MissingCheckpointDataException(
                $"checkpoint directory is missing in the archive file: {pages.Archive.Path} (container {container.Name}, directory {container.Location})");
        return new CheckpointRoot(container, view, root);
    }

    private static MissingCheckpointDataException MissingCheckpointDirectory(CheckpointArchive archive)
    {
        var nested = archive.Members.Select(m => m.Name.Split('/')).Where(s => s.Length > 2 && s[1] == ArchiveLayout.CheckpointDirectory)
            .Select(s => s[0]).Distinct().Order(StringComparer.Ordinal).ToList();
        var hint = nested.Count > 0 ? $" (its directories {string.Join(", ", nested)} hold checkpoints, but there is no {PodLayout.PodOptions})" : "";
        return new MissingCheckpointDataException($"checkpoint directory is missing in the archive file: {archive.Path}{hint}{archive.PreCheckpointNote()}");
    }

    private PageSource Opened(CheckpointInput input, ArchiveRequest request, PagesPlan plan)
    {
        var pages = PageSource.Open(input, request, plan);
        _owned.Add(pages);
        return pages;
    }

    /// <summary>
    /// <paramref name="request"/> for an archive that may be a pod: its members also below any top-level directory, the
    /// pod's files, and no <c>checkpoint/</c> required at the top; a streamed pass still stops where the request would.
    /// </summary>
    public static ArchiveRequest ForAnyLayout(ArchiveRequest request) => new()
    {
        // config.dump too: the container's ID, which a pre-checkpoint export found beside the archive must share.
        Hold = [.. request.Hold, ArchiveLayout.ConfigDump, .. request.Hold.Select(Nested), .. PodLayout.Markers,
                .. request.AcceptPreCheckpoint ? request.Hold.Select(ArchiveLayout.InPreCheckpoint).OfType<MemberPattern>() : []],
        Consumers = [.. request.Consumers, .. request.Consumers.Select(c => c with { Pattern = Nested(c.Pattern) })],
        NeedIndex = request.NeedIndex,
        RequireCheckpointDirectory = false,
        AcceptPreCheckpoint = request.AcceptPreCheckpoint,
        IsComplete = request.IsSatisfiedBy,
        MaxMemberBytes = request.MaxMemberBytes,
        MaxHeldBytes = request.MaxHeldBytes,
    };

    // The pages of every container too. A first pass stops at a pages member at the top (a container archive) or in
    // the directory the selector names (a pod whose pod.options comes last, as producers write it); otherwise a pod's
    // container is read by one more pass once pod.options has said which directories are the selected containers.
    // A pre-checkpoint export's pages are read sequentially only once the whole index says that is what it is (a
    // bundle tarred whole may hold checkpoint/ after them): a streamed export's memory then takes one more pass.
    private static PagesPlan AnyLayout(PagesPlan plan, Func<string[]?> roots, Func<string, bool> named, bool preCheckpoint)
    {
        var prePatterns = preCheckpoint ? plan.Patterns.Select(ArchiveLayout.InPreCheckpoint).OfType<MemberPattern>().ToList() : [];
        return new PagesPlan
        {
            Pattern = plan.Pattern,
            MorePatterns = [.. plan.MorePatterns, .. plan.Patterns.Select(Nested), .. prePatterns],
            Ranges = plan.Ranges,
            Sequential = plan.Sequential is { } stop ? (member, archive) => InScope(member.Name, archive) && stop(member, archive) : null,
        };

        bool InScope(string name, CheckpointArchive archive) => roots() is { } r
            ? r.Any(root => name.StartsWith(root, StringComparison.Ordinal))
            : plan.Patterns.Any(p => p.Matches(name)) || (plan.Patterns.Any(p => Nested(p).Matches(name)) && named(name[..name.IndexOf('/')]))
              || (prePatterns.Any(p => p.Matches(name)) && IsPreCheckpointExport(archive));
    }

    // A gen-2 member archive's config.dump says whose checkpoint it is (a containerd checkpoint image has none).
    private static ArchiveRequest WithConfig(ArchiveRequest request) => request with
    {
        Hold = [.. request.Hold, ArchiveLayout.ConfigDump],
    };

    private static MemberPattern Nested(MemberPattern pattern) => "*/" + pattern.Text;
}
