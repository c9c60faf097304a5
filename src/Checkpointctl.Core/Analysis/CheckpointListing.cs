using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Metadata;

namespace Checkpointctl.Core.Analysis;

/// <summary>One Kubernetes-style checkpoint archive found by <c>list</c>.</summary>
public sealed record ListedCheckpoint(string Path, ContainerInfo Container)
{
    public string FileName => System.IO.Path.GetFileName(Path);
}

/// <summary>Finds <c>checkpoint-*</c> archives in directories, reading each only as far as config.dump and spec.dump.</summary>
public static class CheckpointListing
{
    /// <summary>The kubelet's default checkpoint directory.</summary>
    public const string DefaultDirectory = "/var/lib/kubelet/checkpoints/";

    /// <summary>The archives a directory holds, in ordinal name order (none when it does not exist).</summary>
    public static IReadOnlyList<string> Find(string directory)
    {
        try
        {
            return Directory.EnumerateFileSystemEntries(directory, "checkpoint-*", new EnumerationOptions { RecurseSubdirectories = false, MatchType = MatchType.Simple })
                .Order(StringComparer.Ordinal)
                .ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>Reads the container metadata of one archive; the pass stops once both files are found.</summary>
    /// <exception cref="CheckpointException">The archive cannot be read.</exception>
    public static ListedCheckpoint Read(string path)
    {
        using var archive = new CheckpointInput(path).Open(new ArchiveRequest
        {
            Hold = [ArchiveLayout.ConfigDump, ArchiveLayout.SpecDump],
            RequireCheckpointDirectory = false,
        });
        return new ListedCheckpoint(path, ContainerInfo.Read(archive));
    }
}
