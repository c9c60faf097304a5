namespace Checkpointctl.Core.Model;

/// <summary>Linux capability and securebits names (forensics.md §2.5).</summary>
public static class Capabilities
{
    private static readonly string[] Names =
    [
        "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP", "LINUX_IMMUTABLE",
        "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE",
        "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE",
        "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF",
        "CHECKPOINT_RESTORE",
    ];

    private static readonly string[] SecurebitNames =
    [
        "NOROOT", "NOROOT_LOCKED", "NO_SETUID_FIXUP", "NO_SETUID_FIXUP_LOCKED", "KEEP_CAPS", "KEEP_CAPS_LOCKED",
        "NO_CAP_AMBIENT_RAISE", "NO_CAP_AMBIENT_RAISE_LOCKED", "EXEC_RESTRICT_FILE", "EXEC_RESTRICT_FILE_LOCKED",
        "EXEC_DENY_INTERACTIVE", "EXEC_DENY_INTERACTIVE_LOCKED",
    ];

    /// <summary>CRIU's two 32-bit words (caps 0-31, then 32-63) as one mask.</summary>
    public static ulong Mask(IList<uint> words) =>
        (words.Count > 0 ? words[0] : 0) | (words.Count > 1 ? (ulong)words[1] << 32 : 0);

    /// <summary><c>CAP_CHOWN</c> …, bits beyond the known ones as <c>cap_41</c>.</summary>
    public static IReadOnlyList<string> NamesOf(ulong mask)
    {
        var list = new List<string>();
        for (var bit = 0; bit < 64; bit++)
        {
            if ((mask & (1UL << bit)) != 0)
                list.Add(bit < Names.Length ? "CAP_" + Names[bit] : $"cap_{bit}");
        }
        return list;
    }

    /// <summary>The names of the securebits set in <paramref name="bits"/>.</summary>
    public static IReadOnlyList<string> SecurebitsOf(uint bits)
    {
        var list = new List<string>();
        for (var bit = 0; bit < 32; bit++)
        {
            if ((bits & (1u << bit)) != 0)
                list.Add(bit < SecurebitNames.Length ? SecurebitNames[bit] : $"bit_{bit}");
        }
        return list;
    }
}
