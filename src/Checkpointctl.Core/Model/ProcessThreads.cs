namespace Checkpointctl.Core.Model;

/// <summary>A process with its threads (<c>inspect --threads</c>).</summary>
public sealed class ProcessThreads
{
    /// <summary>The process ID.</summary>
    public required uint Pid { get; init; }
    /// <summary>The parent's PID.</summary>
    public required uint Ppid { get; init; }
    /// <summary>The process group ID.</summary>
    public required uint Pgid { get; init; }
    /// <summary>The session ID.</summary>
    public required uint Sid { get; init; }
    /// <summary>The command name.</summary>
    public required string Command { get; init; }
    /// <summary>The task state.</summary>
    public required TaskState State { get; init; }

    /// <summary>The exit code of a dead task (how CRIU stores a zombie), else null.</summary>
    public uint? ExitCode { get; init; }

    /// <summary>The signal that stopped a stopped task, when recorded (CRIU ≥ 3.18).</summary>
    public uint? StopSignal { get; init; }

    /// <summary>Signals pending for the whole process (<c>tc.signals_s</c>).</summary>
    public required IReadOnlyList<int> SharedPending { get; init; }

    /// <summary>The threads, leader first; empty for a dead task (its thread list is <c>[0]</c>).</summary>
    public required IReadOnlyList<ThreadDetails> Threads { get; init; }
}
