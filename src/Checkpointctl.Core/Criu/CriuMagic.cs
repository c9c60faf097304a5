namespace Checkpointctl.Core.Criu;

/// <summary>
/// CRIU image magic numbers (criu-image-format.md §1.2 and §1.6).
/// </summary>
public static class CriuMagic
{
    // Head magics (first u32 of every v1.1 image except inventory.img).
    public const uint ImgCommon = 0x54564319;
    public const uint ImgService = 0x55105940;

    /// <summary>RAW_IMAGE_MAGIC: raw images (pages, ifaddr, route, ...) carry no magic at all.</summary>
    public const uint RawImage = 0;

    /// <summary>KDAT_MAGIC: CRIU's kernel-feature cache; never part of an image set.</summary>
    public const uint Kdat = 0x57023458;

    // Type magics, current images.
    public const uint Inventory = 0x58313116;
    public const uint Pstree = 0x50273030;
    public const uint Core = 0x55053847;
    public const uint Ids = 0x54432030;
    public const uint Mm = 0x57492820;
    public const uint Pagemap = 0x56084025;
    public const uint ShmemPagemap = Pagemap;
    public const uint Fdinfo = 0x56213732;
    public const uint Files = 0x56303138;
    public const uint Fs = 0x51403912;
    public const uint Utsns = 0x54473203;
    public const uint IpcVar = 0x53115007;
    public const uint IpcnsShm = 0x46283044;
    public const uint IpcnsMsg = 0x55453737;
    public const uint IpcnsSem = 0x59573019;
    public const uint Mnts = 0x55563928;
    public const uint Netdev = 0x57373951;
    public const uint Netns = 0x55933752;
    public const uint Userns = 0x55474906;
    public const uint Timens = 0x43114433;
    public const uint Pidns = 0x61157326;
    public const uint Cgroup = 0x59383330;
    public const uint Seccomp = 0x64413049;
    public const uint Apparmor = 0x59423047;
    public const uint RemapFpath = 0x59133954;
    public const uint GhostFile = 0x52583605;
    public const uint MemfdInode = 0x48453499;
    public const uint TcpStream = 0x51465506;
    public const uint SkQueues = 0x56264026;
    public const uint PipesData = 0x56453709;
    public const uint FifoData = 0x59333054;
    public const uint TtyInfo = 0x59453036;
    public const uint TtyData = 0x59413026;
    public const uint FileLocks = 0x54323616;
    public const uint BpfmapData = 0x64324033;
    public const uint BinfmtMisc = 0x67343323;
    public const uint Autofs = 0x49353943;
    public const uint Cpuinfo = 0x61404013;
    public const uint Stats = 0x57093306;
    public const uint IrmapCache = 0x57004059;

    // Type magics, legacy per-type images.
    public const uint RegFiles = 0x50363636;
    public const uint ExtFiles = 0x59255641;
    public const uint NsFiles = 0x61394011;
    public const uint EventfdFile = 0x44523722;
    public const uint EventpollFile = 0x45023858;
    public const uint EventpollTfd = 0x44433746;
    public const uint Signalfd = 0x57323820;
    public const uint Timerfd = 0x50493712;
    public const uint InotifyFile = 0x48424431;
    public const uint InotifyWd = 0x54562009;
    public const uint FanotifyFile = 0x55096122;
    public const uint FanotifyMark = 0x56506035;
    public const uint Pipes = 0x56513555;
    public const uint Fifo = 0x58364939;
    public const uint Unixsk = 0x54373943;
    public const uint Inetsk = 0x56443851;
    public const uint Packetsk = 0x60454618;
    public const uint NetlinkSk = 0x58005614;
    public const uint TtyFiles = 0x59433025;
    public const uint Tunfile = 0x57143751;
    public const uint BpfmapFile = 0x57506142;
    public const uint Pidfd = 0x54435556;
    public const uint Vmas = 0x54123737;
    public const uint Sigact = 0x55344201;
    public const uint Creds = 0x54023547;
    public const uint Rlimit = 0x57113925;
    public const uint Itimers = 0x57464056;
    public const uint PosixTimers = 0x52603957;
    public const uint Signal = 0x59255647;
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
