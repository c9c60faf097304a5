using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace Checkpointctl.Core.Analysis.CoreDump;

/// <summary>Reads the GNU build-id note of a 64-bit little-endian ELF file, or null when it has none.</summary>
internal static class ElfBuildId
{
    private const int MaxNoteBytes = 1 << 16;
    private const int MaxProgramHeaders = 1 << 12;

    public static byte[]? Read(SafeFileHandle file)
    {
        Span<byte> header = stackalloc byte[Elf.HeaderSize];
        if (RandomAccess.Read(file, header, 0) < Elf.HeaderSize || !header.StartsWith(Elf.Magic) || header[4] != 2 || header[5] != 1)
            return null;
        var phoff = BinaryPrimitives.ReadUInt64LittleEndian(header[32..]);
        var phentsize = BinaryPrimitives.ReadUInt16LittleEndian(header[54..]);
        var phnum = BinaryPrimitives.ReadUInt16LittleEndian(header[56..]);
        if (phentsize < Elf.ProgramHeaderSize || phnum > MaxProgramHeaders || phoff > long.MaxValue)
            return null;
        var table = new byte[phentsize * phnum];
        if (RandomAccess.Read(file, table, (long)phoff) < table.Length)
            return null;
        for (var i = 0; i < phnum; i++)
        {
            var ph = table.AsSpan(i * phentsize, Elf.ProgramHeaderSize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(ph) != Elf.PtNote)
                continue;
            var offset = BinaryPrimitives.ReadUInt64LittleEndian(ph[8..]);
            var size = BinaryPrimitives.ReadUInt64LittleEndian(ph[32..]);
            if (size > MaxNoteBytes || offset > long.MaxValue)
                continue;
            var notes = new byte[size];
            var n = RandomAccess.Read(file, notes, (long)offset);
            if (Find(notes.AsSpan(0, n)) is { } id)
                return id;
        }
        return null;
    }

    // Walks the notes of one PT_NOTE segment for NT_GNU_BUILD_ID owned by "GNU".
    private static byte[]? Find(ReadOnlySpan<byte> notes)
    {
        while (notes.Length >= 12)
        {
            var namesz = BinaryPrimitives.ReadUInt32LittleEndian(notes);
            var descsz = BinaryPrimitives.ReadUInt32LittleEndian(notes[4..]);
            var type = BinaryPrimitives.ReadUInt32LittleEndian(notes[8..]);
            if (namesz > MaxNoteBytes || descsz > MaxNoteBytes)
                return null;
            var nameEnd = 12 + Elf.Align4((int)namesz);
            var descEnd = nameEnd + Elf.Align4((int)descsz);
            if (descEnd > notes.Length)
                return null;
            if (type == Elf.NtGnuBuildId && namesz == 4 && notes[12..16].SequenceEqual("GNU\0"u8))
                return notes.Slice(nameEnd, (int)descsz).ToArray();
            notes = notes[descEnd..];
        }
        return null;
    }
}
