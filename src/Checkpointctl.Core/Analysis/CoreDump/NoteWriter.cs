using System.Buffers.Binary;
using System.Text;

namespace Checkpointctl.Core.Analysis.CoreDump;

/// <summary>
/// Notes back to back as the PT_NOTE segment holds them: namesz, descsz, type, the owner NUL-padded to 4, the
/// descriptor NUL-padded to 4 (forensics.md §1.5). <c>n_descsz</c> is the descriptor's real size.
/// </summary>
internal sealed class NoteWriter
{
    private readonly MemoryStream _bytes = new();

    public long Length => _bytes.Length;

    public void Add(string owner, uint type, ReadOnlySpan<byte> desc)
    {
        var name = Encoding.ASCII.GetBytes(owner + "\0");
        Span<byte> head = stackalloc byte[12];
        BinaryPrimitives.WriteUInt32LittleEndian(head, (uint)name.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(head[4..], (uint)desc.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(head[8..], type);
        _bytes.Write(head);
        _bytes.Write(name);
        Pad(name.Length);
        _bytes.Write(desc);
        Pad(desc.Length);
    }

    public byte[] ToArray() => _bytes.ToArray();

    private void Pad(int length)
    {
        for (var i = length; i < Elf.Align4(length); i++)
            _bytes.WriteByte(0);
    }
}
