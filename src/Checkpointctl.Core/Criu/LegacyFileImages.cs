using Checkpointctl.Core.Criu.Images;
using Google.Protobuf;

namespace Checkpointctl.Core.Criu;

/// <summary>
/// The per-type file images CRIU wrote before <c>files.img</c> (shapes doc §5.1). They are decoded into the
/// <c>file_entry</c> records <c>files.img</c> holds, so everything above this layer sees one model.
/// </summary>
internal static class LegacyFileImages
{
    // A legacy image: its name, type magic, and how its entries join the file table.
    private sealed record Image(string Name, uint Magic, Action<CriuImageReader, Dictionary<uint, FileEntry>> AddTo);

    // Files first, then the images whose entries belong to a file (epoll targets, inotify watches and fanotify marks
    // carry their owner's id). bpfmap-file.img and pidfd.img are defined but perhaps never written; read if present.
    private static readonly Image[] All =
    [
        File("reg-files.img", CriuMagic.RegFiles, FdTypes.Reg, RegFileEntry.Parser, e => e.Id, (f, e) => f.Reg = e),
        File("pipes.img", CriuMagic.Pipes, FdTypes.Pipe, PipeEntry.Parser, e => e.Id, (f, e) => f.Pipe = e),
        File("fifo.img", CriuMagic.Fifo, FdTypes.Fifo, FifoEntry.Parser, e => e.Id, (f, e) => f.Fifo = e),
        File("inetsk.img", CriuMagic.Inetsk, FdTypes.Inetsk, InetSkEntry.Parser, e => e.Id, (f, e) => f.Isk = e),
        File("unixsk.img", CriuMagic.Unixsk, FdTypes.Unixsk, UnixSkEntry.Parser, e => e.Id, (f, e) => f.Usk = e),
        File("eventfd.img", CriuMagic.EventfdFile, FdTypes.Eventfd, EventfdFileEntry.Parser, e => e.Id, (f, e) => f.Efd = e),
        File("eventpoll.img", CriuMagic.EventpollFile, FdTypes.Eventpoll, EventpollFileEntry.Parser, e => e.Id, (f, e) => f.Epfd = e),
        File("inotify.img", CriuMagic.InotifyFile, FdTypes.Inotify, InotifyFileEntry.Parser, e => e.Id, (f, e) => f.Ify = e),
        File("signalfd.img", CriuMagic.Signalfd, FdTypes.Signalfd, SignalfdEntry.Parser, e => e.Id, (f, e) => f.Sgfd = e),
        File("packetsk.img", CriuMagic.Packetsk, FdTypes.Packetsk, PacketSockEntry.Parser, e => e.Id, (f, e) => f.Psk = e),
        File("tty.img", CriuMagic.TtyFiles, FdTypes.Tty, TtyFileEntry.Parser, e => e.Id, (f, e) => f.Tty = e),
        File("fanotify.img", CriuMagic.FanotifyFile, FdTypes.Fanotify, FanotifyFileEntry.Parser, e => e.Id, (f, e) => f.Ffy = e),
        File("netlinksk.img", CriuMagic.NetlinkSk, FdTypes.Netlinksk, NetlinkSkEntry.Parser, e => e.Id, (f, e) => f.Nlsk = e),
        File("ns-files.img", CriuMagic.NsFiles, FdTypes.Ns, NsFileEntry.Parser, e => e.Id, (f, e) => f.Nsf = e),
        File("tunfile.img", CriuMagic.Tunfile, FdTypes.Tunf, TunfileEntry.Parser, e => e.Id, (f, e) => f.Tunf = e),
        File("ext-files.img", CriuMagic.ExtFiles, FdTypes.Ext, ExtFileEntry.Parser, e => e.Id, (f, e) => f.Ext = e),
        File("timerfd.img", CriuMagic.Timerfd, FdTypes.Timerfd, TimerfdEntry.Parser, e => e.Id, (f, e) => f.Tfd = e),
        File("bpfmap-file.img", CriuMagic.BpfmapFile, FdTypes.Bpfmap, BpfmapFileEntry.Parser, e => e.Id, (f, e) => f.Bpf = e),
        File("pidfd.img", CriuMagic.Pidfd, FdTypes.Pidfd, PidfdEntry.Parser, e => e.Id, (f, e) => f.Pidfd = e),
        Part("eventpoll-tfd.img", CriuMagic.EventpollTfd, EventpollTfdEntry.Parser, e => e.Id, (f, e) => f.Epfd?.Tfd.Add(e)),
        Part("inotify-wd.img", CriuMagic.InotifyWd, InotifyWdEntry.Parser, e => e.Id, (f, e) => f.Ify?.Wd.Add(e)),
        Part("fanotify-mark.img", CriuMagic.FanotifyMark, FanotifyMarkEntry.Parser, e => e.Id, (f, e) => f.Ffy?.Mark.Add(e)),
    ];

    /// <summary>The legacy image names (inside <c>checkpoint/</c>).</summary>
    public static IReadOnlyList<string> Names { get; } = All.Select(i => i.Name).ToList();

    /// <summary>
    /// The file table of a legacy image set by file id. <paramref name="read"/> gives an image's bytes, or null when
    /// the image set has none. A later duplicate id wins, as for <c>files.img</c>.
    /// </summary>
    public static Dictionary<uint, FileEntry> Decode(Func<string, ReadOnlyMemory<byte>?> read)
    {
        var files = new Dictionary<uint, FileEntry>();
        foreach (var image in All)
        {
            if (read(image.Name) is { } bytes)
                image.AddTo(CriuImageReader.Open(image.Name, bytes, image.Magic), files);
        }
        return files;
    }

    private static Image File<T>(string name, uint magic, FdTypes type, MessageParser<T> parser, Func<T, uint> id, Action<FileEntry, T> set)
        where T : IMessage<T> =>
        new(name, magic, (reader, files) =>
        {
            foreach (var entry in reader.ReadAll(parser))
            {
                var file = new FileEntry { Type = type, Id = id(entry) };
                set(file, entry);
                files[file.Id] = file;
            }
        });

    // An entry whose owner is missing or of another type is dropped: it only details its owner, which no view shows.
    private static Image Part<T>(string name, uint magic, MessageParser<T> parser, Func<T, uint> owner, Action<FileEntry, T> attach)
        where T : IMessage<T> =>
        new(name, magic, (reader, files) =>
        {
            foreach (var entry in reader.ReadAll(parser))
            {
                if (files.TryGetValue(owner(entry), out var file))
                    attach(file, entry);
            }
        });
}
