using Checkpointctl.Core.Analysis;
using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Pod;

namespace Checkpointctl.Core.Api;

/// <summary>
/// A container checkpoint or pod checkpoint opened for reading: its containers with their processes, open files,
/// sockets and memory maps, and each process's memory. The entry point for programs that read checkpoints.
/// </summary>
/// <remarks>
/// <see cref="Open"/> reads every shape the <c>checkpointctl</c> tool reads: a checkpoint archive (plain tar, gzip,
/// zstd, bzip2 or xz), an unpacked checkpoint directory, a bare CRIU image directory, a pod checkpoint (archive or
/// directory) and a checkpoint image (OCI archive, OCI directory, docker-archive, containerd). Nothing is unpacked and no
/// temporary file is written. Opening reads the metadata, the CRIU images and the pages holding the command lines in
/// one pass; other memory is read only by <see cref="ReadMemory"/> and <see cref="Search(uint, string, int)"/>, each in
/// a pass of its own. A damaged input raises a <see cref="CheckpointException"/> whose message is written for users.
/// </remarks>
/// <example>
/// <code>
/// var checkpoint = Checkpoint.Open("checkpoint.tar.zst");
/// foreach (var process in checkpoint.Processes)
///     Console.WriteLine($"{process.Pid} {process.Command}: {process.Files.Count} files");
/// </code>
/// </example>
public sealed class Checkpoint
{
    private Checkpoint(string path, PodCheckpoint? pod, IReadOnlyList<CheckpointContainer> containers)
    {
        Path = path;
        Pod = pod;
        Containers = containers;
    }

    /// <summary>The path the checkpoint was opened from.</summary>
    public string Path { get; }

    /// <summary>The pod of a pod checkpoint (its name, namespace, engine and containers); null for a container checkpoint.</summary>
    public PodCheckpoint? Pod { get; }

    /// <summary>The checkpointed containers: one for a container checkpoint, each container of a pod in the pod's order.</summary>
    public IReadOnlyList<CheckpointContainer> Containers { get; }

    /// <summary>The one container of a container checkpoint (or of a pod with one container).</summary>
    /// <exception cref="CheckpointException">A pod with several containers: use <see cref="Containers"/>.</exception>
    public CheckpointContainer Container => Containers.Count == 1
        ? Containers[0]
        : throw new MissingCheckpointDataException(
            $"pod checkpoint {Path} has {Containers.Count} containers ({string.Join(", ", Containers.Select(c => c.Name))}); select one of Containers");

    /// <summary>The processes of <see cref="Container"/>, parents before children, children in PID order.</summary>
    /// <exception cref="CheckpointException">A pod with several containers: use <see cref="Containers"/>.</exception>
    public IReadOnlyList<CheckpointProcess> Processes => Container.Processes;

    /// <summary>Opens a checkpoint of any shape and reads its metadata, process trees, files, sockets and memory maps.</summary>
    /// <param name="path">An archive, a checkpoint or CRIU image directory, a pod checkpoint or a checkpoint image.</param>
    /// <param name="parent">
    /// The parent image set of an incremental checkpoint (e.g. Podman's pre-checkpoint archive) when the checkpoint
    /// does not lead to it itself; null otherwise.
    /// </param>
    /// <param name="commandLines">
    /// Read each process's command line and environment, which are in its memory pages. False reads no pages at all
    /// (a checkpoint directory without its pages files opens too) and leaves <see cref="CheckpointProcess.CommandLine"/>
    /// and <see cref="CheckpointProcess.Environment"/> empty. A compressed archive is decompressed once either way: its
    /// sizes come from every member's header.
    /// </param>
    /// <exception cref="CheckpointException">The input is missing, damaged or not a checkpoint.</exception>
    public static Checkpoint Open(string path, string? parent = null, bool commandLines = true)
    {
        ArgumentNullException.ThrowIfNull(path);
        var parentInput = parent == null ? null : new CheckpointInput(parent);
        var options = new InspectOptions
        {
            PsTree = true,
            PsTreeCmd = commandLines,
            PsTreeEnv = commandLines,
            Files = true,
            Sockets = true,
            MemoryMap = true,
            OptionalProcessTree = true,
            Parent = parentInput,
        };
        var results = Inspection.ReadAll(new CheckpointInput(path), options);
        var containers = results.Items
            .Select(item => new CheckpointContainer(path, item.Container, item.Value, parentInput))
            .ToList();
        return new Checkpoint(path, results.Pod, containers);
    }

    /// <summary>
    /// Reads the memory of a process of <see cref="Container"/> at <paramref name="address"/> into
    /// <paramref name="destination"/>; see <see cref="CheckpointContainer.ReadMemory"/>.
    /// </summary>
    /// <returns>How many bytes of <paramref name="destination"/> the checkpoint holds; the others are set to zero.</returns>
    /// <exception cref="CheckpointException">Unknown or dead PID, damaged pages; a pod with several containers.</exception>
    public long ReadMemory(uint pid, ulong address, Span<byte> destination) => Container.ReadMemory(pid, address, destination);

    /// <summary>Searches the memory of a process of <see cref="Container"/> for <paramref name="text"/>; see <see cref="CheckpointContainer.Search(uint, string, int)"/>.</summary>
    /// <exception cref="CheckpointException">Unknown or dead PID, damaged pages; a pod with several containers.</exception>
    public IReadOnlyList<MemoryMatch> Search(uint pid, string text, int context = 0) => Container.Search(pid, text, context);

    /// <summary>Runs a search (a literal, Go regexp or hex pattern) over the memory of a process of <see cref="Container"/>.</summary>
    /// <exception cref="CheckpointException">Unknown or dead PID, damaged pages; a pod with several containers.</exception>
    public IReadOnlyList<MemoryMatch> Search(uint pid, MemorySearch search) => Container.Search(pid, search);
}
