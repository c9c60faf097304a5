using Checkpointctl.Core.Archive;

namespace Checkpointctl.Core.Analysis.CoreDump;

/// <summary>What <see cref="CoreDumper"/> writes.</summary>
public sealed record CoreDumpOptions
{
    /// <summary>The processes to write cores of; empty for every process with memory.</summary>
    public IReadOnlyList<uint> Pids { get; init; } = [];

    /// <summary>The container's root file system on this host, for mapped files the checkpoint does not hold; null for none.</summary>
    public string? RootFs { get; init; }

    /// <summary>The parent image set of an incremental checkpoint when the checkpoint does not lead to it (Podman's pre-checkpoint).</summary>
    public CheckpointInput? Parent { get; init; }

    /// <summary>Of a pod checkpoint, the one container to read (needed when it has several).</summary>
    public IReadOnlyList<string> Containers { get; init; } = [];
}
