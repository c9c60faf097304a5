using Checkpointctl.Core.Criu.Images;

namespace Checkpointctl.Core.Analysis.CoreDump;

/// <summary>The architectures a core can be written for, taken from the images (<c>core_entry.mtype</c>), never the host.</summary>
internal enum CoreArch
{
    X86_64,
    Aarch64,
}

internal static class CoreArchs
{
    /// <summary>The architecture of a task's images; a 32-bit (compat) x86 task or another architecture is refused.</summary>
    /// <exception cref="InvalidCheckpointException">Unsupported architecture, or registers missing.</exception>
    public static CoreArch Of(uint tid, CoreEntry core)
    {
        var image = $"core-{tid}.img";
        var mtype = core.HasMtype ? core.Mtype
            : core.TiAarch64 != null ? CoreEntry.Types.March.Aarch64
            : CoreEntry.Types.March.X8664;
        switch (mtype)
        {
            case CoreEntry.Types.March.X8664:
                var regs = core.ThreadInfo?.Gpregs ?? throw new InvalidCheckpointException($"{image}: no x86_64 registers (thread_info.gpregs)");
                if (regs.Mode == UserX86RegsMode.Compat)
                    throw new InvalidCheckpointException($"{image}: a 32-bit (compat) task; cores are written for 64-bit tasks only");
                return CoreArch.X86_64;
            case CoreEntry.Types.March.Aarch64:
                if (core.TiAarch64?.Gpregs == null)
                    throw new InvalidCheckpointException($"{image}: no aarch64 registers (ti_aarch64.gpregs)");
                return CoreArch.Aarch64;
            default:
                throw new InvalidCheckpointException($"{image}: architecture {mtype} is not supported for core dumps (x86_64 and aarch64 are)");
        }
    }

    public static ushort Machine(this CoreArch arch) => arch == CoreArch.X86_64 ? Elf.MachineX86_64 : Elf.MachineAarch64;
}
