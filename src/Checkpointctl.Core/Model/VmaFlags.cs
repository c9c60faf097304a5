using System.Globalization;

namespace Checkpointctl.Core.Model;

/// <summary>Names of a mapping's bit sets (forensics.md §2.3): CRIU's status, the MAP_* flags and the madvise advice.</summary>
public static class VmaFlags
{
    private static readonly (ulong Bit, string Name)[] StatusBits =
    [
        (0x1, "REGULAR"), (0x2, "STACK"), (0x4, "VSYSCALL"), (0x8, "VDSO"), (0x20, "HEAP"), (0x40, "FILE_PRIVATE"), (0x80, "FILE_SHARED"),
        (0x100, "ANON_SHARED"), (0x200, "ANON_PRIVATE"), (0x400, "SYSVIPC"), (0x800, "SOCKET"), (0x1000, "VVAR"), (0x2000, "AIORING"),
        (0x4000, "MEMFD"), (0x8000, "SHSTK"), (0x10000, "GUARD"), (0x20000, "UPROBES"), (0x80000000, "UNSUPP"),
    ];

    private static readonly (ulong Bit, string Name)[] MapBits =
    [
        (0x1, "SHARED"), (0x2, "PRIVATE"), (0x8, "DROPPABLE"), (0x20, "ANONYMOUS"), (0x100, "GROWSDOWN"), (0x2000, "LOCKED"),
        (0x4000, "NORESERVE"), (0x40000, "HUGETLB"),
    ];

    private static readonly (ulong Bit, string Name)[] MadviseBits =
    [
        (1UL << 1, "RANDOM"), (1UL << 2, "SEQUENTIAL"), (1UL << 10, "DONTFORK"), (1UL << 12, "MERGEABLE"), (1UL << 14, "HUGEPAGE"),
        (1UL << 15, "NOHUGEPAGE"), (1UL << 16, "DONTDUMP"), (1UL << 18, "WIPEONFORK"),
    ];

    /// <summary>The names of CRIU's VMA status bits.</summary>
    public static IReadOnlyList<string> Status(uint status) => Names(status, StatusBits);

    /// <summary>The names of MAP_* flags.</summary>
    public static IReadOnlyList<string> MapFlags(uint flags) => Names(flags, MapBits);

    /// <summary>The names of madvise bits.</summary>
    public static IReadOnlyList<string> Madvise(ulong madv) => Names(madv, MadviseBits);

    // The names of the known bits in table order, then the unknown rest as one hex word.
    private static List<string> Names(ulong value, (ulong Bit, string Name)[] table)
    {
        var names = new List<string>();
        var rest = value;
        foreach (var (bit, name) in table)
        {
            if ((value & bit) != 0)
            {
                names.Add(name);
                rest &= ~bit;
            }
        }
        if (rest != 0)
            names.Add("0x" + rest.ToString("x", CultureInfo.InvariantCulture));
        return names;
    }
}
