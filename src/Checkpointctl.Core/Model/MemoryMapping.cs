using System.Globalization;
using System.Text;

namespace Checkpointctl.Core.Model;

/// <summary>
/// One mapping of a process (forensics.md §2.3): what <c>/proc/PID/maps</c> showed for it, CRIU's classification, and
/// how many of its pages the checkpoint holds, holds in a parent checkpoint, or left to lazy restore.
/// </summary>
public sealed class MemoryMapping
{
    /// <summary>PROT_READ.</summary>
    public const uint ProtRead = 1;

    /// <summary>PROT_WRITE.</summary>
    public const uint ProtWrite = 2;

    /// <summary>PROT_EXEC.</summary>
    public const uint ProtExec = 4;

    /// <summary>MAP_SHARED.</summary>
    public const uint MapShared = 1;

    /// <summary>The first address.</summary>
    public required ulong Start { get; init; }
    /// <summary>The address after the last.</summary>
    public required ulong End { get; init; }
    /// <summary>PROT_* bits.</summary>
    public required uint Prot { get; init; }
    /// <summary>MAP_* flags.</summary>
    public required uint Flags { get; init; }
    /// <summary>CRIU's VMA status bits (see <see cref="MemoryMap"/>).</summary>
    public required uint Status { get; init; }
    /// <summary>madvise bits.</summary>
    public ulong Madvise { get; init; }

    /// <summary>The file offset in bytes (file-backed and shared-object mappings), else 0.</summary>
    public ulong Offset { get; init; }

    /// <summary>The device of the mapped file's mount as <c>maj:min</c> (hex), <c>00:00</c> when unknown or anonymous.</summary>
    public string Device { get; init; } = "00:00";

    /// <summary>CRIU records no inode for mapped files (0); an anonymous shared mapping's inode is its shmem id.</summary>
    public ulong Inode { get; init; }

    /// <summary>The kernel's name: a path, <c>[heap]</c>, <c>[stack]</c>, <c>[vdso]</c>, <c>/memfd:x (deleted)</c>… or empty.</summary>
    public required string Name { get; init; }

    /// <summary>
    /// <c>file</c>, <c>memfd</c>, <c>shared</c> (anonymous shared), <c>sysv</c>, <c>heap</c>, <c>stack</c>, <c>anon</c>,
    /// <c>vdso</c>, <c>vvar</c>, <c>vsyscall</c>, <c>aio</c> or <c>socket</c>.
    /// </summary>
    public required string Kind { get; init; }

    /// <summary>Pages whose contents are in this checkpoint (PE_PRESENT).</summary>
    public ulong DumpedPages { get; init; }

    /// <summary>Pages whose contents are in the parent checkpoint (PE_PARENT).</summary>
    public ulong ParentPages { get; init; }

    /// <summary>Pages left for lazy restore (PE_LAZY without PE_PRESENT): not in any pages file.</summary>
    public ulong LazyPages { get; init; }

    /// <summary>Where the page counts come from: the process's pagemap, or a shared object's <c>pagemap-shmem-N.img</c>.</summary>
    public string PagesImage { get; init; } = "";

    /// <summary>The mapping is MAP_SHARED.</summary>
    public bool IsShared => (Flags & MapShared) != 0;

    /// <summary><c>r-xp</c>: the permissions and private/shared column of <c>/proc/PID/maps</c>.</summary>
    public string Permissions =>
        $"{((Prot & ProtRead) != 0 ? 'r' : '-')}{((Prot & ProtWrite) != 0 ? 'w' : '-')}{((Prot & ProtExec) != 0 ? 'x' : '-')}{(IsShared ? 's' : 'p')}";

    /// <summary>The mapping as a <c>/proc/PID/maps</c> line (the kernel's format; the name starts at column 73).</summary>
    public string MapsLine
    {
        get
        {
            var line = new StringBuilder();
            line.Append(CultureInfo.InvariantCulture, $"{Start:x8}-{End:x8} {Permissions} {Offset:x8} {Device} {Inode} ");
            if (Name.Length > 0)
            {
                if (line.Length < 72)
                    line.Append(' ', 72 - line.Length);
                line.Append(' ').Append(Name);
            }
            return line.ToString();
        }
    }
}
