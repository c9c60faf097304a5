using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Metadata;
using Checkpointctl.Core.Pod;

namespace Checkpointctl.Core.Analysis;

/// <summary>One Kubernetes-style checkpoint archive found by <c>list</c>.</summary>
public sealed record ListedCheckpoint(string Path, ContainerInfo Container)
{
    /// <summary>The checkpoint's file name without its directory.</summary>
    public string FileName => System.IO.Path.GetFileName(Path);
}

/// <summary>
/// Finds <c>checkpoint-*</c> archives and directories (container checkpoints, and pod checkpoints with their
/// <c>pod.options</c> or manifest) in directories, reading each only as far as config.dump and spec.dump.
/// </summary>
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
    public static ListedCheckpoint Read(string path) => ReadAll(path) switch
    {
        [var one] => one,
        _ => throw new CheckpointException($"{path} is a pod checkpoint"),
    };

    /// <summary>
    /// The container of a checkpoint, or each container of a pod checkpoint (a pod archive is read once; each container
    /// of a pod directory only as far as its config.dump and spec.dump). A pod's name and namespace fill in what a
    /// container's metadata does not say.
    /// </summary>
    /// <exception cref="CheckpointException">The checkpoint cannot be read.</exception>
    public static IReadOnlyList<ListedCheckpoint> ReadAll(string path)
    {
        var request = new ArchiveRequest { Hold = [ArchiveLayout.ConfigDump, ArchiveLayout.SpecDump], RequireCheckpointDirectory = false };
        var results = CheckpointSet.Read(path, request, PagesPlan.None, null, root => ContainerInfo.Read(root.Pages.Archive));
        return results.Items.Select(i => new ListedCheckpoint(path, results.Pod is { } pod ? WithPod(i.Value, pod) : i.Value)).ToList();
    }

    /// <summary>The directories <c>list</c> searches without arguments: the kubelet's container and pod checkpoints.</summary>
    public static IReadOnlyList<string> DefaultDirectories { get; } = [DefaultDirectory, PodLayout.KubeletDirectory];

    private static ContainerInfo WithPod(ContainerInfo container, PodCheckpoint pod) => container with
    {
        Namespace = container.Namespace.Length > 0 ? container.Namespace : pod.Namespace,
        Pod = container.Pod.Length > 0 ? container.Pod : pod.Name,
    };
}
