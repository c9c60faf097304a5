using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Criu.Images;

namespace Checkpointctl.Core.Model;

/// <summary>Builds <see cref="ProcessThreads"/> from <c>pstree.img</c>, the thread cores and <c>seccomp.img</c>.</summary>
public static class ThreadView
{
    /// <summary>The images the view reads (no memory).</summary>
    public static IReadOnlyList<MemberPattern> Images { get; } =
        [.. CriuImages.ProcessTreeImages, ArchiveLayout.Image("seccomp.img")];

    /// <summary>The threads of a process, with their registers when <paramref name="registers"/>.</summary>
    public static ProcessThreads Of(CriuImages images, ProcessNode node, bool registers)
    {
        var leader = images.Core(node.Pid);
        var tc = leader.Tc;
        var threads = new List<ThreadDetails>();
        if (node.HasImages)
        {
            // The leader first; a thread list without the leader (CRIU always writes it) still shows the leader.
            foreach (var tid in node.Threads.Where(t => t != node.Pid).Prepend(node.Pid))
                threads.Add(Thread(images, tid, tid == node.Pid ? leader : images.Core(tid), tc, registers));
        }
        return new ProcessThreads
        {
            Pid = node.Pid, Ppid = node.Ppid, Pgid = node.Pgid, Sid = node.Sid, Command = node.Comm, State = node.State,
            ExitCode = node.State == TaskState.Dead && tc is { HasExitCode: true } ? tc.ExitCode : null,
            StopSignal = node.State == TaskState.Stopped && tc is { HasStopSigno: true } ? tc.StopSigno : null,
            SharedPending = Signals.InQueue(tc?.SignalsS),
            Threads = threads,
        };
    }

    private static ThreadDetails Thread(CriuImages images, uint tid, CoreEntry core, TaskCoreEntry? tc, bool registers)
    {
        var t = core.ThreadCore;
        var isLeader = core.Tc != null;
        var blocked = isLeader || t == null
            ? Signals.InMask(tc?.BlkSigset ?? 0, tc?.BlkSigsetExtended ?? 0)
            : Signals.InMask(t.BlkSigset, t.BlkSigsetExtended);
        var mode = t is { HasSeccompMode: true } ? t.SeccompMode : tc?.OldSeccompMode ?? SeccompMode.Disabled;
        var filter = t is { HasSeccompMode: true } ? t.SeccompFilter : tc?.OldSeccompFilter ?? 0;
        return new ThreadDetails
        {
            Tid = tid,
            Name = t is { HasComm: true } ? t.Comm : tc?.Comm ?? "",
            Blocked = blocked,
            Pending = Signals.InQueue(t?.SignalsP),
            SchedPolicy = t is { HasSchedPolicy: true } ? PolicyName(t.SchedPolicy) : null,
            SchedPriority = t is { HasSchedPrio: true } ? t.SchedPrio : null,
            Nice = t is { HasSchedNice: true } ? t.SchedNice : null,
            SeccompMode = ModeName(mode),
            SeccompFilters = mode == SeccompMode.Filter ? SeccompChainLength(images, filter) : 0,
            Registers = registers ? RegisterSet.Of(core) : null,
        };
    }

    /// <summary>The seccomp mode's name.</summary>
    public static string ModeName(SeccompMode mode) => mode switch
    {
        SeccompMode.Disabled => "disabled",
        SeccompMode.Strict => "strict",
        SeccompMode.Filter => "filter",
        _ => ((int)mode).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>The scheduling policy name of <c>sched_policy</c> (<c>SCHED_RESET_ON_FORK</c> is a flag bit).</summary>
    public static string PolicyName(uint policy)
    {
        const uint resetOnFork = 0x40000000;
        var name = (policy & ~resetOnFork) switch
        {
            0 => "OTHER",
            1 => "FIFO",
            2 => "RR",
            3 => "BATCH",
            5 => "IDLE",
            6 => "DEADLINE",
            var p => p.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        return (policy & resetOnFork) != 0 ? name + "|RESET_ON_FORK" : name;
    }

    /// <summary>The number of filters from <paramref name="index"/> back through <c>prev</c> in <c>seccomp.img</c>.</summary>
    /// <exception cref="InvalidCheckpointException">The index or a <c>prev</c> link is out of range or loops.</exception>
    public static int SeccompChainLength(CriuImages images, uint index)
    {
        var filters = images.Seccomp().SeccompFilters;
        var count = 0;
        var i = (long)index;
        while (true)
        {
            if (i >= filters.Count || count > filters.Count)
                throw new InvalidCheckpointException($"seccomp.img: filter {i} is not in the image ({filters.Count} filters) or the chain loops");
            count++;
            if (!filters[(int)i].HasPrev)
                return count;
            i = filters[(int)i].Prev;
        }
    }
}
