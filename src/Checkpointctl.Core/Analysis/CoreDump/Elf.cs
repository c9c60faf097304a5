using System.Buffers.Binary;

namespace Checkpointctl.Core.Analysis.CoreDump;

/// <summary>ELF64 little-endian constants and the header records of a core file (forensics.md §1.3–§1.5).</summary>
internal static class Elf
{
    public const int HeaderSize = 64;
    public const int ProgramHeaderSize = 56;
    public const int SectionHeaderSize = 64;

    public const ushort MachineX86_64 = 62;
    public const ushort MachineAarch64 = 183;

    public const uint PtLoad = 1;
    public const uint PtNote = 4;

    public const uint PfX = 1;
    public const uint PfW = 2;
    public const uint PfR = 4;

    /// <summary>e_phnum value that says "the real count is in section header 0's sh_info" (PN_XNUM).</summary>
    public const int ExtendedNumbering = 0xFFFF;

    public const uint NtPrstatus = 1;
    public const uint NtFpregset = 2;
    public const uint NtPrpsinfo = 3;
    public const uint NtAuxv = 6;
    public const uint NtX86Xstate = 0x202;
    public const uint NtArmTls = 0x401;
    public const uint NtSiginfo = 0x53494749;
    public const uint NtFile = 0x46494C45;
    public const uint NtGnuBuildId = 3;

    public static ReadOnlySpan<byte> Magic => [0x7F, (byte)'E', (byte)'L', (byte)'F'];

    /// <summary>The ELF header of a core with <paramref name="phnum"/> program headers right after it.</summary>
    public static byte[] CoreHeader(ushort machine, int phnum)
    {
        var h = new byte[HeaderSize];
        Magic.CopyTo(h);
        h[4] = 2; // ELFCLASS64
        h[5] = 1; // ELFDATA2LSB
        h[6] = 1; // EV_CURRENT
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(16), 4); // ET_CORE
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(18), machine);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(20), 1);
        BinaryPrimitives.WriteUInt64LittleEndian(h.AsSpan(32), HeaderSize);
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(52), HeaderSize);
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(54), ProgramHeaderSize);
        if (phnum >= ExtendedNumbering)
        {
            // One section header after the program headers carries the real count (gABI extended numbering).
            BinaryPrimitives.WriteUInt64LittleEndian(h.AsSpan(40), HeaderSize + (ulong)phnum * ProgramHeaderSize);
            BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(56), ExtendedNumbering);
            BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(58), SectionHeaderSize);
            BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(60), 1);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(56), (ushort)phnum);
        }
        return h;
    }

    /// <summary>Section header 0 of extended numbering: all zero but <c>sh_info</c>.</summary>
    public static byte[] ExtendedNumberingSection(int phnum)
    {
        var s = new byte[SectionHeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(s.AsSpan(44), (uint)phnum);
        return s;
    }

    public static void WriteProgramHeader(Span<byte> p, uint type, uint flags, ulong offset, ulong vaddr, ulong filesz, ulong memsz, ulong align)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(p, type);
        BinaryPrimitives.WriteUInt32LittleEndian(p[4..], flags);
        BinaryPrimitives.WriteUInt64LittleEndian(p[8..], offset);
        BinaryPrimitives.WriteUInt64LittleEndian(p[16..], vaddr);
        BinaryPrimitives.WriteUInt64LittleEndian(p[24..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(p[32..], filesz);
        BinaryPrimitives.WriteUInt64LittleEndian(p[40..], memsz);
        BinaryPrimitives.WriteUInt64LittleEndian(p[48..], align);
    }

    /// <summary>PF_* flags from PROT_* bits (READ 1, WRITE 2, EXEC 4).</summary>
    public static uint SegmentFlags(uint prot) =>
        ((prot & 1) != 0 ? PfR : 0) | ((prot & 2) != 0 ? PfW : 0) | ((prot & 4) != 0 ? PfX : 0);

    public static int Align4(int n) => (n + 3) & ~3;
}
