using Checkpointctl.Core.Archive;

namespace Checkpointctl.Core.Model;

/// <summary>
/// Finds and opens the parent image sets of an incremental dump (checkpoint-shapes.md §4): a CRIU image directory's
/// <c>parent</c> link (followed on disk, as CRIU does), or for an archive the image set given by the user (Podman's
/// pre-checkpoint export with <c>--parent</c>); a link inside an archive is never followed on the host. Each parent is
/// read in its own single pass, with the pages plan the command gives for it; chains are limited in depth and checked
/// for cycles.
/// </summary>
public sealed class ParentChain : IDisposable
{
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
        var request = new ArchiveRequest
        {
            Hold = ["*/pagemap-*.img", "*/inventory.img"],
            RequireCheckpointDirectory = false,
        };
        var plan = Plan(child);
        var source = PageSource.Open(input, request, new PagesPlan { Pattern = "*/pages-*.img", Ranges = plan.Ranges, Sequential = plan.Sequential });
        _opened.Add(source);
        // The image set is the directory of its pagemaps; among several, the one the link names (it may come after the
        // pages in a streamed archive, then checkpoint/).
        var sets = source.Archive.MembersMatching("*/pagemap-*.img").Select(m => m.Name[..(m.Name.LastIndexOf('/') + 1)]).Distinct().ToList();
        var prefix = sets.Count == 1 ? sets[0] : linkTarget != null && sets.Contains(linkTarget) ? linkTarget : ArchiveLayout.CheckpointPrefix;
        var identity = Identity(input, prefix);
        if (levels.Any(l => l.Input != null && Identity(l.Input, l.Prefix) == identity))
            throw new InvalidCheckpointException($"{child.Input?.Path}: {child.Prefix}{ParentLink}: parent image sets form a cycle at {input.Path}");
        return new CriuImages(source, this, prefix, child);
    }

    public void Dispose()
    {
        foreach (var source in _opened)
            source.Dispose();
        _opened.Clear();
    }

    // The parent's input, and the directory its link names inside an archive (e.g. "pre-checkpoint/"), if any.
    private (CheckpointInput Input, string? LinkTarget) Locate(CriuImages child)
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
        if (child.Archive.SymbolicLinks.TryGetValue(link, out var linkTarget))
            throw new MissingCheckpointDataException($"{path}: {link} -> {linkTarget}: the parent image set is not in the archive (give it with --parent)");
        throw new MissingCheckpointDataException($"{path}: pages are in a parent image set, but there is no {link} link (give it with --parent)");
    }

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

    private static string Identity(CheckpointInput input, string prefix) => Path.GetFullPath(input.Path) + "\0" + prefix;
}
