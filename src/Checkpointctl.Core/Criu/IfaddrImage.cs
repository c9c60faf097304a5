using System.Buffers.Binary;
using System.Net;

namespace Checkpointctl.Core.Criu;

/// <summary>An interface address of an <c>ifaddr-&lt;ns&gt;.img</c>.</summary>
public sealed record InterfaceAddress(uint InterfaceIndex, string Address, int PrefixLength, string Label);

/// <summary>
/// Reads <c>ifaddr-&lt;ns&gt;.img</c>, the raw output of <c>ip addr save</c> (iproute2's magic, then RTM_NEWADDR netlink
/// messages: <c>nlmsghdr</c>, <c>ifaddrmsg</c>, attributes). Only the addresses are taken; every length is checked.
/// </summary>
internal static class IfaddrImage
{
    private const uint Magic = 0x47361222;
    private const ushort RtmNewaddr = 20, IfaAddress = 1, IfaLocal = 2, IfaLabel = 3;
    private const byte AfInet = 2, AfInet6 = 10;

    /// <exception cref="InvalidCheckpointException">No iproute2 magic or a message that does not fit.</exception>
    public static IReadOnlyList<InterfaceAddress> Parse(string name, ReadOnlySpan<byte> data)
    {
        if (data.Length < 4 || BinaryPrimitives.ReadUInt32LittleEndian(data) != Magic)
            throw new InvalidCheckpointException($"{name}: not an iproute2 address dump (no magic 0x{Magic:x})");
        var list = new List<InterfaceAddress>();
        var offset = 4;
        while (offset < data.Length)
        {
            if (data.Length - offset < 16)
                throw new InvalidCheckpointException($"{name}: truncated netlink header at offset {offset}");
            var length = BinaryPrimitives.ReadUInt32LittleEndian(data[offset..]);
            if (length < 16 || length > (uint)(data.Length - offset))
                throw new InvalidCheckpointException($"{name}: netlink message of {length} bytes at offset {offset} does not fit");
            var message = data.Slice(offset, (int)length);
            if (BinaryPrimitives.ReadUInt16LittleEndian(message[4..]) == RtmNewaddr && message.Length >= 24)
                list.Add(Address(message[16..]));
            offset += (int)Align4(length);
        }
        return list;
    }

    // ifaddrmsg {u8 family, u8 prefixlen, u8 flags, u8 scope, u32 index}, then rtattr {u16 len, u16 type, data}.
    private static InterfaceAddress Address(ReadOnlySpan<byte> body)
    {
        var family = body[0];
        var prefix = body[1];
        var index = BinaryPrimitives.ReadUInt32LittleEndian(body[4..]);
        string? address = null, local = null, label = null;
        var attributes = body[8..];
        while (attributes.Length >= 4)
        {
            var length = BinaryPrimitives.ReadUInt16LittleEndian(attributes);
            var type = BinaryPrimitives.ReadUInt16LittleEndian(attributes[2..]);
            if (length < 4 || length > attributes.Length)
                break;
            var value = attributes[4..length];
            switch (type)
            {
                case IfaAddress: address = Ip(family, value); break;
                case IfaLocal: local = Ip(family, value); break;
                case IfaLabel: label = System.Text.Encoding.UTF8.GetString(value.TrimEnd((byte)0)); break;
            }
            attributes = attributes[(int)Math.Min(Align4(length), (uint)attributes.Length)..];
        }
        return new InterfaceAddress(index, local ?? address ?? "", prefix, label ?? "");
    }

    private static string? Ip(byte family, ReadOnlySpan<byte> value) =>
        (family == AfInet && value.Length == 4) || (family == AfInet6 && value.Length == 16) ? new IPAddress(value).ToString() : null;

    private static uint Align4(uint n) => (n + 3) & ~3u;
}
