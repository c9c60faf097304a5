using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Metadata;
using Checkpointctl.Core.Model;
using Checkpointctl.Core.Pod;

namespace Checkpointctl.Core.Analysis;

/// <summary>The overview <c>show</c> prints: container metadata and sizes from member headers.</summary>
public sealed record CheckpointOverview(string Path, ContainerInfo Container, CheckpointSizes Sizes)
{
    /// <summary>config.dump, spec.dump and the inventory held, plus the complete index for sizes; one pass over the archive.</summary>
    public static ArchiveRequest Request { get; } = new()
    {
        Hold = [ArchiveLayout.ConfigDump, ArchiveLayout.SpecDump, .. GpuState.PluginImages],
        NeedIndex = true,
        AcceptPreCheckpoint = true,
    };

    /// <summary>A Podman pre-checkpoint export (memory only); its sizes are those of <c>pre-checkpoint/</c>.</summary>
    public bool IsPreCheckpoint { get; init; }

    /// <summary>CRIU plugins and the AMD GPU images by kind (shown only when <see cref="GpuState.IsPresent"/>).</summary>
    public GpuState Gpu { get; init; } = new();

    /// <summary>The checkpoint image the checkpoint was read from, or null for a plain checkpoint.</summary>
    public ImageDescription? Image { get; init; }

    /// <exception cref="CheckpointException">The checkpoint cannot be read.</exception>
    public static CheckpointOverview Read(string path)
    {
        using var archive = new CheckpointInput(path).Open(Request);
        return FromArchive(archive);
    }

    /// <summary>The overview of a checkpoint, or of every container of a pod checkpoint, from one pass.</summary>
    /// <exception cref="CheckpointException">The checkpoint cannot be read.</exception>
    public static CheckpointResults<CheckpointOverview> ReadAll(CheckpointInput input) =>
        CheckpointSet.Read(input, Request, PagesPlan.None, null, root => root.IsPreCheckpoint
            ? FromArchive(root.Pages.Archive) with { Path = input.Path, Sizes = root.Pages.Archive.SizesOf(root.ImageSet), IsPreCheckpoint = true }
            : FromArchive(root.Pages.Archive) with { Path = input.Path });

    /// <summary>The overview of an archive already read with <see cref="Request"/>.</summary>
    public static CheckpointOverview FromArchive(CheckpointArchive archive) =>
        new(archive.Path, ContainerInfo.Read(archive), archive.Sizes) { Gpu = GpuState.Read(new CriuImages(archive)), Image = archive.Image };
}
