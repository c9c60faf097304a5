using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Criu;
using Checkpointctl.Core.Criu.Images;
using Google.Protobuf;

namespace Checkpointctl.Core.Model;

/// <summary>
/// Typed access to the CRIU images of a checkpoint (the archive's <c>checkpoint/</c> directory, or another image set
/// such as a parent's <c>pre-checkpoint/</c>). Images are decoded on demand from the members the command's request
/// held, and decoded once.
/// </summary>
public sealed class CriuImages
{
    private readonly PageSource _pages;
    private readonly ParentChain? _parents;
    private CriuImages? _parent;

    /// <summary>Images of an opened archive whose pages are in place or held.</summary>
    public CriuImages(CheckpointArchive archive) : this(PageSource.Of(archive))
    {
    }

    /// <summary>Images of a checkpoint whose pages are served as its page source's plan declared; parents found through <paramref name="parents"/>.</summary>
    public CriuImages(PageSource pages, ParentChain? parents = null, string prefix = ArchiveLayout.CheckpointPrefix, CriuImages? child = null)
    {
        _pages = pages;
        _parents = parents;
        Archive = pages.Archive;
        Prefix = prefix;
        Child = child;
    }

    /// <summary>The image set's directory in the archive, e.g. <c>checkpoint/</c>.</summary>
    public string Prefix { get; }

    /// <summary>The incremental dump whose parent this image set is, or null for the checkpoint itself.</summary>
    public CriuImages? Child { get; }

    /// <summary>Serves the image set's pages (and those of other image sets in the same archive).</summary>
    internal PageSource Pages => _pages;

    /// <summary>Where the image set is read from.</summary>
    public CheckpointInput? Input => _pages.Input;

    /// <summary>The parent image set (incremental dumps), opened on first use.</summary>
    /// <exception cref="CheckpointException">There is no parent, or it cannot be found or read.</exception>
    public CriuImages Parent() => _parent ??= (_parents ?? throw new MissingCheckpointDataException(
        $"{Prefix}parent: pages are in a parent image set, which is not available here")).Open(this);

    /// <summary>Page sizes a checkpoint may have been dumped with; the one that fits the pages file is used.</summary>
    private static readonly int[] PageSizes = [4096, 16384, 65536];

    private readonly Dictionary<string, object> _cache = new(StringComparer.Ordinal);

    /// <summary>The archive the images are read from.</summary>
    public CheckpointArchive Archive { get; }

    /// <summary>Archive patterns for the images a process tree needs.</summary>
    public static IReadOnlyList<MemberPattern> ProcessTreeImages { get; } =
        [ArchiveLayout.Image("pstree.img"), ArchiveLayout.Image("core-*.img")];

    /// <summary>Archive patterns for the images memory analysis needs (without pages).</summary>
    public static IReadOnlyList<MemberPattern> MemoryMapImages { get; } =
        [ArchiveLayout.Image("mm-*.img"), ArchiveLayout.Image("pagemap-*.img"), ArchiveLayout.Image("vmas-*.img"), ArchiveLayout.Image("inventory.img")];

    /// <summary>Archive patterns for open files.</summary>
    public static IReadOnlyList<MemberPattern> FileImages { get; } =
        [ArchiveLayout.Image("files.img"), ArchiveLayout.Image("fs-*.img"), ArchiveLayout.Image("ids-*.img"), ArchiveLayout.Image("fdinfo-*.img"),
         ArchiveLayout.Image("remap-fpath.img"), .. LegacyFileImagePatterns()];

    /// <summary>Archive patterns for sockets and their queued data.</summary>
    public static IReadOnlyList<MemberPattern> SocketImages { get; } =
        [ArchiveLayout.Image("files.img"), ArchiveLayout.Image("ids-*.img"), ArchiveLayout.Image("fdinfo-*.img"),
         ArchiveLayout.Image("tcp-stream-*.img"), ArchiveLayout.Image("sk-queues.img"), .. LegacyFileImagePatterns()];

    private static IEnumerable<MemberPattern> LegacyFileImagePatterns() => LegacyFileImages.Names.Select(n => (MemberPattern)ArchiveLayout.Image(n));

    /// <summary>Whether the image set has the image.</summary>
    public bool Has(string image) => Archive.Contains(Prefix + image);

    /// <summary>The process tree entries (<c>pstree.img</c>).</summary>
    public IReadOnlyList<PstreeEntry> Pstree() => Cached("pstree.img", r => r.ReadAll(PstreeEntry.Parser), CriuMagic.Pstree);

    /// <summary>A task's core (<c>core-&lt;tid&gt;.img</c>).</summary>
    public CoreEntry Core(uint tid) => Cached($"core-{tid}.img", r => r.Read(CoreEntry.Parser), CriuMagic.Core);

    /// <summary>A process's memory description (<c>mm-&lt;pid&gt;.img</c>).</summary>
    public MmEntry Mm(uint pid) => Cached($"mm-{pid}.img", r => r.Read(MmEntry.Parser), CriuMagic.Mm);

    /// <summary>A process's mappings: <c>mm_entry.vmas</c>, or the legacy <c>vmas-&lt;pid&gt;.img</c> when that is empty (CRIU 1.x/2.x).</summary>
    public IReadOnlyList<VmaEntry> Vmas(uint pid)
    {
        var mm = Mm(pid);
        return mm.Vmas.Count == 0 && Has($"vmas-{pid}.img")
            ? Cached($"vmas-{pid}.img", r => r.ReadAll(VmaEntry.Parser), CriuMagic.Vmas)
            : (IReadOnlyList<VmaEntry>)mm.Vmas;
    }

    /// <summary>A process's namespace and resource IDs (<c>ids-&lt;pid&gt;.img</c>).</summary>
    public TaskKobjIdsEntry Ids(uint pid) => Cached($"ids-{pid}.img", r => r.Read(TaskKobjIdsEntry.Parser), CriuMagic.Ids);

    /// <summary>A process's cwd and root (<c>fs-&lt;pid&gt;.img</c>).</summary>
    public FsEntry Fs(uint pid) => Cached($"fs-{pid}.img", r => r.Read(FsEntry.Parser), CriuMagic.Fs);

    /// <summary>The fds of a file table (<c>fdinfo-&lt;id&gt;.img</c>).</summary>
    public IReadOnlyList<FdinfoEntry> Fdinfo(uint filesId) => Cached($"fdinfo-{filesId}.img", r => r.ReadAll(FdinfoEntry.Parser), CriuMagic.Fdinfo);

    /// <summary><c>memfd.img</c>: the memfd inodes (names, sizes and the shmem id of their pages) by inode id.</summary>
    public IReadOnlyDictionary<ulong, MemfdInodeEntry> MemfdInodes() => Cached("memfd.img", r =>
    {
        var inodes = new Dictionary<ulong, MemfdInodeEntry>();
        foreach (var m in r.ReadAll(MemfdInodeEntry.Parser))
            inodes[m.InodeId] = m;
        return inodes;
    }, CriuMagic.MemfdInode);

    /// <summary><c>ipcns-shm-&lt;ns&gt;.img</c>: the SysV shared memory segments of an IPC namespace (payloads skipped when not in pagemaps).</summary>
    public IReadOnlyList<IpcShmEntry> IpcShm(uint ns) => Cached($"ipcns-shm-{ns}.img", r =>
    {
        var list = new List<IpcShmEntry>();
        while (r.TryRead(IpcShmEntry.Parser, out var e))
        {
            list.Add(e);
            if (!e.InPagemaps)
                r.ReadPayload((e.Size + 3) & ~3UL);
        }
        return list;
    }, CriuMagic.IpcnsShm);

    /// <summary>A UTS namespace (<c>utsns-&lt;id&gt;.img</c>).</summary>
    public UtsnsEntry Utsns(uint ns) => Cached($"utsns-{ns}.img", r => r.Read(UtsnsEntry.Parser), CriuMagic.Utsns);

    /// <summary>An IPC namespace's variables (<c>ipcns-var-&lt;id&gt;.img</c>).</summary>
    public IpcVarEntry IpcVar(uint ns) => Cached($"ipcns-var-{ns}.img", r => r.Read(IpcVarEntry.Parser), CriuMagic.IpcVar);

    /// <summary>A network namespace (<c>netns-&lt;id&gt;.img</c>).</summary>
    public NetnsEntry Netns(uint ns) => Cached($"netns-{ns}.img", r => r.Read(NetnsEntry.Parser), CriuMagic.Netns);

    /// <summary>A network namespace's devices (<c>netdev-&lt;id&gt;.img</c>).</summary>
    public IReadOnlyList<NetDeviceEntry> NetDevices(uint ns) => Cached($"netdev-{ns}.img", r => r.ReadAll(NetDeviceEntry.Parser), CriuMagic.Netdev);

    /// <summary>A user namespace (<c>userns-&lt;id&gt;.img</c>).</summary>
    public UsernsEntry Userns(uint ns) => Cached($"userns-{ns}.img", r => r.Read(UsernsEntry.Parser), CriuMagic.Userns);

    /// <summary>A PID namespace (<c>pidns-&lt;id&gt;.img</c>).</summary>
    public PidnsEntry Pidns(uint ns) => Cached($"pidns-{ns}.img", r => r.Read(PidnsEntry.Parser), CriuMagic.Pidns);

    /// <summary><c>timens-&lt;ns&gt;.img</c>; <c>timens-0.img</c> holds CRIU's own clocks when the tree has no time namespace.</summary>
    public TimensEntry Timens(uint ns) => Cached($"timens-{ns}.img", r => r.Read(TimensEntry.Parser), CriuMagic.Timens);

    /// <summary>The interface addresses of a network namespace (raw <c>ifaddr-&lt;ns&gt;.img</c>).</summary>
    public IReadOnlyList<InterfaceAddress> InterfaceAddresses(uint ns) =>
        Cached($"ifaddr-{ns}.img", () => IfaddrImage.Parse($"ifaddr-{ns}.img", Image($"ifaddr-{ns}.img").Span));

    /// <summary>The cgroups (<c>cgroup.img</c>).</summary>
    public CgroupEntry Cgroup() => Cached("cgroup.img", r => r.Read(CgroupEntry.Parser), CriuMagic.Cgroup);

    /// <summary>The seccomp filters (<c>seccomp.img</c>).</summary>
    public SeccompEntry Seccomp() => Cached("seccomp.img", r => r.Read(SeccompEntry.Parser), CriuMagic.Seccomp);

    /// <summary>The dump's inventory (<c>inventory.img</c>).</summary>
    public InventoryEntry Inventory() => Cached("inventory.img", r => r.Read(InventoryEntry.Parser), CriuMagic.Inventory);

    /// <summary>
    /// The open-file table by file id (a later duplicate id wins, as in CRIU's lookup table): <c>files.img</c>, or,
    /// as CRIU restores images of 3.3 and older that have none, the legacy per-type images.
    /// </summary>
    public IReadOnlyDictionary<uint, FileEntry> Files()
    {
        if (!Has("files.img") && LegacyFileImages.Names.Any(Has))
            return Cached("legacy file images", () => LegacyFileImages.Decode(name => Has(name) ? Image(name) : (ReadOnlyMemory<byte>?)null));
        return Cached("files.img", r =>
        {
            var files = new Dictionary<uint, FileEntry>();
            foreach (var f in r.ReadAll(FileEntry.Parser))
                files[f.Id] = f;
            return files;
        }, CriuMagic.Files);
    }

    /// <summary>A <c>mountpoints-&lt;mnt ns id&gt;.img</c>: the mounts of one dumped mount namespace.</summary>
    public IReadOnlyList<MntEntry> Mounts(string image) => Cached(image, r => r.ReadAll(MntEntry.Parser), CriuMagic.Mnts);

    /// <summary>The paths of files remapped at dump (<c>remap-fpath.img</c>), none when absent.</summary>
    public IReadOnlyList<RemapFilePathEntry> RemapFilePaths() =>
        Cached("remap-fpath.img", r => r.ReadAll(RemapFilePathEntry.Parser), CriuMagic.RemapFpath);

    /// <summary><c>pipes-data.img</c>: each pipe's buffered bytes follow its entry (format doc §1.5).</summary>
    public IReadOnlyList<(PipeDataEntry Entry, ReadOnlyMemory<byte> Data)> PipesData() =>
        Cached("pipes-data.img", r => WithPayloads(r, PipeDataEntry.Parser, e => e.Bytes), CriuMagic.PipesData);

    /// <summary><c>sk-queues.img</c>: one queued packet of a unix socket follows each entry.</summary>
    public IReadOnlyList<(SkPacketEntry Entry, ReadOnlyMemory<byte> Data)> SocketQueues() =>
        Cached("sk-queues.img", r => WithPayloads(r, SkPacketEntry.Parser, e => e.Length), CriuMagic.SkQueues);

    /// <summary><c>tcp-stream-&lt;inode hex&gt;.img</c>: the receive queue then the send queue follow the entry.</summary>
    public (TcpStreamEntry Entry, ReadOnlyMemory<byte> InQueue, ReadOnlyMemory<byte> OutQueue) TcpStream(uint inode) =>
        Cached($"tcp-stream-{inode:x}.img", r =>
        {
            var entry = r.Read(TcpStreamEntry.Parser);
            return Tuple.Create(entry, r.ReadPayload(entry.InqLen), r.ReadPayload(entry.OutqLen));
        }, CriuMagic.TcpStream).ToValueTuple();

    private static List<(T, ReadOnlyMemory<byte>)> WithPayloads<T>(CriuImageReader reader, MessageParser<T> parser, Func<T, uint> payloadLength)
        where T : IMessage<T>
    {
        var list = new List<(T, ReadOnlyMemory<byte>)>();
        while (reader.TryRead(parser, out var entry))
            list.Add((entry, reader.ReadPayload(payloadLength(entry))));
        return list;
    }

    /// <summary>
    /// The pagemap of a process, checked against the inventory's compression settings; the page size is the one that
    /// makes the pagemap fit its pages file (4 KiB unless another fits).
    /// </summary>
    public Pagemap Pagemap(uint pid) => PagemapNamed($"pagemap-{pid}.img");

    /// <summary>The pagemap of a shared memory object (memfd, anonymous shared or SysV); its addresses are object offsets.</summary>
    public Pagemap ShmemPagemap(ulong shmid) => PagemapNamed(ShmemPagemapName(shmid));

    /// <summary>The pagemap of a shared memory object decoded with the page size of the processes that map it (a pagemap with no pages here cannot tell it).</summary>
    public Pagemap ShmemPagemap(ulong shmid, int pageSize) =>
        Criu.Pagemap.Decode(ShmemPagemapName(shmid), Image(ShmemPagemapName(shmid)), pageSize, PagesCompression());

    private static string ShmemPagemapName(ulong shmid) => $"pagemap-shmem-{shmid}.img";

    private Pagemap PagemapNamed(string name)
    {
        if (_cache.TryGetValue(name, out var cached))
            return (Pagemap)cached;
        var bytes = Image(name);
        var compression = PagesCompression();
        var pagemap = Criu.Pagemap.Decode(name, bytes, PageSizes[0], compression);
        var pages = Archive.TryGetMember(Prefix + pagemap.PagesImageName, out var m) ? m.Size : -1;
        if (pages >= 0 && pagemap.PresentPages > 0 && pages != pagemap.PagesFileLength)
        {
            foreach (var size in PageSizes.Skip(1))
            {
                try
                {
                    var other = Criu.Pagemap.Decode(name, bytes, size, compression);
                    if (other.PagesFileLength == pages)
                    {
                        pagemap = other;
                        break;
                    }
                }
                catch (InvalidCheckpointException)
                {
                    // Not this page size (e.g. its regions would exceed the 4 MiB limit).
                }
            }
        }
        _cache[name] = pagemap;
        return pagemap;
    }

    /// <summary>How the inventory says pages are stored, or null without an inventory (pagemaps are then read unvalidated).</summary>
    public PagesCompression? PagesCompression() =>
        Has("inventory.img") ? Criu.PagesCompression.FromInventory(Inventory()) : null;

    /// <summary>The memory of a process, read from its pages file wherever the page source serves it from.</summary>
    /// <exception cref="MissingCheckpointDataException">The pagemap or pages image is missing.</exception>
    public ProcessMemory Memory(uint pid)
    {
        var pagemap = Pagemap(pid);
        var member = Prefix + pagemap.PagesImageName;
        if (!Archive.Contains(member))
        {
            // Whole-file compressed pages of an earlier, incompatible experiment (CRaC): say so rather than "missing".
            var whole = $"pages-{pagemap.PagesId}.comp.img";
            if (Has(whole))
                throw new InvalidCheckpointException($"{whole}: whole-file compressed pages are not supported");
            throw MissingImage(pagemap.PagesImageName);
        }
        var parent = _parents != null ? () => Parent().Memory(pid) : (Func<ProcessMemory>?)null;
        return new ProcessMemory(pagemap, _pages.Open(member), parent, Child != null ? Input?.Path + ": " + Prefix : null);
    }

    /// <summary>
    /// The memory of shared memory object <paramref name="shmid"/> (offsets as addresses), its pages in parent image
    /// sets read from their <c>pagemap-shmem-&lt;id&gt;.img</c> as CRIU restores them (criu/shmem.c, pagemap.c).
    /// </summary>
    /// <param name="shmid">The shared memory object's ID (a mapping's <c>shmid</c>).</param>
    /// <param name="pageSize">The page size of the processes that map it.</param>
    /// <exception cref="MissingCheckpointDataException">The pagemap or pages image is missing.</exception>
    public ProcessMemory SharedMemory(ulong shmid, int pageSize)
    {
        var pagemap = ShmemPagemap(shmid, pageSize);
        var member = Prefix + pagemap.PagesImageName;
        if (!Archive.Contains(member))
            throw MissingImage(pagemap.PagesImageName);
        var parent = _parents != null ? () => Parent().SharedMemory(shmid, pageSize) : (Func<ProcessMemory>?)null;
        return new ProcessMemory(pagemap, _pages.Open(member), parent, Child != null ? Input?.Path + ": " + Prefix : null);
    }

    /// <summary>The raw bytes of an image, or a "no such file" error in upstream's words.</summary>
    public ReadOnlyMemory<byte> Image(string image) =>
        Archive.TryGetBytes(Prefix + image) ?? throw MissingImage(image);

    private MissingCheckpointDataException MissingImage(string image) =>
        new($"error opening binary file: open {(Child != null ? Input?.Path + ": " : "")}{Prefix}{image}: no such file or directory");

    private T Cached<T>(string image, Func<CriuImageReader, T> decode, uint magic) where T : class =>
        Cached(image, () => decode(CriuImageReader.Open(image, Image(image), magic)));

    private T Cached<T>(string key, Func<T> decode) where T : class
    {
        if (_cache.TryGetValue(key, out var cached))
            return (T)cached;
        var value = decode();
        _cache[key] = value;
        return value;
    }

    /// <summary>Decodes a single-entry image that is not under <c>checkpoint/</c> (e.g. <c>stats-dump</c>).</summary>
    public static T ReadSingle<T>(string name, ReadOnlyMemory<byte> bytes, uint magic, MessageParser<T> parser) where T : IMessage<T> =>
        CriuImageReader.Open(name, bytes, magic).Read(parser);
}
