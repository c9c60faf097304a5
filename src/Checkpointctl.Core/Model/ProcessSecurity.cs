namespace Checkpointctl.Core.Model;

/// <summary>A capability set: its mask and the names of its bits.</summary>
public sealed record CapabilitySet(string Name, ulong Mask, IReadOnlyList<string> Capabilities);

/// <summary>A process's credentials and confinement (<c>inspect --security</c>, forensics.md §2.5), from its leader's core.</summary>
public sealed class ProcessSecurity
{
    /// <summary>The process ID.</summary>
    public required uint Pid { get; init; }
    /// <summary>The command name.</summary>
    public required string Command { get; init; }

    /// <summary>real, effective, saved, filesystem — as seen inside the task's user namespace.</summary>
    public required (uint Real, uint Effective, uint Saved, uint Filesystem) Uids { get; init; }

    /// <summary>real, effective, saved, filesystem GIDs, as seen inside the task's user namespace.</summary>
    public required (uint Real, uint Effective, uint Saved, uint Filesystem) Gids { get; init; }

    /// <summary>The supplementary groups.</summary>
    public required IReadOnlyList<uint> Groups { get; init; }

    /// <summary>inheritable, permitted, effective, bounding and (CRIU ≥ 4.1) ambient.</summary>
    public required IReadOnlyList<CapabilitySet> CapabilitySets { get; init; }

    /// <summary>The securebits.</summary>
    public required uint Securebits { get; init; }

    /// <summary>1 or 0; null when not recorded (CRIU writes it only when set, and only since 3.19).</summary>
    public bool? NoNewPrivs { get; init; }

    /// <summary>The seccomp mode: <c>disabled</c>, <c>strict</c> or <c>filter</c>.</summary>
    public required string SeccompMode { get; init; }

    /// <summary>Filters in the leader's seccomp chain and their BPF instructions.</summary>
    public int SeccompFilters { get; init; }

    /// <summary>See <see cref="SeccompFilters"/>.</summary>
    public int SeccompInstructions { get; init; }

    /// <summary><c>none</c>, <c>SELinux</c> or <c>AppArmor</c> (<c>inventory.lsmtype</c>).</summary>
    public required string Lsm { get; init; }

    /// <summary>The SELinux context or AppArmor profile; null when not recorded (AppArmor stores <c>unconfined</c> as absent).</summary>
    public string? LsmProfile { get; init; }

    /// <summary>The LSM label for sockets it creates, if recorded.</summary>
    public string? LsmSockcreate { get; init; }

    /// <summary>The audit login UID; null when unset (4294967295) or not recorded.</summary>
    public uint? LoginUid { get; init; }

    /// <summary>Threads whose credentials differ from the leader's (e.g. a setuid in one thread).</summary>
    public required IReadOnlyList<uint> ThreadsWithOtherCredentials { get; init; }
}
