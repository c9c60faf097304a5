using Checkpointctl.Core.Archive;

namespace Checkpointctl.Core.Model;

/// <summary>
/// Finds and opens the parent image sets of an incremental dump (checkpoint-shapes.md §4): a CRIU image directory's
/// <c>parent</c> link (followed on disk, as CRIU does); for an archive the image set given by the user (<c>--parent</c>),
/// else the link's target resolved inside the same archive (never on the host; targets outside it refused), else
/// Podman's pre-checkpoint export beside the archive (<see cref="PreCheckpointBeside"/>). A parent in another input is
/// read in its own single pass, with the pages plan the command gives for it; one in the same plain tar is read in
/// place. Chains are limited in depth and checked for cycles.
/// </summary>
public sealed class ParentChain : IDisposable
{
    /// <summary>Deepest chain of parent image sets read.</summary>
    public const int MaxDepth = 32;
    private const string ParentLink = "parent";

    private readonly List<PageSource> _opened = [];

    /// <summary>The dump's parent as the user gave it (<c>--parent</c>): an archive or directory.</summary>
    public CheckpointInput? Explicit { get; init; }

    /// <summary>What is read from a parent image set's pages, from the image set whose parent it is.</summary>
    public Func<CriuImages, PagesPlan> Plan { get; init; } = _ => PagesPlan.None;

    /// <summary>Opens <paramref name="child"/>'s parent image set.</summary>
    /// <exception cref="CheckpointException">No parent link, a missing parent, a cycle, or a chain deeper than <see cref="MaxDepth"/>.</exception>
    internal CriuImages Open(CriuImages child)
    {
        var (input, linkTarget) = Locate(child);
        var levels = Levels(child);
        if (levels.Count >= MaxDepth)
            throw new InvalidCheckpointException($"{child.Prefix}{ParentLink}: the chain of parent image sets is deeper than {MaxDepth}");
        var sameArchive = input == null;
        PageSource source;
        if (sameArchive && child.Archive.SupportsRandomAccess)
        {
            // A plain tar or bundle directory holding its parent too: read in place, no further pass.
            source = child.Pages;
        }
        else
        {
            var request = new ArchiveRequest
            {
                Hold = ["*/pagemap-*.img", "*/inventory.img"],
                RequireCheckpointDirectory = false,
            };
            var plan = Plan(child);
            // Another pass of the same archive goes past the child's own pages to its parent's.
            var sequential = sameArchive && plan.Sequential is { } stop ? (m, a) => !m.Name.StartsWith(child.Prefix, StringComparison.Ordinal) && stop(m, a) : plan.Sequential;
            source = PageSource.Open(input ?? child.Input!, request, new PagesPlan { Pattern = "*/pages-*.img", Ranges = plan.Ranges, Sequential = sequential });
            _opened.Add(source);
            // A streamed child's pass stopped at its pages before the link (it sorts after them): this pass has seen it.
            if (sameArchive && linkTarget == null)
                linkTarget = LinkedSet(child, source.Archive);
        }
        // The image set is the directory of its pagemaps; among several, the one the link names (it may come after the
        // pages in a streamed archive, then checkpoint/).
        var sets = source.Archive.MembersMatching("*/pagemap-*.img").Select(m => m.Name[..(m.Name.LastIndexOf('/') + 1)]).Distinct().ToList();
        var prefix = sameArchive ? linkTarget! : sets.Count == 1 ? sets[0] : linkTarget != null && sets.Contains(linkTarget) ? linkTarget : ArchiveLayout.CheckpointPrefix;
        if (sameArchive && !sets.Contains(prefix))
            throw NotInArchive(child, source.Archive.SymbolicLinks.GetValueOrDefault(child.Prefix + ParentLink) ?? linkTarget!);
        if (!sameArchive && input != Explicit && linkTarget != null && !sets.Contains(linkTarget))
            throw new MissingCheckpointDataException($"{input!.Path} (beside {child.Archive.Path}): no {linkTarget} image set in it (give the parent with --parent)");
        var identity = Identity(source.Archive.Path, prefix);
        if (levels.Any(l => Identity(l.Archive.Path, l.Prefix) == identity))
            throw new InvalidCheckpointException($"{child.Input?.Path}: {child.Prefix}{ParentLink}: parent image sets form a cycle at {source.Archive.Path}");
        return new CriuImages(source, this, prefix, child);
    }

    /// <summary>Closes the parents opened.</summary>
    public void Dispose()
    {
        foreach (var source in _opened)
            source.Dispose();
        _opened.Clear();
    }

    // The parent's input (null: the child's own archive), and the directory its link names inside an archive (e.g.
    // "pre-checkpoint/"), if any.
    private (CheckpointInput? Input, string? LinkTarget) Locate(CriuImages child)
    {
        var path = child.Input?.Path ?? child.Archive.Path;
        var link = child.Prefix + ParentLink;
        if (child.Child == null && Explicit != null)
            return (Explicit, child.Archive.SymbolicLinks.TryGetValue(link, out var target) ? InArchive(child.Prefix, target) : null);
        if (child.Input?.OpenStream == null && Directory.Exists(path))
        {
            var imageDir = Directory.Exists(Path.Combine(path, ArchiveLayout.CheckpointDirectory)) ? Path.Combine(path, ArchiveLayout.CheckpointDirectory) : path;
            var onDisk = Path.Combine(imageDir, ParentLink);
            var info = new DirectoryInfo(onDisk);
            if (!info.Exists && info.LinkTarget == null)
                throw new MissingCheckpointDataException($"pages are in a parent image set, but {onDisk} does not exist");
            var resolved = Path.GetFullPath(Path.Combine(imageDir, info.LinkTarget ?? ParentLink));
            if (!Directory.Exists(resolved))
                throw new MissingCheckpointDataException($"parent image set {onDisk} -> {info.LinkTarget}: open {resolved}: no such file or directory");
            return (new CheckpointInput(resolved), null);
        }
        if (!child.Archive.IsIndexComplete && !child.Archive.SymbolicLinks.ContainsKey(link) && child.Input != null)
        {
            // Streamed, and the link not seen yet: an export beside the archive, else the rest of the archive.
            if (child.Child == null && PreCheckpointBeside.Find(path, child.Archive) is { } besideStream)
                return (new CheckpointInput(besideStream), ArchiveLayout.PreCheckpointPrefix);
            return (null, null);
        }
        if (!child.Archive.SymbolicLinks.TryGetValue(link, out var linkTarget))
            throw NoLink(path, link);
        // The link is resolved inside the archive, never on the host: first the same archive (a bundle tarred whole),
        // then, for the checkpoint itself, a pre-checkpoint export beside the archive.
        var inArchive = InArchive(child.Prefix, linkTarget);
        if (inArchive != null && MayHold(child.Archive, inArchive) && (child.Input != null || child.Archive.SupportsRandomAccess))
            return (null, inArchive);
        if (inArchive == ArchiveLayout.PreCheckpointPrefix && child.Child == null && PreCheckpointBeside.Find(path, child.Archive) is { } beside)
            return (new CheckpointInput(beside), inArchive);
        throw NotInArchive(child, linkTarget);
    }

    // The image set the child's link names in `archive` (a later pass of the child's own archive).
    private static string LinkedSet(CriuImages child, CheckpointArchive archive)
    {
        var link = child.Prefix + ParentLink;
        // Still not seen (this pass waits at the parent's pages, the link is stored after them): Podman's bundle layout.
        if (!archive.SymbolicLinks.ContainsKey(link) && !archive.IsIndexComplete && archive.MembersMatching(ArchiveLayout.PreCheckpointPrefix + "pagemap-*.img").Any())
            return ArchiveLayout.PreCheckpointPrefix;
        if (!archive.SymbolicLinks.TryGetValue(link, out var target))
            throw NoLink(archive.Path, link);
        return InArchive(child.Prefix, target) ?? throw NotInArchive(child, target);
    }

    private static MissingCheckpointDataException NoLink(string path, string link) =>
        new($"{path}: pages are in a parent image set, but there is no {link} link (give it with --parent)");

    private static MissingCheckpointDataException NotInArchive(CriuImages child, string linkTarget)
    {
        var path = child.Input?.Path ?? child.Archive.Path;
        var where = InArchive(child.Prefix, linkTarget) == null ? "points outside the archive" : "the parent image set is not in the archive";
        var beside = child.Child == null && InArchive(child.Prefix, linkTarget) == ArchiveLayout.PreCheckpointPrefix
            ? $", nor beside it as {string.Join(" or ", PreCheckpointBeside.Candidates(path).Select(Path.GetFileName))} or {PreCheckpointBeside.LooseNames}"
            : "";
        return new MissingCheckpointDataException($"{path}: {child.Prefix}{ParentLink} -> {linkTarget}: {where}{beside} (give it with --parent)");
    }

    // Whether the archive holds (or, still streaming, may hold) the image set `prefix`.
    private static bool MayHold(CheckpointArchive archive, string prefix) =>
        !archive.IsIndexComplete || archive.MembersMatching(prefix + "pagemap-*.img").Any();

    // A link's target as a directory of the same archive ("../pre-checkpoint" from "checkpoint/" is "pre-checkpoint/");
    // null for absolute targets and targets outside the archive.
    private static string? InArchive(string prefix, string target)
    {
        if (target.StartsWith('/'))
            return null;
        var segments = prefix.TrimEnd('/').Split('/').ToList();
        foreach (var segment in target.Split('/'))
        {
            if (segment == "..")
            {
                if (segments.Count == 0)
                    return null;
                segments.RemoveAt(segments.Count - 1);
            }
            else if (segment is not ("" or "."))
            {
                segments.Add(segment);
            }
        }
        return segments.Count == 0 ? null : string.Join('/', segments) + "/";
    }

    private static List<CriuImages> Levels(CriuImages child)
    {
        var levels = new List<CriuImages>();
        for (var level = child; level != null; level = level.Child)
            levels.Add(level);
        return levels;
    }

    private static string Identity(string path, string prefix) => Path.GetFullPath(path) + "\0" + prefix;
}
