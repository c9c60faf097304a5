namespace Checkpointctl.Core.Model;

/// <summary>The namespace IDs of one process (<c>ids-&lt;pid&gt;.img</c>), in the order pid, net, ipc, uts, mnt, user, cgroup, time.</summary>
public sealed class ProcessNamespaces
{
    /// <summary>The process ID.</summary>
    public required uint Pid { get; init; }
    /// <summary>The command name.</summary>
    public required string Command { get; init; }

    /// <summary>Kind, ID and whether it is CRIU's (the host's); namespaces the image does not record (ID 0) are left out.</summary>
    public required IReadOnlyList<(string Kind, uint Id, bool Host)> Namespaces { get; init; }
}
