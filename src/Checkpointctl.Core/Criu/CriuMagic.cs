namespace Checkpointctl.Core.Criu;

/// <summary>
/// CRIU image magic numbers (criu-image-format.md §1.2 and §1.6).
/// </summary>
public static class CriuMagic
{
    // Head magics (first u32 of every v1.1 image except inventory.img).
    /// <summary>Head magic: the first word of every image of CRIU 1.1 and later except inventory.img and service images.</summary>
    public const uint ImgCommon = 0x54564319;
    /// <summary>Head magic of service images (inventory, stats, irmap cache).</summary>
    public const uint ImgService = 0x55105940;

    /// <summary>RAW_IMAGE_MAGIC: raw images (pages, ifaddr, route, ...) carry no magic at all.</summary>
    public const uint RawImage = 0;

    /// <summary>KDAT_MAGIC: CRIU's kernel-feature cache; never part of an image set.</summary>
    public const uint Kdat = 0x57023458;

    // Type magics, current images.
    /// <summary>Magic of <c>inventory.img</c>.</summary>
    public const uint Inventory = 0x58313116;
    /// <summary>Magic of <c>pstree.img</c>.</summary>
    public const uint Pstree = 0x50273030;
    /// <summary>Magic of <c>core-*.img</c>.</summary>
    public const uint Core = 0x55053847;
    /// <summary>Magic of <c>ids-*.img</c>.</summary>
    public const uint Ids = 0x54432030;
    /// <summary>Magic of <c>mm-*.img</c>.</summary>
    public const uint Mm = 0x57492820;
    /// <summary>Magic of <c>pagemap-*.img</c>.</summary>
    public const uint Pagemap = 0x56084025;
    /// <summary>Magic of <c>pagemap-shmem-*.img</c> (as pagemap).</summary>
    public const uint ShmemPagemap = Pagemap;
    /// <summary>Magic of <c>fdinfo-*.img</c>.</summary>
    public const uint Fdinfo = 0x56213732;
    /// <summary>Magic of <c>files.img</c>.</summary>
    public const uint Files = 0x56303138;
    /// <summary>Magic of <c>fs-*.img</c>.</summary>
    public const uint Fs = 0x51403912;
    /// <summary>Magic of <c>utsns-*.img</c>.</summary>
    public const uint Utsns = 0x54473203;
    /// <summary>Magic of <c>ipcns-var-*.img</c>.</summary>
    public const uint IpcVar = 0x53115007;
    /// <summary>Magic of <c>ipcns-shm-*.img</c>.</summary>
    public const uint IpcnsShm = 0x46283044;
    /// <summary>Magic of <c>ipcns-msg-*.img</c>.</summary>
    public const uint IpcnsMsg = 0x55453737;
    /// <summary>Magic of <c>ipcns-sem-*.img</c>.</summary>
    public const uint IpcnsSem = 0x59573019;
    /// <summary>Magic of <c>mountpoints-*.img</c>.</summary>
    public const uint Mnts = 0x55563928;
    /// <summary>Magic of <c>netdev-*.img</c>.</summary>
    public const uint Netdev = 0x57373951;
    /// <summary>Magic of <c>netns-*.img</c>.</summary>
    public const uint Netns = 0x55933752;
    /// <summary>Magic of <c>userns-*.img</c>.</summary>
    public const uint Userns = 0x55474906;
    /// <summary>Magic of <c>timens-*.img</c>.</summary>
    public const uint Timens = 0x43114433;
    /// <summary>Magic of <c>pidns-*.img</c>.</summary>
    public const uint Pidns = 0x61157326;
    /// <summary>Magic of <c>cgroup.img</c>.</summary>
    public const uint Cgroup = 0x59383330;
    /// <summary>Magic of <c>seccomp.img</c>.</summary>
    public const uint Seccomp = 0x64413049;
    /// <summary>Magic of <c>apparmor.img</c>.</summary>
    public const uint Apparmor = 0x59423047;
    /// <summary>Magic of <c>remap-fpath.img</c>.</summary>
    public const uint RemapFpath = 0x59133954;
    /// <summary>Magic of <c>ghost-file-*.img</c>.</summary>
    public const uint GhostFile = 0x52583605;
    /// <summary>Magic of <c>memfd.img</c>.</summary>
    public const uint MemfdInode = 0x48453499;
    /// <summary>Magic of <c>tcp-stream-*.img</c>.</summary>
    public const uint TcpStream = 0x51465506;
    /// <summary>Magic of <c>sk-queues.img</c>.</summary>
    public const uint SkQueues = 0x56264026;
    /// <summary>Magic of <c>pipes-data.img</c>.</summary>
    public const uint PipesData = 0x56453709;
    /// <summary>Magic of <c>fifo-data.img</c>.</summary>
    public const uint FifoData = 0x59333054;
    /// <summary>Magic of <c>tty-info.img</c>.</summary>
    public const uint TtyInfo = 0x59453036;
    /// <summary>Magic of <c>tty-data.img</c>.</summary>
    public const uint TtyData = 0x59413026;
    /// <summary>Magic of <c>filelocks.img</c>.</summary>
    public const uint FileLocks = 0x54323616;
    /// <summary>Magic of <c>bpfmap-data.img</c>.</summary>
    public const uint BpfmapData = 0x64324033;
    /// <summary>Magic of <c>binfmt-misc.img</c>.</summary>
    public const uint BinfmtMisc = 0x67343323;
    /// <summary>Magic of <c>autofs-*.img</c>.</summary>
    public const uint Autofs = 0x49353943;
    /// <summary>Magic of <c>cpuinfo.img</c>.</summary>
    public const uint Cpuinfo = 0x61404013;
    /// <summary>Magic of <c>stats-dump</c> and stats-restore.</summary>
    public const uint Stats = 0x57093306;
    /// <summary>Magic of <c>irmap-cache.img</c>.</summary>
    public const uint IrmapCache = 0x57004059;

    // Type magics, legacy per-type images.
    /// <summary>Magic of <c>reg-files.img</c> (CRIU before 3.4).</summary>
    public const uint RegFiles = 0x50363636;
    /// <summary>Magic of <c>ext-files.img</c> (CRIU before 3.4).</summary>
    public const uint ExtFiles = 0x59255641;
    /// <summary>Magic of <c>ns-files.img</c> (CRIU before 3.4).</summary>
    public const uint NsFiles = 0x61394011;
    /// <summary>Magic of <c>eventfd.img</c> (CRIU before 3.4).</summary>
    public const uint EventfdFile = 0x44523722;
    /// <summary>Magic of <c>eventpoll.img</c> (CRIU before 3.4).</summary>
    public const uint EventpollFile = 0x45023858;
    /// <summary>Magic of <c>eventpoll-tfd.img</c>.</summary>
    public const uint EventpollTfd = 0x44433746;
    /// <summary>Magic of <c>signalfd.img</c> (CRIU before 3.4).</summary>
    public const uint Signalfd = 0x57323820;
    /// <summary>Magic of <c>timerfd.img</c> (CRIU before 3.4).</summary>
    public const uint Timerfd = 0x50493712;
    /// <summary>Magic of <c>inotify.img</c> (CRIU before 3.4).</summary>
    public const uint InotifyFile = 0x48424431;
    /// <summary>Magic of <c>inotify-wd.img</c>.</summary>
    public const uint InotifyWd = 0x54562009;
    /// <summary>Magic of <c>fanotify.img</c> (CRIU before 3.4).</summary>
    public const uint FanotifyFile = 0x55096122;
    /// <summary>Magic of <c>fanotify-mark.img</c>.</summary>
    public const uint FanotifyMark = 0x56506035;
    /// <summary>Magic of <c>pipes.img</c> (CRIU before 3.4).</summary>
    public const uint Pipes = 0x56513555;
    /// <summary>Magic of <c>fifo.img</c> (CRIU before 3.4).</summary>
    public const uint Fifo = 0x58364939;
    /// <summary>Magic of <c>unixsk.img</c> (CRIU before 3.4).</summary>
    public const uint Unixsk = 0x54373943;
    /// <summary>Magic of <c>inetsk.img</c> (CRIU before 3.4).</summary>
    public const uint Inetsk = 0x56443851;
    /// <summary>Magic of <c>packetsk.img</c> (CRIU before 3.4).</summary>
    public const uint Packetsk = 0x60454618;
    /// <summary>Magic of <c>netlinksk.img</c> (CRIU before 3.4).</summary>
    public const uint NetlinkSk = 0x58005614;
    /// <summary>Magic of <c>tty.img</c> (CRIU before 3.4).</summary>
    public const uint TtyFiles = 0x59433025;
    /// <summary>Magic of <c>tunfile.img</c> (CRIU before 3.4).</summary>
    public const uint Tunfile = 0x57143751;
    /// <summary>Magic of <c>bpfmap-file.img</c> (CRIU before 3.4).</summary>
    public const uint BpfmapFile = 0x57506142;
    /// <summary>Magic of <c>pidfd.img</c>.</summary>
    public const uint Pidfd = 0x54435556;
    /// <summary>Magic of <c>vmas-*.img</c> (CRIU 1.x/2.x).</summary>
    public const uint Vmas = 0x54123737;
    /// <summary>Magic of <c>sigacts-*.img</c> (old CRIU).</summary>
    public const uint Sigact = 0x55344201;
    /// <summary>Magic of <c>creds-*.img</c> (old CRIU).</summary>
    public const uint Creds = 0x54023547;
    /// <summary>Magic of <c>rlimit-*.img</c> (old CRIU).</summary>
    public const uint Rlimit = 0x57113925;
    /// <summary>Magic of <c>itimers-*.img</c> (old CRIU).</summary>
    public const uint Itimers = 0x57464056;
    /// <summary>Magic of <c>posix-timers-*.img</c> (old CRIU).</summary>
    public const uint PosixTimers = 0x52603957;
    /// <summary>Magic of <c>signal-*.img</c>.</summary>
    public const uint Signal = 0x59255647;
    /// <summary>Magic of <c>signal-p-*.img</c> (as signal).</summary>
    public const uint Psignal = Signal;

    /// <summary>
    /// Returns the CRIU magic name (as in the §1.6 table, e.g. "PSTREE") for a type magic,
    /// or null when the value is not a known type magic. Shared values return the first name
    /// (PAGEMAP for SHMEM_PAGEMAP, SIGNAL for PSIGNAL).
    /// </summary>
    public static string? NameOf(uint magic) => magic switch
    {
        Inventory => "INVENTORY",
        Pstree => "PSTREE",
        Core => "CORE",
        Ids => "IDS",
        Mm => "MM",
        Pagemap => "PAGEMAP",
        Fdinfo => "FDINFO",
        Files => "FILES",
        Fs => "FS",
        Utsns => "UTSNS",
        IpcVar => "IPC_VAR",
        IpcnsShm => "IPCNS_SHM",
        IpcnsMsg => "IPCNS_MSG",
        IpcnsSem => "IPCNS_SEM",
        Mnts => "MNTS",
        Netdev => "NETDEV",
        Netns => "NETNS",
        Userns => "USERNS",
        Timens => "TIMENS",
        Pidns => "PIDNS",
        Cgroup => "CGROUP",
        Seccomp => "SECCOMP",
        Apparmor => "APPARMOR",
        RemapFpath => "REMAP_FPATH",
        GhostFile => "GHOST_FILE",
        MemfdInode => "MEMFD_INODE",
        TcpStream => "TCP_STREAM",
        SkQueues => "SK_QUEUES",
        PipesData => "PIPES_DATA",
        FifoData => "FIFO_DATA",
        TtyInfo => "TTY_INFO",
        TtyData => "TTY_DATA",
        FileLocks => "FILE_LOCKS",
        BpfmapData => "BPFMAP_DATA",
        BinfmtMisc => "BINFMT_MISC",
        Autofs => "AUTOFS",
        Cpuinfo => "CPUINFO",
        Stats => "STATS",
        IrmapCache => "IRMAP_CACHE",
        RegFiles => "REG_FILES",
        ExtFiles => "EXT_FILES",
        NsFiles => "NS_FILES",
        EventfdFile => "EVENTFD_FILE",
        EventpollFile => "EVENTPOLL_FILE",
        EventpollTfd => "EVENTPOLL_TFD",
        Signalfd => "SIGNALFD",
        Timerfd => "TIMERFD",
        InotifyFile => "INOTIFY_FILE",
        InotifyWd => "INOTIFY_WD",
        FanotifyFile => "FANOTIFY_FILE",
        FanotifyMark => "FANOTIFY_MARK",
        Pipes => "PIPES",
        Fifo => "FIFO",
        Unixsk => "UNIXSK",
        Inetsk => "INETSK",
        Packetsk => "PACKETSK",
        NetlinkSk => "NETLINK_SK",
        TtyFiles => "TTY_FILES",
        Tunfile => "TUNFILE",
        BpfmapFile => "BPFMAP_FILE",
        Pidfd => "PIDFD",
        Vmas => "VMAS",
        Sigact => "SIGACT",
        Creds => "CREDS",
        Rlimit => "RLIMIT",
        Itimers => "ITIMERS",
        PosixTimers => "POSIX_TIMERS",
        Signal => "SIGNAL",
        _ => null,
    };
}
