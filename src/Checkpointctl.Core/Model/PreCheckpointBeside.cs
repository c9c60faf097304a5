using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Metadata;

namespace Checkpointctl.Core.Model;

/// <summary>
/// Where a Podman checkpoint export made with <c>--with-previous</c> looks for its pre-checkpoint export when none is
/// given (<c>--parent</c>), so that nothing else in the directory is ever read:
/// <list type="number">
/// <item>a file named after it: for <c>NAME.EXT</c> (<c>EXT</c> from the first dot, e.g. <c>full.tar.gz</c>)
/// <c>NAME-pre.EXT</c>, <c>NAME-pre-checkpoint.EXT</c>, <c>pre-NAME.EXT</c>, <c>pre-checkpoint-NAME.EXT</c>; the first
/// that exists is used and must hold <c>pre-checkpoint/</c>. Podman's documented pair, <c>checkpoint.tar.gz</c> and
/// <c>pre-checkpoint.tar.gz</c> (podman-container-checkpoint(1), podman-container-restore(1)), is of this kind.</item>
/// <item>else a file named <c>pre.*</c> or <c>pre-checkpoint.*</c> (e.g. <c>pre.tar.gz</c> beside <c>full.tar.gz</c>,
/// checkpoint-shapes.md §4.2), taken only when exactly one such file is a pre-checkpoint export of the same container
/// (the <c>id</c> of both config.dump files equal).</item>
/// </list>
/// A file of another container is never taken: named after the archive it is an error, otherwise it is passed over.
/// </summary>
internal static class PreCheckpointBeside
{
    private static readonly string[] LooseStems = ["pre", "pre-checkpoint"];

    /// <summary>The files named after <paramref name="archive"/>, in the order they are looked at.</summary>
    public static IEnumerable<string> Candidates(string archive)
    {
        var full = Path.GetFullPath(archive);
        var dir = Path.GetDirectoryName(full) ?? "/";
        var name = Path.GetFileName(full);
        var dot = name.IndexOf('.', 1);
        var (stem, ext) = dot < 0 ? (name, "") : (name[..dot], name[dot..]);
        foreach (var candidate in new[] { $"{stem}-pre{ext}", $"{stem}-pre-checkpoint{ext}", $"pre-{stem}{ext}", $"pre-checkpoint-{stem}{ext}" })
            yield return Path.Combine(dir, candidate);
    }

    /// <summary>How the rule for other names is described in messages.</summary>
    public const string LooseNames = "pre.* or pre-checkpoint.* of the same container";

    /// <summary>The pre-checkpoint export of <paramref name="checkpoint"/> (read from <paramref name="archive"/>), or null.</summary>
    /// <exception cref="CheckpointException">A file named after the archive is of another container; several files fit.</exception>
    public static string? Find(string archive, CheckpointArchive checkpoint)
    {
        if (!File.Exists(archive))
            return null;
        var id = ContainerConfig.IdIn(checkpoint);
        if (Candidates(archive).FirstOrDefault(File.Exists) is { } named)
        {
            if (id != null && IdOf(named) is { } other && other != id)
                throw new InvalidCheckpointException($"{named} (beside {archive}): a checkpoint of container {other}, not of {id} (give the parent with --parent)");
            return named;
        }
        if (id == null)
            return null;
        var full = Path.GetFullPath(archive);
        var fitting = Directory.EnumerateFiles(Path.GetDirectoryName(full) ?? "/")
            .Where(f => f != full && LooseStems.Any(stem => Path.GetFileName(f).StartsWith(stem + ".", StringComparison.Ordinal)))
            .Order(StringComparer.Ordinal)
            .Where(f => IdOf(f) == id)
            .ToList();
        return fitting.Count switch
        {
            0 => null,
            1 => fitting[0],
            _ => throw new MissingCheckpointDataException(
                $"{archive}: {string.Join(" and ", fitting.Select(Path.GetFileName))} beside it are all pre-checkpoints of container {id} (give the parent with --parent)"),
        };
    }

    // The container ID in a pre-checkpoint export's config.dump; null for anything else (not an archive, no
    // pre-checkpoint/ image set, unreadable). Podman writes config.dump before pre-checkpoint/, so the pass stops early.
    private static string? IdOf(string file)
    {
        var request = new ArchiveRequest
        {
            Hold = [ArchiveLayout.ConfigDump],
            RequireCheckpointDirectory = false,
            IsComplete = a => a.Contains(ArchiveLayout.ConfigDump) && a.MembersMatching(ArchiveLayout.PreCheckpointPrefix + "pagemap-*.img").Any(),
        };
        try
        {
            using var opened = new CheckpointInput(file).Open(request);
            return opened.MembersMatching(ArchiveLayout.PreCheckpointPrefix + "pagemap-*.img").Any() ? ContainerConfig.IdIn(opened) : null;
        }
        catch (CheckpointException)
        {
            return null;
        }
    }
}
