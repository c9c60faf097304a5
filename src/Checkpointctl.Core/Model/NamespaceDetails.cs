namespace Checkpointctl.Core.Model;

/// <summary>One namespace of the checkpoint and what its images record (forensics.md §2.4).</summary>
public sealed class NamespaceDetails
{
    /// <summary><c>pid</c>, <c>net</c>, <c>ipc</c>, <c>uts</c>, <c>mnt</c>, <c>user</c>, <c>cgroup</c> or <c>time</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>The namespace ID.</summary>
    public required uint Id { get; init; }

    /// <summary>CRIU's own namespace (<c>inventory.root_ids</c>): shared with the host, not dumped.</summary>
    public required bool Host { get; init; }

    /// <summary>The processes in it, in PID order.</summary>
    public required IReadOnlyList<uint> Pids { get; init; }

    /// <summary>The images that describe it (<c>utsns-12.img</c>, raw <c>route-10.img</c> …).</summary>
    public required IReadOnlyList<string> Images { get; init; }

    /// <summary>What its images record, as name and value.</summary>
    public required IReadOnlyList<KeyValuePair<string, string>> Properties { get; init; }

    /// <summary>Its objects: network devices, SysV shared memory segments.</summary>
    public required IReadOnlyList<PropertyGroup> Objects { get; init; }
}
