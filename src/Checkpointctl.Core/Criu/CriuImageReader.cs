using System.Buffers.Binary;
using Google.Protobuf;

namespace Checkpointctl.Core.Criu;

/// <summary>
/// Reads the framing of a CRIU image (format doc §1): optional head magic, type magic, then entries of a
/// little-endian u32 size and that many bytes of protobuf, some followed by a raw payload. Every length is checked
/// against the bytes that remain; errors name the image, the entry index and its offset.
/// </summary>
public sealed class CriuImageReader
{
    private readonly ReadOnlyMemory<byte> _data;
    private int _offset;
    private int _index;

    private CriuImageReader(string name, ReadOnlyMemory<byte> data, uint headMagic, uint magic, int bodyOffset)
    {
        Name = name;
        _data = data;
        HeadMagic = headMagic;
        Magic = magic;
        _offset = bodyOffset;
    }

    /// <summary>The image name used in messages, e.g. <c>pstree.img</c>.</summary>
    public string Name { get; }

    /// <summary><see cref="CriuMagic.ImgCommon"/>, <see cref="CriuMagic.ImgService"/>, or 0 when absent (inventory, v1 images).</summary>
    public uint HeadMagic { get; }

    /// <summary>The image type magic.</summary>
    public uint Magic { get; }

    /// <summary>Opens an image and checks that its type magic is <paramref name="expectedMagic"/>.</summary>
    /// <exception cref="InvalidCheckpointException">Too short, unknown magic, or a different image type.</exception>
    public static CriuImageReader Open(string name, ReadOnlyMemory<byte> data, uint expectedMagic)
    {
        var span = data.Span;
        if (span.Length < 4)
            throw new InvalidCheckpointException($"{name}: image is too short to hold a magic ({span.Length} bytes)");
        var first = BinaryPrimitives.ReadUInt32LittleEndian(span);
        uint head = 0, magic = first;
        var body = 4;
        if (first is CriuMagic.ImgCommon or CriuMagic.ImgService)
        {
            if (span.Length < 8)
                throw new InvalidCheckpointException($"{name}: image is too short to hold a type magic ({span.Length} bytes)");
            head = first;
            magic = BinaryPrimitives.ReadUInt32LittleEndian(span[4..]);
            body = 8;
        }
        if (magic != expectedMagic)
        {
            throw CriuMagic.NameOf(magic) is { } actual
                ? new InvalidCheckpointException($"{name}: image magic 0x{magic:x} ({actual}) is not the expected {CriuMagic.NameOf(expectedMagic)}")
                : new InvalidCheckpointException($"unknown magic 0x{magic:x}");
        }
        return new CriuImageReader(name, data, head, magic, body);
    }

    /// <summary>True when all entries have been read.</summary>
    public bool AtEnd => _offset >= _data.Length;

    /// <summary>Reads the next entry's message bytes; false at a clean end of the image.</summary>
    public bool TryReadEntry(out ReadOnlyMemory<byte> message)
    {
        message = default;
        var remaining = _data.Length - _offset;
        if (remaining == 0)
            return false;
        if (remaining < 4)
            throw Error($"truncated entry size ({remaining} bytes left)");
        var size = BinaryPrimitives.ReadUInt32LittleEndian(_data.Span[_offset..]);
        if (size > (uint)(remaining - 4))
            throw Error($"entry size {size} exceeds the {remaining - 4} bytes left");
        message = _data.Slice(_offset + 4, (int)size);
        _offset += 4 + (int)size;
        _index++;
        return true;
    }

    /// <summary>How many entries follow (their framing walked, nothing parsed), so that large images fill arrays of the right size.</summary>
    public int CountRemaining()
    {
        var copy = new CriuImageReader(Name, _data, HeadMagic, Magic, _offset) { _index = _index };
        var count = 0;
        while (copy.TryReadEntry(out _))
            count++;
        return count;
    }

    /// <summary>Reads and parses the next entry; false at a clean end of the image.</summary>
    public bool TryRead<T>(MessageParser<T> parser, out T message) where T : IMessage<T>
    {
        var offset = _offset;
        if (!TryReadEntry(out var bytes))
        {
            message = default!;
            return false;
        }
        message = Parse(parser, bytes, _index - 1, offset);
        return true;
    }

    /// <summary>
    /// Reads the next entry into <paramref name="message"/>, whose fields the caller has cleared: images of hundreds of
    /// thousands of entries (an incremental dump's pagemap) are then read without an object per entry.
    /// </summary>
    public bool TryReadInto<T>(T message) where T : IMessage<T>
    {
        var offset = _offset;
        if (!TryReadEntry(out var bytes))
            return false;
        try
        {
            message.MergeFrom(bytes.Span);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw ParseError(_index - 1, offset, e);
        }
        return true;
    }

    /// <summary>Reads the next entry, which must exist.</summary>
    public T Read<T>(MessageParser<T> parser) where T : IMessage<T> =>
        TryRead(parser, out var message) ? message : throw Error("expected an entry, found the end of the image");

    /// <summary>Reads every remaining entry (array images).</summary>
    public List<T> ReadAll<T>(MessageParser<T> parser, int maxEntries = 1 << 22) where T : IMessage<T>
    {
        var list = new List<T>();
        while (TryRead(parser, out var m))
        {
            if (list.Count >= maxEntries)
                throw Error($"more than {maxEntries} entries");
            list.Add(m);
        }
        return list;
    }

    /// <summary>Reads or skips the raw payload that follows an entry in some images (format doc §1.5).</summary>
    public ReadOnlyMemory<byte> ReadPayload(ulong length)
    {
        var remaining = (ulong)(_data.Length - _offset);
        if (length > remaining)
            throw Error($"payload of {length} bytes exceeds the {remaining} bytes left");
        var payload = _data.Slice(_offset, (int)length);
        _offset += (int)length;
        return payload;
    }

    private T Parse<T>(MessageParser<T> parser, ReadOnlyMemory<byte> bytes, int index, int offset) where T : IMessage<T>
    {
        try
        {
            return parser.ParseFrom(bytes.Span);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw ParseError(index, offset, e);
        }
    }

    private InvalidCheckpointException ParseError(int index, int offset, InvalidProtocolBufferException e) =>
        new($"{Name}: entry {index} at offset {offset}: invalid protobuf message (proto: cannot parse invalid wire-format data)", e);

    private InvalidCheckpointException Error(string what) =>
        new($"{Name}: entry {_index} at offset {_offset}: {what}");
}
