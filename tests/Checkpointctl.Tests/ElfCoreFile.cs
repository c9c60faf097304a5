using System.Buffers.Binary;
using System.Text;

namespace Checkpointctl.Tests;

/// <summary>A program header of an ELF core.</summary>
public sealed record ElfSegment(uint Type, uint Flags, ulong Offset, ulong Vaddr, ulong FileSize, ulong MemSize, ulong Align);

/// <summary>One note of a PT_NOTE segment, with its descriptor and where its header starts in the file.</summary>
public sealed record ElfNote(string Owner, uint NameSize, uint Type, byte[] Desc, long Offset);

/// <summary>
/// An ELF64 little-endian core read by the tests' own parser (independent of the writer): header, program headers
/// (extended numbering included) and every note, each checked to fit the file and its segment exactly.
/// </summary>
public sealed class ElfCoreFile
{
    private ElfCoreFile(byte[] bytes) => Bytes = bytes;

    public byte[] Bytes { get; }
    public ushort Type { get; private set; }
    public ushort Machine { get; private set; }
    public ushort RawPhnum { get; private set; }
    public ulong SectionHeaderOffset { get; private set; }
    public List<ElfSegment> Segments { get; } = [];
    public List<ElfNote> Notes { get; } = [];

    public IEnumerable<ElfSegment> Loads => Segments.Where(s => s.Type == 1);

    public static ElfCoreFile Read(string path)
    {
        var core = new ElfCoreFile(File.ReadAllBytes(path));
        var b = core.Bytes.AsSpan();
        Assert.True(b.Length >= 64, "shorter than an ELF header");
        Assert.Equal([0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0], b[..8].ToArray());
        Assert.True(b[8..16].IndexOfAnyExcept((byte)0) < 0, "EI_ABIVERSION and padding must be zero");
        core.Type = U16(b, 16);
        core.Machine = U16(b, 18);
        Assert.Equal(1u, U32(b, 20));
        Assert.Equal(0UL, U64(b, 24));
        Assert.Equal(64UL, U64(b, 32));
        Assert.Equal((ushort)64, U16(b, 52));
        Assert.Equal((ushort)56, U16(b, 54));
        core.RawPhnum = U16(b, 56);
        core.SectionHeaderOffset = U64(b, 40);
        var phnum = (int)core.RawPhnum;
        if (phnum == 0xFFFF)
        {
            // Extended numbering: the real count is sh_info of section header 0.
            Assert.Equal((ushort)64, U16(b, 58));
            Assert.Equal((ushort)1, U16(b, 60));
            phnum = (int)U32(b, (int)core.SectionHeaderOffset + 44);
        }
        else
        {
            Assert.Equal(0UL, core.SectionHeaderOffset);
        }
        for (var i = 0; i < phnum; i++)
        {
            var p = b.Slice(64 + 56 * i, 56);
            var segment = new ElfSegment(U32(p, 0), U32(p, 4), U64(p, 8), U64(p, 16), U64(p, 32), U64(p, 40), U64(p, 48));
            Assert.Equal(0UL, U64(p, 24));
            Assert.True(segment.Offset + segment.FileSize <= (ulong)b.Length, $"segment {i} extends past the end of the file");
            core.Segments.Add(segment);
        }
        foreach (var note in core.Segments.Where(s => s.Type == 4))
            core.ReadNotes(note);
        return core;
    }

    /// <summary>Bytes of memory as the core holds them (the segment must hold all of them).</summary>
    public byte[] Memory(ulong address, int length)
    {
        var segment = Loads.First(s => address >= s.Vaddr && address + (ulong)length <= s.Vaddr + s.FileSize);
        return Bytes.AsSpan((int)(segment.Offset + (address - segment.Vaddr)), length).ToArray();
    }

    public ElfNote Note(uint type) => Notes.Single(n => n.Type == type);

    private void ReadNotes(ElfSegment segment)
    {
        var at = (long)segment.Offset;
        var end = at + (long)segment.FileSize;
        while (at < end)
        {
            Assert.True(end - at >= 12, "truncated note header");
            var namesz = U32(Bytes, (int)at);
            var descsz = U32(Bytes, (int)at + 4);
            var type = U32(Bytes, (int)at + 8);
            var nameAt = at + 12;
            var descAt = nameAt + Align4(namesz);
            var next = descAt + Align4(descsz);
            Assert.True(next <= end, $"note at {at} overruns its segment");
            var owner = Encoding.ASCII.GetString(Bytes, (int)nameAt, (int)namesz).TrimEnd('\0');
            Assert.Equal(0, Bytes[nameAt + namesz - 1]);
            Assert.True(Bytes.AsSpan((int)(descAt + descsz), (int)(next - descAt - descsz)).IndexOfAnyExcept((byte)0) < 0, "note padding must be zero");
            Notes.Add(new ElfNote(owner, namesz, type, Bytes.AsSpan((int)descAt, (int)descsz).ToArray(), at));
            at = next;
        }
        Assert.Equal(end, at);
    }

    private static long Align4(uint n) => (n + 3) & ~3L;

    public static ushort U16(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt16LittleEndian(b[at..]);
    public static uint U32(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt32LittleEndian(b[at..]);
    public static ulong U64(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt64LittleEndian(b[at..]);
}
