using System.Buffers.Binary;
using Checkpointctl.Core.Criu.Images;
using Google.Protobuf.Collections;

namespace Checkpointctl.Core.Analysis.CoreDump;

/// <summary>
/// The per-thread notes of a core, decoded from a thread's <c>core-&lt;tid&gt;.img</c>: NT_PRSTATUS, NT_FPREGSET,
/// NT_SIGINFO and the architecture's extra note (forensics.md §1.8–§1.11, §1.16).
/// </summary>
internal static class ThreadNotes
{
    private const int X86PrstatusSize = 336;
    private const int Aarch64PrstatusSize = 392;
    private const int PrRegOffset = 112;
    private const int SiginfoSize = 128;
    private const int X86FpregsetSize = 512;
    private const int X86XstateSize = 832;
    private const int X86XcrOffset = 464;
    private const int X86XstateHeaderOffset = 512;
    private const int X86YmmhOffset = 576;
    private const int Aarch64FpregsetSize = 528;

    // x87 | SSE | AVX: what an 832-byte XSAVE area holds (X86_XSTATE_AVX_SIZE).
    private const ulong XcrAvx = 0x7;

    /// <param name="ids">pid (TID), ppid, pgrp, sid as the kernel writes them into PRSTATUS.</param>
    /// <param name="sighold">The thread's blocked signals.</param>
    /// <param name="notes">Where the notes go.</param>
    /// <param name="arch">The images' architecture.</param>
    /// <param name="tid">The thread.</param>
    /// <param name="core">The thread's core.</param>
    /// <param name="sigpend">Pending signals.</param>
    public static void Write(NoteWriter notes, CoreArch arch, uint tid, CoreEntry core, (uint Ppid, uint Pgid, uint Sid) ids, ulong sigpend, ulong sighold)
    {
        var image = $"core-{tid}.img";
        var fpregs = arch == CoreArch.X86_64 ? X86Fpregset(image, core) : Aarch64Fpregset(image, core);
        var status = new byte[arch == CoreArch.X86_64 ? X86PrstatusSize : Aarch64PrstatusSize];
        var s = status.AsSpan();
        BinaryPrimitives.WriteUInt64LittleEndian(s[16..], sigpend);
        BinaryPrimitives.WriteUInt64LittleEndian(s[24..], sighold);
        BinaryPrimitives.WriteUInt32LittleEndian(s[32..], tid);
        BinaryPrimitives.WriteUInt32LittleEndian(s[36..], ids.Ppid);
        BinaryPrimitives.WriteUInt32LittleEndian(s[40..], ids.Pgid);
        BinaryPrimitives.WriteUInt32LittleEndian(s[44..], ids.Sid);
        var fpvalidOffset = arch == CoreArch.X86_64 ? X86Registers(core, s[PrRegOffset..]) : Aarch64Registers(image, core, s[PrRegOffset..]);
        BinaryPrimitives.WriteInt32LittleEndian(s[fpvalidOffset..], fpregs != null ? 1 : 0);
        notes.Add("CORE", Elf.NtPrstatus, status);
        if (fpregs != null)
            notes.Add("CORE", Elf.NtFpregset, fpregs);
        // CRIU records no signal that "caused" the dump: an all-zero siginfo, as CRIU writes it.
        notes.Add("CORE", Elf.NtSiginfo, new byte[SiginfoSize]);
        if (arch == CoreArch.X86_64)
        {
            if (fpregs != null && X86Xstate(image, core, fpregs) is { } xstate)
                notes.Add("LINUX", Elf.NtX86Xstate, xstate);
        }
        else
        {
            var tls = new byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(tls, core.TiAarch64.Tls);
            notes.Add("LINUX", Elf.NtArmTls, tls);
        }
    }

    // user_regs_struct: CRIU's user_x86_regs_entry field n goes to slot n-1 (27 slots); returns pr_fpvalid's offset.
    private static int X86Registers(CoreEntry core, Span<byte> regs)
    {
        var g = core.ThreadInfo.Gpregs;
        ulong[] values =
        [
            g.R15, g.R14, g.R13, g.R12, g.Bp, g.Bx, g.R11, g.R10, g.R9, g.R8, g.Ax, g.Cx, g.Dx, g.Si, g.Di, g.OrigAx,
            g.Ip, g.Cs, g.Flags, g.Sp, g.Ss, g.FsBase, g.GsBase, g.Ds, g.Es, g.Fs, g.Gs,
        ];
        for (var i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteUInt64LittleEndian(regs[(8 * i)..], values[i]);
        return PrRegOffset + 8 * values.Length;
    }

    // x0-x30, sp, pc, pstate (34 slots); returns pr_fpvalid's offset.
    private static int Aarch64Registers(string image, CoreEntry core, Span<byte> regs)
    {
        var g = core.TiAarch64.Gpregs;
        CheckCount(image, "ti_aarch64.gpregs.regs", g.Regs.Count, 31);
        for (var i = 0; i < g.Regs.Count; i++)
            BinaryPrimitives.WriteUInt64LittleEndian(regs[(8 * i)..], g.Regs[i]);
        BinaryPrimitives.WriteUInt64LittleEndian(regs[(8 * 31)..], g.Sp);
        BinaryPrimitives.WriteUInt64LittleEndian(regs[(8 * 32)..], g.Pc);
        BinaryPrimitives.WriteUInt64LittleEndian(regs[(8 * 33)..], g.Pstate);
        return PrRegOffset + 8 * 34;
    }

    // user_fpregs_struct (FXSAVE layout without the reserved tail), or null when the images hold no FPU state.
    private static byte[]? X86Fpregset(string image, CoreEntry core)
    {
        if (core.ThreadInfo.Fpregs is not { } f)
            return null;
        var area = new byte[X86FpregsetSize];
        var a = area.AsSpan();
        BinaryPrimitives.WriteUInt16LittleEndian(a, (ushort)f.Cwd);
        BinaryPrimitives.WriteUInt16LittleEndian(a[2..], (ushort)f.Swd);
        BinaryPrimitives.WriteUInt16LittleEndian(a[4..], (ushort)f.Twd);
        BinaryPrimitives.WriteUInt16LittleEndian(a[6..], (ushort)f.Fop);
        BinaryPrimitives.WriteUInt64LittleEndian(a[8..], f.Rip);
        BinaryPrimitives.WriteUInt64LittleEndian(a[16..], f.Rdp);
        BinaryPrimitives.WriteUInt32LittleEndian(a[24..], f.Mxcsr);
        BinaryPrimitives.WriteUInt32LittleEndian(a[28..], f.MxcsrMask);
        Words(image, "fpregs.st_space", f.StSpace, 32, a[32..]);
        Words(image, "fpregs.xmm_space", f.XmmSpace, 64, a[160..]);
        return area;
    }

    // The AVX-sized XSAVE area with XCR0 where gdb reads it (CRIU leaves it 0: defect D3); null without xsave state.
    private static byte[]? X86Xstate(string image, CoreEntry core, byte[] fpregset)
    {
        if (core.ThreadInfo.Fpregs.Xsave is not { } x)
            return null;
        var area = new byte[X86XstateSize];
        var a = area.AsSpan();
        fpregset.AsSpan(0, 416).CopyTo(a);
        BinaryPrimitives.WriteUInt64LittleEndian(a[X86XcrOffset..], XcrAvx);
        BinaryPrimitives.WriteUInt64LittleEndian(a[X86XstateHeaderOffset..], x.XstateBv & XcrAvx);
        Words(image, "fpregs.xsave.ymmh_space", x.YmmhSpace, 64, a[X86YmmhOffset..]);
        return area;
    }

    // user_fpsimd_state: V0-V31 as 64 u64 words, fpsr, fpcr, padding.
    private static byte[]? Aarch64Fpregset(string image, CoreEntry core)
    {
        if (core.TiAarch64.Fpsimd is not { } f)
            return null;
        CheckCount(image, "ti_aarch64.fpsimd.vregs", f.Vregs.Count, 64);
        var area = new byte[Aarch64FpregsetSize];
        var a = area.AsSpan();
        for (var i = 0; i < f.Vregs.Count; i++)
            BinaryPrimitives.WriteUInt64LittleEndian(a[(8 * i)..], f.Vregs[i]);
        BinaryPrimitives.WriteUInt32LittleEndian(a[512..], f.Fpsr);
        BinaryPrimitives.WriteUInt32LittleEndian(a[516..], f.Fpcr);
        return area;
    }

    private static void Words(string image, string field, RepeatedField<uint> words, int max, Span<byte> target)
    {
        CheckCount(image, field, words.Count, max);
        for (var i = 0; i < words.Count; i++)
            BinaryPrimitives.WriteUInt32LittleEndian(target[(4 * i)..], words[i]);
    }

    private static void CheckCount(string image, string field, int count, int max)
    {
        if (count > max)
            throw new InvalidCheckpointException($"{image}: {field} has {count} words, at most {max} fit the register set");
    }
}
