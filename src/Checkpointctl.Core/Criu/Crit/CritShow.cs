using System.Buffers.Binary;
using System.Collections;
using System.Numerics;
using Checkpointctl.Core.Criu.Images;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Checkpointctl.Core.Criu.Crit;

/// <summary>
/// A CRIU image decoded as <c>crit show</c> prints it (forensics.md §4): <c>{"magic": NAME, "entries": [...]}</c> with
/// crit's field selection and order, pretty-print options, special handlers and payloads.
/// </summary>
public static class CritShow
{
    private delegate PyValue? Extra(IMessage entry, PayloadReader payload);

    private sealed record Handler(MessageParser Parser, Extra? Payload = null);

    private static readonly Dictionary<uint, Handler> Handlers = new()
    {
        [CriuMagic.Inventory] = new(InventoryEntry.Parser),
        [CriuMagic.Core] = new(CoreEntry.Parser),
        [CriuMagic.Ids] = new(TaskKobjIdsEntry.Parser),
        [CriuMagic.Creds] = new(CredsEntry.Parser),
        [CriuMagic.Utsns] = new(UtsnsEntry.Parser),
        [CriuMagic.Timens] = new(TimensEntry.Parser),
        [CriuMagic.Pidns] = new(PidnsEntry.Parser),
        [CriuMagic.IpcVar] = new(IpcVarEntry.Parser),
        [CriuMagic.Fs] = new(FsEntry.Parser),
        [CriuMagic.Mm] = new(MmEntry.Parser),
        [CriuMagic.Cgroup] = new(CgroupEntry.Parser),
        [CriuMagic.TcpStream] = new(TcpStreamEntry.Parser, TcpQueues),
        [CriuMagic.Stats] = new(StatsEntry.Parser),
        [CriuMagic.Pstree] = new(PstreeEntry.Parser),
        [CriuMagic.RegFiles] = new(RegFileEntry.Parser),
        [CriuMagic.NsFiles] = new(NsFileEntry.Parser),
        [CriuMagic.EventfdFile] = new(EventfdFileEntry.Parser),
        [CriuMagic.EventpollFile] = new(EventpollFileEntry.Parser),
        [CriuMagic.EventpollTfd] = new(EventpollTfdEntry.Parser),
        [CriuMagic.Signalfd] = new(SignalfdEntry.Parser),
        [CriuMagic.Timerfd] = new(TimerfdEntry.Parser),
        [CriuMagic.InotifyFile] = new(InotifyFileEntry.Parser),
        [CriuMagic.InotifyWd] = new(InotifyWdEntry.Parser),
        [CriuMagic.FanotifyFile] = new(FanotifyFileEntry.Parser),
        [CriuMagic.FanotifyMark] = new(FanotifyMarkEntry.Parser),
        [CriuMagic.Vmas] = new(VmaEntry.Parser),
        [CriuMagic.Pipes] = new(PipeEntry.Parser),
        [CriuMagic.Fifo] = new(FifoEntry.Parser),
        [CriuMagic.Sigact] = new(SaEntry.Parser),
        [CriuMagic.NetlinkSk] = new(NetlinkSkEntry.Parser),
        [CriuMagic.RemapFpath] = new(RemapFilePathEntry.Parser),
        [CriuMagic.Mnts] = new(MntEntry.Parser),
        [CriuMagic.TtyFiles] = new(TtyFileEntry.Parser),
        [CriuMagic.TtyInfo] = new(TtyInfoEntry.Parser),
        [CriuMagic.TtyData] = new(TtyDataEntry.Parser),
        [CriuMagic.Rlimit] = new(RlimitEntry.Parser),
        [CriuMagic.Tunfile] = new(TunfileEntry.Parser),
        [CriuMagic.ExtFiles] = new(ExtFileEntry.Parser),
        [CriuMagic.IrmapCache] = new(IrmapCacheEntry.Parser),
        [CriuMagic.FileLocks] = new(FileLockEntry.Parser),
        [CriuMagic.Fdinfo] = new(FdinfoEntry.Parser),
        [CriuMagic.Unixsk] = new(UnixSkEntry.Parser),
        [CriuMagic.Inetsk] = new(InetSkEntry.Parser),
        [CriuMagic.Packetsk] = new(PacketSockEntry.Parser),
        [CriuMagic.Itimers] = new(ItimerEntry.Parser),
        [CriuMagic.PosixTimers] = new(PosixTimerEntry.Parser),
        [CriuMagic.Netdev] = new(NetDeviceEntry.Parser),
        [CriuMagic.PipesData] = new(PipeDataEntry.Parser, (e, p) => p.Base64(((PipeDataEntry)e).Bytes)),
        [CriuMagic.FifoData] = new(PipeDataEntry.Parser, (e, p) => p.Base64(((PipeDataEntry)e).Bytes)),
        [CriuMagic.SkQueues] = new(SkPacketEntry.Parser, (e, p) => p.Base64(((SkPacketEntry)e).Length)),
        [CriuMagic.IpcnsShm] = new(IpcShmEntry.Parser, SharedMemory),
        [CriuMagic.IpcnsSem] = new(IpcSemEntry.Parser, Semaphores),
        [CriuMagic.IpcnsMsg] = new(IpcMsgEntry.Parser, Messages),
        [CriuMagic.Netns] = new(NetnsEntry.Parser),
        [CriuMagic.Userns] = new(UsernsEntry.Parser),
        [CriuMagic.Seccomp] = new(SeccompEntry.Parser),
        [CriuMagic.Autofs] = new(AutofsEntry.Parser),
        [CriuMagic.Files] = new(FileEntry.Parser),
        [CriuMagic.Cpuinfo] = new(CpuinfoEntry.Parser),
        [CriuMagic.MemfdInode] = new(MemfdInodeEntry.Parser),
        [CriuMagic.BpfmapFile] = new(BpfmapFileEntry.Parser),
        [CriuMagic.BpfmapData] = new(BpfmapDataEntry.Parser, (e, p) => p.Base64((ulong)((BpfmapDataEntry)e).KeysBytes + ((BpfmapDataEntry)e).ValuesBytes)),
        [CriuMagic.Apparmor] = new(ApparmorEntry.Parser),
    };

    /// <summary>The type magic of an image (after the head magic, if any), or null when it is too short to have one.</summary>
    public static uint? TypeMagic(ReadOnlySpan<byte> image)
    {
        if (image.Length < 4)
            return null;
        var first = BinaryPrimitives.ReadUInt32LittleEndian(image);
        if (first is not (CriuMagic.ImgCommon or CriuMagic.ImgService))
            return first;
        return image.Length < 8 ? null : BinaryPrimitives.ReadUInt32LittleEndian(image[4..]);
    }

    /// <summary>The image as <c>crit show</c> writes it to stdout: pretty JSON and one newline.</summary>
    /// <exception cref="InvalidCheckpointException">Not a CRIU protobuf image crit can show, or a malformed one (crit's words where it has them).</exception>
    public static string Render(string name, ReadOnlyMemory<byte> image) => Decode(name, image).ToJson() + "\n";

    /// <summary>The image as crit builds it before writing JSON.</summary>
    public static PyDict Decode(string name, ReadOnlyMemory<byte> image)
    {
        var span = image.Span;
        if (span.Length < 4)
            throw new InvalidCheckpointException($"{name}: image is too short to hold a magic ({span.Length} bytes)");
        var first = BinaryPrimitives.ReadUInt32LittleEndian(span);
        var body = first is CriuMagic.ImgCommon or CriuMagic.ImgService ? 8 : 4;
        var magic = TypeMagic(span) ?? throw new InvalidCheckpointException($"{name}: image is too short to hold a type magic ({span.Length} bytes)");
        var magicName = CriuMagic.NameOf(magic) ?? throw new InvalidCheckpointException(
            $"{name}: Unknown magic 0x{magic:x}" + (Analysis.CriuImageFiles.Describe(name, span) is { } kind and not "-" ? $" (a raw image: {kind})" : ""));
        var reader = new PayloadReader(name, image[body..]);
        var entries = new PyList();
        if (magic == CriuMagic.Pagemap)
            Pagemap(reader, entries);
        else if (magic == CriuMagic.GhostFile)
            GhostFile(reader, entries);
        else if (Handlers.TryGetValue(magic, out var handler))
            Entries(reader, handler, entries);
        else
            throw new InvalidCheckpointException($"{name}: No handler found for image with magic {magicName}");
        var document = new PyDict();
        document.Add("magic", PyValue.Of(magicName));
        document.Add("entries", entries);
        return document;
    }

    private static void Entries(PayloadReader reader, Handler handler, PyList entries)
    {
        while (reader.TryReadEntry(handler.Parser, out var entry))
        {
            var dict = ToDict(entry, pretty: true);
            if (handler.Payload != null && handler.Payload(entry, reader) is { } extra)
                dict.Add("extra", extra);
            entries.Items.Add(dict);
        }
    }

    private static void Pagemap(PayloadReader reader, PyList entries)
    {
        MessageParser parser = PagemapHead.Parser;
        while (reader.TryReadEntry(parser, out var entry))
        {
            entries.Items.Add(ToDict(entry, pretty: true));
            parser = PagemapEntry.Parser;
        }
    }

    private static void GhostFile(PayloadReader reader, PyList entries)
    {
        if (!reader.TryReadEntry(GhostFileEntry.Parser, out var message))
            throw reader.Error("expected an entry, found the end of the image");
        var ghost = (GhostFileEntry)message;
        var head = ToDict(ghost, pretty: true);
        if (!ghost.Chunks)
        {
            head.Add("extra", reader.Base64(reader.Remaining));
            entries.Items.Add(head);
            return;
        }
        entries.Items.Add(head);
        while (reader.TryReadEntry(GhostChunkEntry.Parser, out var chunk))
        {
            var dict = ToDict(chunk, pretty: true);
            dict.Add("extra", reader.Base64(((GhostChunkEntry)chunk).Len));
            entries.Items.Add(dict);
        }
    }

    private static PyValue TcpQueues(IMessage entry, PayloadReader payload)
    {
        var tcp = (TcpStreamEntry)entry;
        var queues = new PyDict();
        queues.Add("inq", payload.Base64(tcp.InqLen));
        queues.Add("outq", payload.Base64(tcp.OutqLen));
        return queues;
    }

    // crit reads the segment unconditionally (also when in_pagemaps says the contents are elsewhere), padded to 4.
    private static PyValue SharedMemory(IMessage entry, PayloadReader payload)
    {
        var size = ((IpcShmEntry)entry).Size;
        var data = payload.Base64(size);
        payload.Skip(((size + 3) & ~3UL) - size);
        return data;
    }

    private static PyValue Semaphores(IMessage entry, PayloadReader payload)
    {
        var size = 2UL * ((IpcSemEntry)entry).Nsems;
        var bytes = payload.Take(size).Span;
        payload.Skip(((size + 7) & ~7UL) - size);
        var list = new PyList();
        for (var i = 0; i + 1 < bytes.Length; i += 2)
            list.Items.Add(PyValue.Of(BinaryPrimitives.ReadUInt16LittleEndian(bytes[i..])));
        return list;
    }

    private static PyValue Messages(IMessage entry, PayloadReader payload)
    {
        var list = new PyList();
        for (var i = 0u; i < ((IpcMsgEntry)entry).Qnum && !payload.AtEnd; i++)
        {
            if (!payload.TryReadEntry(IpcMsg.Parser, out var message))
                break;
            var msize = ((IpcMsg)message).Msize;
            list.Items.Add(ToDict(message, pretty: false));
            list.Items.Add(payload.Base64(msize));
            payload.Skip(((msize + 7UL) & ~7UL) - msize);
        }
        return list;
    }

    /// <summary>pycriu's <c>pb2dict</c>: present fields in field-number order, options applied when pretty.</summary>
    public static PyDict ToDict(IMessage message, bool pretty, bool hex = false)
    {
        var dict = new PyDict();
        var type = message.Descriptor;
        foreach (var field in type.Fields.InFieldNumberOrder())
        {
            var key = $"{type.Name}.{field.Name}";
            var fieldHex = hex || CritOptions.Hex.Contains(key) || CritOptions.HexMessages.Contains(key);
            if (field.IsRepeated)
            {
                var values = (IList)field.Accessor.GetValue(message);
                if (values.Count == 0)
                    continue;
                var list = new PyList();
                if (pretty && CritOptions.IpAddress.Contains(key))
                {
                    list.Items.Add(PyValue.Of(CritEncodings.IpAddress(values.Cast<uint>().ToList())));
                }
                else
                {
                    foreach (var v in values)
                    {
                        if (Cast(field, key, v, pretty, fieldHex) is { } item)
                            list.Items.Add(item);
                    }
                }
                dict.Add(field.Name, list);
            }
            else
            {
                var present = field.FieldType == FieldType.Message ? field.Accessor.GetValue(message) != null : field.Accessor.HasValue(message);
                if (present && Cast(field, key, field.Accessor.GetValue(message), pretty, fieldHex) is { } value)
                    dict.Add(field.Name, value);
            }
        }
        return dict;
    }

    private static PyValue? Cast(FieldDescriptor field, string key, object value, bool pretty, bool hex)
    {
        switch (field.FieldType)
        {
            case FieldType.Message:
                return ToDict((IMessage)value, pretty, hex);
            case FieldType.Bytes:
                var bytes = ((ByteString)value).Span;
                return PyValue.Of(CritOptions.UnixName.Contains(key) ? CritEncodings.QuotedPrintable(bytes) : CritEncodings.Base64Lines(bytes));
            case FieldType.Enum:
                // An enum number the schema does not know is an unknown field to Python's protobuf: left out.
                return field.EnumType.FindValueByNumber(Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture)) is { } known
                    ? PyValue.Of(known.Name)
                    : null;
            case FieldType.Bool:
                return PyValue.Of((bool)value);
            case FieldType.String:
                return PyValue.Of((string)value);
            case FieldType.Float or FieldType.Double:
                throw new InvalidCheckpointException($"field {key} has a floating-point type, which no CRIU image uses");
        }
        var number = value switch
        {
            int i => (BigInteger)i,
            uint u => u,
            long l => l,
            ulong ul => ul,
            _ => throw new InvalidOperationException($"unexpected value type for {key}"),
        };
        return pretty ? Pretty(field, key, number, hex) : PyValue.Of(number);
    }

    // _pb2dict_cast's precedence: hex, dev, flags, dict, else the number.
    private static PyValue Pretty(FieldDescriptor field, string key, BigInteger value, bool hex)
    {
        if (hex)
            return PyValue.Of(Hex(value));
        if (CritOptions.Dev.Contains(key))
        {
            var v = (ulong)(value & ulong.MaxValue);
            var (major, minor) = CritOptions.OldDev.Contains(key)
                ? (((v >> 8) & 0xfff) | ((v >> 32) & ~0xfffUL), (v & 0xff) | ((v >> 12) & ~0xffUL))
                : (v >> 20, v & 0xfffff);
            return PyValue.Of($"{major}:{minor}");
        }
        if (CritOptions.Flags.TryGetValue(key, out var map))
            return PyValue.Of(CritOptions.FlagMaps.TryGetValue(map, out var bits) ? MapFlags(value, bits) : Hex(value));
        if (CritOptions.Dict.TryGetValue(key, out var dict) && CritOptions.DictMaps[dict].TryGetValue(field.Name, out var names)
            && value >= 0 && value <= ulong.MaxValue && names.TryGetValue((ulong)value, out var name))
            return PyValue.Of(name);
        return PyValue.Of(value);
    }

    // Python's "0x%x": lower case, no padding, a sign before the prefix.
    private static string Hex(BigInteger value) => value < 0 ? "-0x" + ToHex(-value) : "0x" + ToHex(value);

    // BigInteger's "x" format pads a leading 0 when the top bit is set.
    private static string ToHex(BigInteger value) => value.IsZero ? "0" : value.ToString("x", System.Globalization.CultureInfo.InvariantCulture).TrimStart('0');

    // Names of the bits set (in map order), then the unknown rest as hex, joined by " | "; zero is "".
    private static string MapFlags(BigInteger value, (ulong Bit, string Name)[] map)
    {
        var names = new List<string>();
        var rest = value;
        foreach (var (bit, name) in map)
        {
            if ((value & bit) != 0)
                names.Add(name);
        }
        foreach (var (bit, _) in map)
            rest &= ~(BigInteger)bit;
        if (rest != 0)
            names.Add("0x" + ToHex(rest));
        return string.Join(" | ", names);
    }
}
