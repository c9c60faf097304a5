namespace Checkpointctl.Core.Model;

/// <summary>One thread of a process as its core image records it (forensics.md §2.1).</summary>
public sealed class ThreadDetails
{
    /// <summary>The thread ID.</summary>
    public required uint Tid { get; init; }

    /// <summary><c>thread_core.comm</c>, or the process's <c>tc.comm</c> for images before CRIU 3.11.</summary>
    public required string Name { get; init; }

    /// <summary>Blocked signals: the leader's <c>tc.blk_sigset</c>, the others' <c>thread_core.blk_sigset</c>.</summary>
    public required IReadOnlyList<int> Blocked { get; init; }

    /// <summary>Signals queued for this thread only (<c>thread_core.signals_p</c>), in queue order.</summary>
    public required IReadOnlyList<int> Pending { get; init; }

    /// <summary><c>OTHER</c>, <c>FIFO</c>, <c>RR</c>, <c>BATCH</c>, <c>IDLE</c>, <c>DEADLINE</c> (or the number), <c>|RESET_ON_FORK</c> appended; null when not recorded.</summary>
    public string? SchedPolicy { get; init; }

    /// <summary>The real-time priority (recorded for FIFO and RR only).</summary>
    public uint? SchedPriority { get; init; }

    /// <summary>The nice value; null when not recorded.</summary>
    public int? Nice { get; init; }

    /// <summary><c>disabled</c>, <c>strict</c> or <c>filter</c>.</summary>
    public required string SeccompMode { get; init; }

    /// <summary>Filters in the thread's seccomp chain (0 unless the mode is <c>filter</c>).</summary>
    public int SeccompFilters { get; init; }

    /// <summary>Only with <c>--registers</c>; null otherwise or when the core holds no known register set.</summary>
    public RegisterSet? Registers { get; init; }
}
