using System.Buffers.Binary;
using Google.Protobuf;

namespace Checkpointctl.Core.Criu.Crit;

/// <summary>Reads an image body as crit does: <c>i32</c>-sized entries, each possibly followed by raw payload bytes.</summary>
internal sealed class PayloadReader(string name, ReadOnlyMemory<byte> body)
{
    private int _offset;
    private int _index;

    public bool AtEnd => _offset >= body.Length;

    public ulong Remaining => (ulong)(body.Length - _offset);

    public bool TryReadEntry(MessageParser parser, out IMessage message)
    {
        message = null!;
        if (AtEnd)
            return false;
        if (body.Length - _offset < 4)
            throw Error($"truncated entry size ({body.Length - _offset} bytes left)");
        var size = BinaryPrimitives.ReadInt32LittleEndian(body.Span[_offset..]);
        if (size < 0 || size > body.Length - _offset - 4)
            throw Error($"entry size {size} exceeds the {body.Length - _offset - 4} bytes left");
        try
        {
            message = parser.ParseFrom(body.Slice(_offset + 4, size).Span);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidCheckpointException($"{name}: entry {_index} at offset {_offset}: invalid protobuf message", e);
        }
        _offset += 4 + size;
        _index++;
        return true;
    }

    /// <summary>The next <paramref name="length"/> payload bytes (fewer at the end of the image, as Python's read).</summary>
    public ReadOnlyMemory<byte> Take(ulong length)
    {
        var n = (int)Math.Min(length, Remaining);
        var data = body.Slice(_offset, n);
        _offset += n;
        return data;
    }

    public PyValue Base64(ulong length) => PyValue.Of(CritEncodings.Base64Lines(Take(length).Span));

    public void Skip(ulong length) => Take(length);

    public InvalidCheckpointException Error(string what) => new($"{name}: entry {_index} at offset {_offset}: {what}");
}
