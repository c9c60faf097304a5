using System.Text.RegularExpressions;
using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Criu.Images;
using Checkpointctl.Core.Metadata;
using Checkpointctl.Core.Model;
using Checkpointctl.Core.Pod;

namespace Checkpointctl.Core.Analysis;

/// <summary>The OCI platform of a checkpoint: the machine its processes were dumped on (they restore only there).</summary>
public sealed record OciPlatform(string Os, string Architecture, string? Variant = null);

/// <summary>
/// What an image made from a checkpoint carries (<c>build</c>): the checkpoint annotations, the platform taken from
/// the root process's CRIU core image, and the time of the checkpoint. Reading it also checks that the checkpoint is
/// one: metadata, a <c>checkpoint/</c> directory, a consistent process tree and nothing but files and directories.
/// </summary>
public sealed record CheckpointImage(IReadOnlyList<KeyValuePair<string, string>> Annotations, OciPlatform Platform, GoTime Checkpointed)
{
    /// <summary>Metadata plus the process tree images, held during the pass.</summary>
    public static ArchiveRequest Request { get; } = new()
    {
        Hold = [ArchiveLayout.ConfigDump, ArchiveLayout.SpecDump, .. CriuImages.ProcessTreeImages],
    };

    /// <exception cref="CheckpointException">The checkpoint cannot be read or is not a usable checkpoint.</exception>
    public static CheckpointImage Read(string path)
    {
        using var set = CheckpointSet.Open(path, Request, PagesPlan.None);
        return FromSet(set);
    }

    /// <summary>
    /// A container checkpoint, or a pod checkpoint whose every container is checked as one. A pod's image carries the
    /// pod's annotations (its <c>org.criu.checkpoint.*</c> keys, as CRI-O's pod images do; else the pod's name, namespace,
    /// UID and engine), the platform its containers share and the latest time one was checkpointed.
    /// </summary>
    /// <exception cref="CheckpointException">A container is not a usable checkpoint, or the containers' platforms differ.</exception>
    public static CheckpointImage FromSet(CheckpointSet set)
    {
        if (set.Pod is not { } pod)
            return FromArchive(set.Roots[0].Pages.Archive);
        if (set.PodArchive is { } whole)
            CheckOnlyFilesAndDirectories(whole);
        var containers = set.Roots.Select(r => (Root: r, Image: FromArchive(r.Pages.Archive), Info: ContainerInfo.Read(r.Pages.Archive))).ToList();
        var platform = containers[0].Image.Platform;
        if (containers.FirstOrDefault(c => c.Image.Platform != platform) is { Root: not null } other)
            throw new InvalidCheckpointException($"{pod.Path}: container {other.Root.Container!.Name} was dumped on {other.Image.Platform.Architecture}, container {containers[0].Root.Container!.Name} on {platform.Architecture}");
        var annotations = pod.Annotations.Count > 0 ? pod.Annotations : new Dictionary<string, string>
        {
            [CheckpointAnnotations.EngineName] = PodEngine.Name(pod, containers.Select(c => c.Info)),
            [CheckpointAnnotations.PodName] = pod.Name,
            [CheckpointAnnotations.PodNamespace] = pod.Namespace,
            [CheckpointAnnotations.PodUid] = pod.Uid,
        }.OrderBy(a => a.Key, StringComparer.Ordinal).ToList();
        return new CheckpointImage(annotations, platform, containers.Select(c => c.Image.Checkpointed).MaxBy(t => t.Value));
    }

    /// <summary>The image description of an archive already read with the members the image needs.</summary>
    public static CheckpointImage FromArchive(CheckpointArchive archive)
    {
        CheckOnlyFilesAndDirectories(archive);
        var info = ContainerInfo.Read(archive);
        if (!info.HasContainerMetadata)
            throw new MissingCheckpointDataException(
                $"open {ArchiveLayout.ConfigDump}: no such file or directory (a bare CRIU image directory has no container metadata to build an image from)");
        var images = new CriuImages(archive);
        var root = ProcessTree.Build(images);
        var platform = ToPlatform(images.Core(root.Pid).Mtype)
            ?? throw new InvalidCheckpointException($"core-{root.Pid}.img: unknown machine type {(int)images.Core(root.Pid).Mtype}");
        return new CheckpointImage(CheckAnnotationSize(CheckpointAnnotations.ForImage(info, platform.Architecture)), platform, info.Checkpointed);
    }

    /// <summary>Most bytes of annotations an image carries: its index holds them twice, and containerd and registries refuse indexes and manifests over 4 MiB.</summary>
    public const int MaxAnnotationBytes = 1 << 20;

    /// <exception cref="CheckpointException">The annotations are larger than an image can carry (e.g. a hostile 8 MiB container name).</exception>
    public static IReadOnlyList<KeyValuePair<string, string>> CheckAnnotationSize(IReadOnlyList<KeyValuePair<string, string>> annotations)
    {
        var bytes = annotations.Sum(a => (long)System.Text.Encoding.UTF8.GetByteCount(a.Key) + System.Text.Encoding.UTF8.GetByteCount(a.Value));
        if (bytes > MaxAnnotationBytes)
            throw new InvalidCheckpointException(
                $"the image annotations made from the checkpoint's metadata take {bytes} bytes, more than the {MaxAnnotationBytes >> 20} MiB an image can carry "
                + "(its index holds them twice; containerd and registries refuse indexes and manifests over 4 MiB)");
        return annotations;
    }

    // Runtimes create what a layer holds: no links or device nodes from an archive of unknown origin.
    private static void CheckOnlyFilesAndDirectories(CheckpointArchive archive)
    {
        if (archive.OtherEntries.Count > 0)
        {
            var (name, type) = archive.OtherEntries[0];
            throw new InvalidCheckpointException($"{archive.Path}: member {name} is a {type}; an image made from a checkpoint holds only files and directories");
        }
    }

    /// <summary>CRIU's machine type as an OCI/Go architecture name.</summary>
    public static OciPlatform? ToPlatform(CoreEntry.Types.March machine) => machine switch
    {
        CoreEntry.Types.March.X8664 => new("linux", "amd64"),
        CoreEntry.Types.March.Arm => new("linux", "arm", "v7"),
        CoreEntry.Types.March.Aarch64 => new("linux", "arm64"),
        CoreEntry.Types.March.Ppc64 => new("linux", "ppc64le"),
        CoreEntry.Types.March.S390 => new("linux", "s390x"),
        CoreEntry.Types.March.Mips => new("linux", "mips64le"),
        CoreEntry.Types.March.Loongarch64 => new("linux", "loong64"),
        CoreEntry.Types.March.Riscv64 => new("linux", "riscv64"),
        _ => null,
    };

    // The reference grammar of container image names (the distribution project's): an optional registry host with
    // port, lower-case path components, then an optional tag and digest.
    private static readonly Regex ImageName = new(
        @"^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?/)?"
        + @"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
        + @"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$",
        RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);

    /// <exception cref="CheckpointException">The name is not a valid image reference.</exception>
    public static void CheckImageName(string name)
    {
        if (name.Length == 0 || name.Length > 4096 || !ImageName.IsMatch(name) || name.Split('@')[0].Split(':')[0].Length > 255)
            throw new CheckpointException($"invalid image name \"{name}\": expected a reference such as localhost/checkpoint:latest (lower case)");
    }
}
