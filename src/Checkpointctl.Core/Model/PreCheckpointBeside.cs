namespace Checkpointctl.Core.Model;

/// <summary>
/// Where a Podman checkpoint export made with <c>--with-previous</c> looks for its pre-checkpoint export when none is
/// given (<c>--parent</c>): a file beside it named after it, so that nothing else in the directory is ever opened. For
/// <c>NAME.EXT</c> (<c>EXT</c> from the first dot, e.g. <c>full.tar.gz</c>), in this order: <c>NAME-pre.EXT</c>,
/// <c>NAME-pre-checkpoint.EXT</c>, <c>pre-NAME.EXT</c>, <c>pre-checkpoint-NAME.EXT</c>; the first that exists is used
/// and must hold <c>pre-checkpoint/</c>.
/// </summary>
internal static class PreCheckpointBeside
{
    /// <summary>The paths looked at, in order.</summary>
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

    /// <summary>The first candidate that is a file, or null.</summary>
    public static string? Find(string archive) => File.Exists(archive) ? Candidates(archive).FirstOrDefault(File.Exists) : null;
}
