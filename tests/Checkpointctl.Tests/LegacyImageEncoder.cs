using System.Buffers.Binary;
using Checkpointctl.Core.Criu.Images;
using Google.Protobuf;

namespace Checkpointctl.Tests;

/// <summary>
/// Rewrites modern CRIU images into the layouts older CRIU wrote (shapes doc §5), for tests. The magics are the
/// doc's numbers (§1.6 of the format doc), not the production constants, so a wrong constant there fails a test.
/// </summary>
internal static class LegacyImageEncoder
{
    private const uint ImgCommon = 0x54564319;
    private const uint FilesMagic = 0x56303138, PagemapMagic = 0x56084025, InventoryMagic = 0x58313116, MmMagic = 0x57492820;
    private const uint VmasMagic = 0x54123737;

    /// <summary>
    /// <c>files.img</c> split into the per-type images of CRIU ≤ 3.3 (in order of first use), with epoll targets,
    /// inotify watches and fanotify marks moved into their own images under their owner's id. Types that no ≤ 3.3
    /// image holds (MEMFD ≥ 3.14, BPFMAP, PIDFD) are left out: only their fd type and id are ever shown.
    /// </summary>
    public static List<(string Name, byte[] Data)> SplitFiles(byte[] filesImage)
    {
        var images = new Dictionary<string, (uint Magic, List<IMessage> Entries)>();
        void Add(string name, uint magic, IMessage entry)
        {
            if (!images.TryGetValue(name, out var image))
                images[name] = image = (magic, []);
            image.Entries.Add(entry);
        }
        foreach (var file in Entries(filesImage, FilesMagic, FileEntry.Parser))
        {
            switch (file.Type)
            {
                case FdTypes.Eventpoll:
                    var epoll = file.Epfd.Clone();
                    foreach (var tfd in epoll.Tfd)
                        Add("eventpoll-tfd.img", 0x44433746, new EventpollTfdEntry(tfd) { Id = file.Id });
                    epoll.Tfd.Clear();
                    Add("eventpoll.img", 0x45023858, epoll);
                    continue;
                case FdTypes.Inotify:
                    var inotify = file.Ify.Clone();
                    foreach (var wd in inotify.Wd)
                        Add("inotify-wd.img", 0x54562009, new InotifyWdEntry(wd) { Id = file.Id });
                    inotify.Wd.Clear();
                    Add("inotify.img", 0x48424431, inotify);
                    continue;
                case FdTypes.Fanotify:
                    var fanotify = file.Ffy.Clone();
                    foreach (var mark in fanotify.Mark)
                        Add("fanotify-mark.img", 0x56506035, new FanotifyMarkEntry(mark) { Id = file.Id });
                    fanotify.Mark.Clear();
                    Add("fanotify.img", 0x55096122, fanotify);
                    continue;
            }
            if (PerTypeImage(file) is { } legacy)
                Add(legacy.Name, legacy.Magic, legacy.Entry);
        }
        return images.Select(i => (i.Key, Frame(i.Value.Magic, i.Value.Entries))).ToList();
    }

    private static (string Name, uint Magic, IMessage Entry)? PerTypeImage(FileEntry f) => f.Type switch
    {
        FdTypes.Reg => ("reg-files.img", 0x50363636, f.Reg),
        FdTypes.Pipe => ("pipes.img", 0x56513555, f.Pipe),
        FdTypes.Fifo => ("fifo.img", 0x58364939, f.Fifo),
        FdTypes.Inetsk => ("inetsk.img", 0x56443851, f.Isk),
        FdTypes.Unixsk => ("unixsk.img", 0x54373943, f.Usk),
        FdTypes.Eventfd => ("eventfd.img", 0x44523722, f.Efd),
        FdTypes.Signalfd => ("signalfd.img", 0x57323820, f.Sgfd),
        FdTypes.Packetsk => ("packetsk.img", 0x60454618, f.Psk),
        FdTypes.Tty => ("tty.img", 0x59433025, f.Tty),
        FdTypes.Netlinksk => ("netlinksk.img", 0x58005614, f.Nlsk),
        FdTypes.Ns => ("ns-files.img", 0x61394011, f.Nsf),
        FdTypes.Tunf => ("tunfile.img", 0x57143751, f.Tunf),
        FdTypes.Ext => ("ext-files.img", 0x59255641, f.Ext),
        FdTypes.Timerfd => ("timerfd.img", 0x50493712, f.Tfd),
        _ => null,
    };

    /// <summary>
    /// A pagemap as CRIU ≤ 4.1 wrote it: the page count in field 2 (<c>compat_nr_pages</c>) and no field 5; with
    /// <paramref name="withoutFlags"/> also as CRIU ≤ 3.4 (no <c>flags</c>: every run present).
    /// </summary>
    public static byte[] CompatPagemap(byte[] pagemap, bool withoutFlags)
    {
        var head = true;
        var entries = new List<IMessage>();
        foreach (var bytes in RawEntries(pagemap, PagemapMagic))
        {
            if (head)
            {
                entries.Add(PagemapHead.Parser.ParseFrom(bytes));
                head = false;
                continue;
            }
            var e = PagemapEntry.Parser.ParseFrom(bytes);
            Assert.True(e.HasNrPages && e.CompatNrPages == 0, "a CRIU 4.2 pagemap entry");
            e.CompatNrPages = checked((uint)e.NrPages);
            e.ClearNrPages();
            if (withoutFlags)
            {
                // Only runs whose pages are in this pages file can be written without flags.
                Assert.Equal(4u, e.Flags & 5u);
                e.ClearFlags();
            }
            entries.Add(e);
        }
        return Frame(PagemapMagic, entries);
    }

    /// <summary>An inventory as CRIU before 4.1 wrote it (no plugins entry, run id or uprobes option).</summary>
    public static byte[] InventoryBefore41(byte[] inventory)
    {
        var entry = InventoryEntry.Parser.ParseFrom(RawEntries(inventory, InventoryMagic).Single());
        entry.PluginsEntry = null;
        entry.ClearDumpCriuRunId();
        entry.ClearAllowUprobes();
        // The inventory has no head magic.
        return [.. BitConverter.GetBytes(InventoryMagic), .. Framed(entry)];
    }

    /// <summary>An mm image with its mappings moved into <c>vmas-&lt;pid&gt;.img</c>, as CRIU 1.x/2.x wrote them.</summary>
    public static (byte[] Mm, byte[] Vmas) VmasOutOfMm(byte[] mmImage)
    {
        var mm = Entries(mmImage, MmMagic, MmEntry.Parser).Single();
        var vmas = mm.Vmas.ToList<IMessage>();
        Assert.NotEmpty(vmas);
        mm.Vmas.Clear();
        return (Frame(MmMagic, [mm]), Frame(VmasMagic, vmas));
    }

    /// <summary>A CRIU image: head magic, type magic, then size-prefixed entries.</summary>
    public static byte[] Frame(uint magic, IEnumerable<IMessage> entries)
    {
        var output = new MemoryStream();
        output.Write(BitConverter.GetBytes(ImgCommon));
        output.Write(BitConverter.GetBytes(magic));
        foreach (var entry in entries)
            output.Write(Framed(entry));
        return output.ToArray();
    }

    private static byte[] Framed(IMessage entry)
    {
        var bytes = entry.ToByteArray();
        return [.. BitConverter.GetBytes((uint)bytes.Length), .. bytes];
    }

    public static List<T> Entries<T>(byte[] image, uint magic, MessageParser<T> parser) where T : IMessage<T> =>
        RawEntries(image, magic).Select(b => parser.ParseFrom(b)).ToList();

    private static List<byte[]> RawEntries(byte[] image, uint magic)
    {
        var at = BinaryPrimitives.ReadUInt32LittleEndian(image) == ImgCommon ? 4 : 0;
        Assert.Equal(magic, BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(at)));
        var entries = new List<byte[]>();
        for (at += 4; at < image.Length;)
        {
            var size = (int)BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(at));
            entries.Add(image.AsSpan(at + 4, size).ToArray());
            at += 4 + size;
        }
        return entries;
    }
}
