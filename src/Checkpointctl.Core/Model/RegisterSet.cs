using System.Globalization;
using System.Text;
using Checkpointctl.Core.Criu.Images;

namespace Checkpointctl.Core.Model;

/// <summary>One register and its value as lower-case hex with its full width (<c>0x00007f60d6478bd1</c>).</summary>
public sealed record RegisterValue(string Name, string Value);

/// <summary>
/// A thread's registers as CRIU saved them (forensics.md §2.2): general-purpose registers, the syscall the thread was
/// in, FPU control registers and the vector registers the saved XSAVE state marks as in use.
/// </summary>
public sealed class RegisterSet
{
    private const ulong XstateYmm = 1 << 2, XstateOpmask = 1 << 5, XstateZmmHi256 = 1 << 6, XstateHi16Zmm = 1 << 7, XstatePkru = 1 << 9;

    /// <summary><c>x86_64</c>, <c>i386</c> (a 32-bit task on x86_64) or <c>aarch64</c>.</summary>
    public required string Architecture { get; init; }

    /// <summary>The general-purpose registers.</summary>
    public required IReadOnlyList<RegisterValue> General { get; init; }

    /// <summary>The syscall number the thread was stopped in (x86 <c>orig_ax</c> ≥ 0), else null.</summary>
    public long? Syscall { get; init; }

    /// <summary>The saved registers were rewritten for a syscall restart (<c>ax == orig_ax</c>, <c>ip</c> at the syscall instruction).</summary>
    public bool RestartAdjusted { get; init; }

    /// <summary>The FPU control and status registers.</summary>
    public IReadOnlyList<RegisterValue> Fpu { get; init; } = [];

    /// <summary>The vector registers (XMM/YMM/ZMM, V0–V31).</summary>
    public IReadOnlyList<RegisterValue> Vector { get; init; } = [];

    /// <summary>The registers of a thread's core image, or null when it holds none of a known architecture.</summary>
    public static RegisterSet? Of(CoreEntry core)
    {
        if (core.ThreadInfo?.Gpregs is { } x86)
            return X86(x86, core.ThreadInfo);
        if (core.TiAarch64?.Gpregs is { } arm)
            return Aarch64(arm, core.TiAarch64);
        return null;
    }

    private static RegisterSet X86(UserX86RegsEntry r, ThreadInfoX86 info)
    {
        var compat = r.Mode == UserX86RegsMode.Compat;
        if (compat)
        {
            List<RegisterValue> regs32 =
            [
                R32("eax", r.Ax), R32("ebx", r.Bx), R32("ecx", r.Cx), R32("edx", r.Dx), R32("esi", r.Si), R32("edi", r.Di),
                R32("ebp", r.Bp), R32("esp", r.Sp), R32("eip", r.Ip), R32("eflags", r.Flags), R32("orig_eax", r.OrigAx),
                R32("cs", r.Cs), R32("ss", r.Ss), R32("ds", r.Ds), R32("es", r.Es), R32("fs", r.Fs), R32("gs", r.Gs),
            ];
            var orig32 = (int)(uint)r.OrigAx;
            return new RegisterSet
            {
                Architecture = "i386", General = regs32, Syscall = orig32 >= 0 ? orig32 : null,
                RestartAdjusted = orig32 >= 0 && (uint)r.Ax == (uint)r.OrigAx,
                Fpu = X86Fpu(info.Fpregs), Vector = X86Vector(info.Fpregs),
            };
        }
        List<RegisterValue> regs =
        [
            R64("rax", r.Ax), R64("rbx", r.Bx), R64("rcx", r.Cx), R64("rdx", r.Dx), R64("rsi", r.Si), R64("rdi", r.Di),
            R64("rbp", r.Bp), R64("rsp", r.Sp), R64("r8", r.R8), R64("r9", r.R9), R64("r10", r.R10), R64("r11", r.R11),
            R64("r12", r.R12), R64("r13", r.R13), R64("r14", r.R14), R64("r15", r.R15), R64("rip", r.Ip),
            R64("eflags", r.Flags), R64("orig_rax", r.OrigAx), R64("cs", r.Cs), R64("ss", r.Ss), R64("ds", r.Ds),
            R64("es", r.Es), R64("fs", r.Fs), R64("gs", r.Gs), R64("fs_base", r.FsBase), R64("gs_base", r.GsBase),
        ];
        var orig = (long)r.OrigAx;
        return new RegisterSet
        {
            Architecture = "x86_64", General = regs, Syscall = orig >= 0 ? orig : null, RestartAdjusted = orig >= 0 && r.Ax == r.OrigAx,
            Fpu = X86Fpu(info.Fpregs), Vector = X86Vector(info.Fpregs),
        };
    }

    private static List<RegisterValue> X86Fpu(UserX86FpregsEntry? f)
    {
        if (f == null)
            return [];
        List<RegisterValue> list =
        [
            new("fcw", Hex(f.Cwd & 0xffff, 4)), new("fsw", Hex(f.Swd & 0xffff, 4)), new("ftw", Hex(f.Twd & 0xffff, 4)),
            new("fop", Hex(f.Fop & 0xffff, 4)), new("fip", Hex(f.Rip, 16)), new("fdp", Hex(f.Rdp, 16)),
            new("mxcsr", Hex(f.Mxcsr, 8)), new("mxcsr_mask", Hex(f.MxcsrMask, 8)),
        ];
        if (f.Xsave is { } x)
        {
            list.Add(new("xstate_bv", Hex(x.XstateBv, 16)));
            if ((x.XstateBv & XstatePkru) != 0 && x.Pkru.Count > 0)
                list.Add(new("pkru", Hex(x.Pkru[0], 8)));
            if (x.Cet is { } cet)
            {
                list.Add(new("cet", Hex(cet.Cet, 16)));
                list.Add(new("ssp", Hex(cet.Ssp, 16)));
            }
        }
        return list;
    }

    private static List<RegisterValue> X86Vector(UserX86FpregsEntry? f)
    {
        var list = new List<RegisterValue>();
        if (f == null)
            return list;
        // ST(k) is 80 bits in the first 10 bytes of a 16-byte slot.
        for (var k = 0; k < 8 && f.StSpace.Count >= 4 * k + 3; k++)
            list.Add(new($"st{k}", "0x" + ((ulong)f.StSpace[4 * k + 2] & 0xffff).ToString("x4", CultureInfo.InvariantCulture) + Words32(f.StSpace, 4 * k, 2)));
        for (var n = 0; n < 16 && f.XmmSpace.Count >= 4 * n + 4; n++)
            list.Add(new($"xmm{n}", "0x" + Words32(f.XmmSpace, 4 * n, 4)));
        if (f.Xsave is not { } x)
            return list;
        if ((x.XstateBv & XstateYmm) != 0)
        {
            for (var n = 0; n < 16 && x.YmmhSpace.Count >= 4 * n + 4; n++)
                list.Add(new($"ymm{n}_high", "0x" + Words32(x.YmmhSpace, 4 * n, 4)));
        }
        if ((x.XstateBv & XstateOpmask) != 0)
        {
            for (var k = 0; k < 8 && k < x.OpmaskReg.Count; k++)
                list.Add(new($"k{k}", Hex(x.OpmaskReg[k], 16)));
        }
        if ((x.XstateBv & XstateZmmHi256) != 0)
        {
            for (var n = 0; n < 16 && x.ZmmUpper.Count >= 4 * n + 4; n++)
                list.Add(new($"zmm{n}_high", "0x" + Words64(x.ZmmUpper, 4 * n, 4)));
        }
        if ((x.XstateBv & XstateHi16Zmm) != 0)
        {
            for (var m = 0; m < 16 && x.Hi16Zmm.Count >= 8 * m + 8; m++)
                list.Add(new($"zmm{16 + m}", "0x" + Words64(x.Hi16Zmm, 8 * m, 8)));
        }
        return list;
    }

    private static RegisterSet Aarch64(UserAarch64RegsEntry r, ThreadInfoAarch64 info)
    {
        var regs = new List<RegisterValue>();
        for (var i = 0; i < r.Regs.Count; i++)
            regs.Add(R64($"x{i}", r.Regs[i]));
        regs.Add(R64("sp", r.Sp));
        regs.Add(R64("pc", r.Pc));
        regs.Add(R64("pstate", r.Pstate));
        regs.Add(R64("tpidr_el0", info.Tls));
        var fpu = new List<RegisterValue>();
        var vector = new List<RegisterValue>();
        if (info.Fpsimd is { } fp)
        {
            fpu.Add(new("fpsr", Hex(fp.Fpsr, 8)));
            fpu.Add(new("fpcr", Hex(fp.Fpcr, 8)));
            for (var n = 0; n < 32 && fp.Vregs.Count >= 2 * n + 2; n++)
                vector.Add(new($"v{n}", "0x" + Words64(fp.Vregs, 2 * n, 2)));
        }
        return new RegisterSet { Architecture = "aarch64", General = regs, Fpu = fpu, Vector = vector };
    }

    private static RegisterValue R64(string name, ulong value) => new(name, Hex(value, 16));

    private static RegisterValue R32(string name, ulong value) => new(name, Hex(value & 0xffffffff, 8));

    private static string Hex(ulong value, int digits) => "0x" + value.ToString("x" + digits, CultureInfo.InvariantCulture);

    // Little-endian words, most significant first.
    private static string Words32(IList<uint> words, int start, int count)
    {
        var text = new StringBuilder();
        for (var i = start + count - 1; i >= start; i--)
            text.Append(words[i].ToString("x8", CultureInfo.InvariantCulture));
        return text.ToString();
    }

    private static string Words64(IList<ulong> words, int start, int count)
    {
        var text = new StringBuilder();
        for (var i = start + count - 1; i >= start; i--)
            text.Append(words[i].ToString("x16", CultureInfo.InvariantCulture));
        return text.ToString();
    }
}
