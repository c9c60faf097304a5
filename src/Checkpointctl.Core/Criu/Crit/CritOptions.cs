namespace Checkpointctl.Core.Criu.Crit;

/// <summary>
/// The <c>(criu)</c> field options of CRIU's <c>.proto</c> files that change crit's pretty output (forensics.md §4.4, §4.5),
/// keyed by <c>Message.field</c> with the C# message names of this project's protos.
/// </summary>
internal static class CritOptions
{
    /// <summary>Integer fields shown as <c>0x%x</c>.</summary>
    public static readonly HashSet<string> Hex =
    [
        "ThreadInfoX86.clear_tid_addr", "ThreadInfoAarch64.clear_tid_addr",
        "TaskCoreEntry.blk_sigset", "TaskCoreEntry.blk_sigset_extended", "TaskCoreEntry.membarrier_registration_mask",
        "UserX86CetEntry.cet", "UserX86CetEntry.ssp",
        "MmEntry.mm_start_code", "MmEntry.mm_end_code", "MmEntry.mm_start_data", "MmEntry.mm_end_data", "MmEntry.mm_start_stack",
        "MmEntry.mm_start_brk", "MmEntry.mm_brk", "MmEntry.mm_arg_start", "MmEntry.mm_arg_end", "MmEntry.mm_env_start", "MmEntry.mm_env_end",
        "VmaEntry.start", "VmaEntry.end", "VmaEntry.madv", "VmaEntry.fdflags",
        "PagemapEntry.vaddr",
        "SaEntry.sigaction", "SaEntry.flags", "SaEntry.restorer", "SaEntry.mask", "SaEntry.mask_extended",
        "MntEntry.flags", "MntEntry.sb_flags",
        "NetDeviceEntry.flags", "PacketSockEntry.flags", "PipeEntry.flags", "SignalfdEntry.flags", "SignalfdEntry.sigmask",
        "InetSkEntry.flags", "NetlinkSkEntry.flags", "UnixSkEntry.flags", "UnixSkEntry.uflags", "TcpStreamEntry.opt_mask",
        "TimerfdEntry.flags", "TimerfdEntry.settime_flags", "TtyFileEntry.flags", "TunLinkEntry.flags",
        "InotifyWdEntry.mask", "InotifyWdEntry.ignored_mask", "InotifyFileEntry.flags",
        "FanotifyMarkEntry.mflags", "FanotifyMarkEntry.mask", "FanotifyMarkEntry.ignored_mask",
        "FanotifyFileEntry.flags", "FanotifyFileEntry.faflags", "FanotifyFileEntry.evflags",
    ];

    /// <summary>Message fields whose every integer inside (at any depth) is shown as hex.</summary>
    public static readonly HashSet<string> HexMessages = ["ThreadInfoX86.gpregs", "ThreadInfoAarch64.gpregs"];

    /// <summary>Fields with a flag map.</summary>
    public static readonly Dictionary<string, string> Flags = new()
    {
        ["VmaEntry.prot"] = "mmap.prot", ["VmaEntry.flags"] = "mmap.flags", ["VmaEntry.status"] = "mmap.status",
        ["PagemapEntry.flags"] = "pmap.flags",
        ["RegFileEntry.flags"] = "rfile.flags", ["MemfdFileEntry.flags"] = "rfile.flags", ["BpfmapFileEntry.flags"] = "rfile.flags",
        ["MemfdInodeEntry.seals"] = "seals.flags",
    };

    /// <summary>dev_t fields (kernel encoding), and those in the old glibc encoding.</summary>
    public static readonly HashSet<string> Dev =
        ["MntEntry.root_dev", "GhostFileEntry.dev", "InotifyWdEntry.s_dev", "FanotifyMarkEntry.s_dev", "GhostFileEntry.rdev", "IrmapCacheEntry.dev"];

    public static readonly HashSet<string> OldDev = ["GhostFileEntry.rdev", "IrmapCacheEntry.dev"];

    /// <summary>Fields looked up in a dict map (by field name).</summary>
    public static readonly Dictionary<string, string> Dict = new()
    {
        ["TaskCoreEntry.task_state"] = "gen",
        ["InetSkEntry.family"] = "sk", ["InetSkEntry.type"] = "sk", ["InetSkEntry.proto"] = "sk", ["InetSkEntry.state"] = "sk",
        ["UnixSkEntry.type"] = "sk", ["UnixSkEntry.state"] = "sk",
    };

    /// <summary>Repeated u32 fields holding an IPv4 or IPv6 address.</summary>
    public static readonly HashSet<string> IpAddress =
        ["InetSkEntry.src_addr", "InetSkEntry.dst_addr", "SitEntry.local", "SitEntry.remote", "SitEntry.rd_prefix", "SitEntry.relay_prefix"];

    /// <summary>Bytes shown quoted-printable (always, not only when pretty).</summary>
    public static readonly HashSet<string> UnixName = ["UnixSkEntry.name"];

    public static readonly Dictionary<string, (ulong Bit, string Name)[]> FlagMaps = new()
    {
        ["mmap.prot"] = [(0x1, "PROT_READ"), (0x2, "PROT_WRITE"), (0x4, "PROT_EXEC")],
        ["mmap.flags"] = [(0x1, "MAP_SHARED"), (0x2, "MAP_PRIVATE"), (0x8, "MAP_DROPPABLE"), (0x20, "MAP_ANON"), (0x100, "MAP_GROWSDOWN")],
        ["mmap.status"] =
        [
            (0x1, "VMA_AREA_REGULAR"), (0x2, "VMA_AREA_STACK"), (0x4, "VMA_AREA_VSYSCALL"), (0x8, "VMA_AREA_VDSO"), (0x20, "VMA_AREA_HEAP"),
            (0x40, "VMA_FILE_PRIVATE"), (0x80, "VMA_FILE_SHARED"), (0x100, "VMA_ANON_SHARED"), (0x200, "VMA_ANON_PRIVATE"),
            (0x400, "VMA_AREA_SYSVIPC"), (0x800, "VMA_AREA_SOCKET"), (0x1000, "VMA_AREA_VVAR"), (0x2000, "VMA_AREA_AIORING"),
            (0x4000, "VMA_AREA_MEMFD"), (0x8000, "VMA_AREA_SHSTK"), (0x20000, "VMA_AREA_UPROBES"), (0x80000000, "VMA_UNSUPP"),
        ],
        ["rfile.flags"] =
        [
            (0x1, "O_WRONLY"), (0x2, "O_RDWR"), (0x40, "O_CREAT"), (0x80, "O_EXCL"), (0x100, "O_NOCTTY"), (0x200, "O_TRUNC"),
            (0x400, "O_APPEND"), (0x800, "O_NONBLOCK"), (0x1000, "O_DSYNC"), (0x2000, "FASYNC"), (0x4000, "O_DIRECT"),
            (0x8000, "O_LARGEFILE"), (0x10000, "O_DIRECTORY"), (0x20000, "O_NOFOLLOW"), (0x40000, "O_NOATIME"), (0x80000, "O_CLOEXEC"),
        ],
        ["pmap.flags"] = [(0x1, "PE_PARENT"), (0x2, "PE_LAZY"), (0x4, "PE_PRESENT")],
        ["seals.flags"] = [(0x1, "F_SEAL_SEAL"), (0x2, "F_SEAL_SHRINK"), (0x4, "F_SEAL_GROW"), (0x8, "F_SEAL_WRITE"), (0x10, "F_SEAL_FUTURE_WRITE")],
    };

    public static readonly Dictionary<string, Dictionary<string, Dictionary<ulong, string>>> DictMaps = new()
    {
        ["gen"] = new() { ["task_state"] = new() { [1] = "Alive", [3] = "Zombie", [6] = "Stopped" } },
        ["sk"] = new()
        {
            ["family"] = new() { [1] = "UNIX", [2] = "INET", [10] = "INET6", [16] = "NETLINK", [17] = "PACKET" },
            ["type"] = new() { [1] = "STREAM", [2] = "DGRAM", [3] = "RAW", [5] = "SEQPACKET", [10] = "PACKET" },
            ["state"] = new()
            {
                [1] = "ESTABLISHED", [2] = "SYN_SENT", [3] = "SYN_RECV", [4] = "FIN_WAIT1", [5] = "FIN_WAIT2", [6] = "TIME_WAIT",
                [7] = "CLOSE", [8] = "CLOSE_WAIT", [9] = "LAST_ACK", [10] = "LISTEN",
            },
            ["proto"] = new() { [0] = "IP", [6] = "TCP", [17] = "UDP", [136] = "UDPLITE" },
        },
    };
}
