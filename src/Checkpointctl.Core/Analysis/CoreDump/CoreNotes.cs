using System.Buffers.Binary;
using System.Text;
using Checkpointctl.Core.Criu.Images;

namespace Checkpointctl.Core.Analysis.CoreDump;

/// <summary>
/// The PT_NOTE contents of a process's core in CRIU's order (forensics.md §1.6): NT_PRPSINFO, then per thread (leader
/// first) NT_PRSTATUS, NT_FPREGSET, NT_SIGINFO and the architecture's note, then NT_AUXV and NT_FILE — with the
/// kernel's values where CRIU's coredump differs (defects D1–D3, D8, D12 of §1.17).
/// </summary>
internal static class CoreNotes
{
    private const int PrpsinfoSize = 136;
    private const int FnameBytes = 16;
    private const int PsargsOffset = 56;

    /// <param name="threads">Every thread, the leader (TID = PID) first.</param>
    /// <param name="arguments">The first bytes of the argument area (at most 79).</param>
    /// <param name="arch">The images' architecture.</param>
    /// <param name="process">The process's pstree entry.</param>
    /// <param name="mm">The process's memory description.</param>
    /// <param name="layout">The core's segments.</param>
    public static byte[] Build(CoreArch arch, PstreeEntry process, IReadOnlyList<(uint Tid, CoreEntry Core)> threads, MmEntry mm,
                               CoreLayout layout, ReadOnlySpan<byte> arguments)
    {
        var notes = new NoteWriter();
        var leader = threads[0].Core;
        var tc = leader.Tc ?? throw new InvalidCheckpointException($"core-{process.Pid}.img: no task core (tc)");
        notes.Add("CORE", Elf.NtPrpsinfo, Prpsinfo(process, tc, leader.ThreadCore, arguments));
        var shared = Pending(tc.SignalsS);
        foreach (var (tid, core) in threads)
        {
            if (CoreArchs.Of(tid, core) != arch)
                throw new InvalidCheckpointException($"core-{tid}.img: a thread of another architecture than its process {process.Pid}");
            var blocked = tid == process.Pid ? tc.BlkSigset : core.ThreadCore?.BlkSigset ?? 0;
            ThreadNotes.Write(notes, arch, tid, core, (process.Ppid, process.Pgid, process.Sid), shared | Pending(core.ThreadCore?.SignalsP), blocked);
        }
        notes.Add("CORE", Elf.NtAuxv, Auxv(mm));
        notes.Add("CORE", Elf.NtFile, FileNote(layout));
        return notes.ToArray();
    }

    private static byte[] Prpsinfo(PstreeEntry process, TaskCoreEntry tc, ThreadCoreEntry? thread, ReadOnlySpan<byte> arguments)
    {
        var info = new byte[PrpsinfoSize];
        var s = info.AsSpan();
        // Kernel pr_state numbering: 0 running, 3 stopped (T), 4 zombie; only live and stopped tasks get cores.
        var state = tc.TaskState == 3 ? 3 : 0;
        s[0] = (byte)state;
        s[1] = (byte)"RSDTZW"[state];
        s[3] = (byte)(sbyte)Math.Clamp(thread?.SchedNice ?? 0, sbyte.MinValue, sbyte.MaxValue);
        BinaryPrimitives.WriteUInt64LittleEndian(s[8..], tc.Flags);
        BinaryPrimitives.WriteUInt32LittleEndian(s[16..], thread?.Creds?.Uid ?? 0);
        BinaryPrimitives.WriteUInt32LittleEndian(s[20..], thread?.Creds?.Gid ?? 0);
        BinaryPrimitives.WriteUInt32LittleEndian(s[24..], process.Pid);
        BinaryPrimitives.WriteUInt32LittleEndian(s[28..], process.Ppid);
        BinaryPrimitives.WriteUInt32LittleEndian(s[32..], process.Pgid);
        BinaryPrimitives.WriteUInt32LittleEndian(s[36..], process.Sid);
        // comm is at most 15 bytes and NUL-terminated, as the kernel's get_task_comm gives it.
        var comm = Encoding.UTF8.GetBytes(tc.Comm);
        comm.AsSpan(0, Math.Min(comm.Length, FnameBytes - 1)).CopyTo(s[40..]);
        // The kernel's psargs: the argument bytes with every NUL made a space, then a NUL.
        var args = s.Slice(PsargsOffset, arguments.Length);
        arguments.CopyTo(args);
        args.Replace((byte)0, (byte)' ');
        return info;
    }

    // One bit per pending signal number, from the siginfo each queued signal carries (si_signo first).
    private static ulong Pending(SignalQueueEntry? queue)
    {
        ulong bits = 0;
        foreach (var signal in queue?.Signals ?? [])
        {
            var info = signal.Siginfo.Span;
            var signo = info.Length >= 4 ? BinaryPrimitives.ReadInt32LittleEndian(info) : 0;
            if (signo is >= 1 and <= 64)
                bits |= 1UL << (signo - 1);
        }
        return bits;
    }

    // mm_saved_auxv is a flat list of (type, value) words, often cut off before AT_NULL: pairs up to the first
    // AT_NULL, then one AT_NULL pair (CRIU's coredump shifted every pair but the first: defect D1).
    private static byte[] Auxv(MmEntry mm)
    {
        var words = mm.MmSavedAuxv;
        var pairs = new List<(ulong Type, ulong Value)>();
        for (var i = 0; i + 1 < words.Count && words[i] != 0; i += 2)
            pairs.Add((words[i], words[i + 1]));
        pairs.Add((0, 0));
        var desc = new byte[16 * pairs.Count];
        for (var i = 0; i < pairs.Count; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(desc.AsSpan(16 * i), pairs[i].Type);
            BinaryPrimitives.WriteUInt64LittleEndian(desc.AsSpan(16 * i + 8), pairs[i].Value);
        }
        return desc;
    }

    // count, page size, (start, end, offset in pages) per named mapping, then the names; the descriptor ends with the
    // last name's NUL (CRIU padded it to 8 inside n_descsz: defect D2).
    private static byte[] FileNote(CoreLayout layout)
    {
        var named = layout.Segments.Where(s => s.Info.Name != null).ToList();
        var names = named.Select(s => Encoding.UTF8.GetBytes(s.Info.Name + "\0")).ToList();
        var desc = new byte[16 + 24 * named.Count + names.Sum(n => n.Length)];
        var d = desc.AsSpan();
        BinaryPrimitives.WriteUInt64LittleEndian(d, (ulong)named.Count);
        BinaryPrimitives.WriteUInt64LittleEndian(d[8..], (ulong)layout.PageSize);
        for (var i = 0; i < named.Count; i++)
        {
            var entry = d[(16 + 24 * i)..];
            BinaryPrimitives.WriteUInt64LittleEndian(entry, named[i].Start);
            BinaryPrimitives.WriteUInt64LittleEndian(entry[8..], named[i].End);
            BinaryPrimitives.WriteUInt64LittleEndian(entry[16..], named[i].Vma.Pgoff / (ulong)layout.PageSize);
        }
        var at = 16 + 24 * named.Count;
        foreach (var name in names)
        {
            name.CopyTo(d[at..]);
            at += name.Length;
        }
        return desc;
    }
}
