using System.Buffers.Binary;
using Checkpointctl.Core.Criu.Images;

namespace Checkpointctl.Core.Model;

/// <summary>Linux signal numbers and names (x86_64 and aarch64 share them), as <c>kill -l</c> prints them.</summary>
public static class Signals
{
    private static readonly string[] Classic =
    [
        "", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1",
        "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP",
        "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
    ];

    /// <summary>The name of signal <paramref name="number"/>: <c>SIGCHLD</c>, <c>SIGRTMIN+3</c>, <c>SIG32</c> (glibc-internal).</summary>
    public static string Name(int number) => number switch
    {
        >= 1 and <= 31 => Classic[number],
        34 => "SIGRTMIN",
        > 34 and <= 49 => $"SIGRTMIN+{number - 34}",
        >= 50 and < 64 => $"SIGRTMAX-{64 - number}",
        64 => "SIGRTMAX",
        _ => $"SIG{number}",
    };

    /// <summary>The signals of a mask where bit n-1 is signal n (with <paramref name="extended"/> for 65-128), in number order.</summary>
    public static IReadOnlyList<int> InMask(ulong mask, ulong extended = 0)
    {
        var list = new List<int>();
        for (var bit = 0; bit < 64; bit++)
        {
            if ((mask & (1UL << bit)) != 0)
                list.Add(bit + 1);
        }
        for (var bit = 0; bit < 64; bit++)
        {
            if ((extended & (1UL << bit)) != 0)
                list.Add(bit + 65);
        }
        return list;
    }

    /// <summary>The signal numbers of a pending-signal queue, in queue order (each entry is a raw <c>siginfo_t</c>, <c>si_signo</c> first).</summary>
    public static IReadOnlyList<int> InQueue(SignalQueueEntry? queue)
    {
        if (queue == null)
            return [];
        var list = new List<int>();
        foreach (var s in queue.Signals)
        {
            var info = s.Siginfo.Span;
            list.Add(info.Length >= 4 ? BinaryPrimitives.ReadInt32LittleEndian(info) : 0);
        }
        return list;
    }
}
