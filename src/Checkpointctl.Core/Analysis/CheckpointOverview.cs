using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Metadata;

namespace Checkpointctl.Core.Analysis;

/// <summary>The overview <c>show</c> prints: container metadata and sizes from member headers.</summary>
public sealed record CheckpointOverview(string Path, ContainerInfo Container, CheckpointSizes Sizes)
{
    /// <summary>config.dump and spec.dump held, plus the complete index for sizes; one pass over the archive.</summary>
    public static ArchiveRequest Request { get; } = new()
    {
        Hold = [ArchiveLayout.ConfigDump, ArchiveLayout.SpecDump],
        NeedIndex = true,
    };

    /// <exception cref="CheckpointException">The checkpoint cannot be read.</exception>
    public static CheckpointOverview Read(string path)
    {
        using var archive = CheckpointArchive.Open(path, Request);
        return FromArchive(archive);
    }

    public static CheckpointOverview FromArchive(CheckpointArchive archive) =>
        new(archive.Path, ContainerInfo.Read(archive), archive.Sizes);
}
