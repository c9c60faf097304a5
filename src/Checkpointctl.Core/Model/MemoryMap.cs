using System.Globalization;
using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Criu;
using Checkpointctl.Core.Criu.Images;

namespace Checkpointctl.Core.Model;

/// <summary>Builds a process's <see cref="ProcessMemoryMap"/> from its mm and pagemap images (never its pages).</summary>
public static class MemoryMap
{
    // vma_entry.status bits (criu/include/image.h).
    /// <summary>VMA_AREA_REGULAR: a mapping CRIU dumps and restores.</summary>
    public const uint Regular = 0x1;

    /// <summary>VMA_AREA_STACK: the main thread's stack.</summary>
    public const uint Stack = 0x2;

    /// <summary>VMA_AREA_VSYSCALL: <c>[vsyscall]</c>.</summary>
    public const uint Vsyscall = 0x4;

    /// <summary>VMA_AREA_VDSO: <c>[vdso]</c>.</summary>
    public const uint Vdso = 0x8;

    /// <summary>VMA_AREA_HEAP: <c>[heap]</c>.</summary>
    public const uint Heap = 0x20;

    /// <summary>VMA_FILE_PRIVATE: a private file mapping.</summary>
    public const uint FilePrivate = 0x40;

    /// <summary>VMA_FILE_SHARED: a shared file mapping.</summary>
    public const uint FileShared = 0x80;

    /// <summary>VMA_ANON_SHARED: shared anonymous memory.</summary>
    public const uint AnonShared = 0x100;

    /// <summary>VMA_ANON_PRIVATE: private anonymous memory.</summary>
    public const uint AnonPrivate = 0x200;

    /// <summary>VMA_AREA_SYSVIPC: a SysV shared memory segment.</summary>
    public const uint Sysvipc = 0x400;

    /// <summary>VMA_AREA_SOCKET: a packet socket's ring.</summary>
    public const uint Socket = 0x800;

    /// <summary>VMA_AREA_VVAR: <c>[vvar]</c>.</summary>
    public const uint Vvar = 0x1000;

    /// <summary>VMA_AREA_AIORING: an AIO ring.</summary>
    public const uint Aioring = 0x2000;

    /// <summary>VMA_AREA_MEMFD: a memfd mapping.</summary>
    public const uint Memfd = 0x4000;

    /// <summary>VMA_AREA_SHSTK: a shadow stack.</summary>
    public const uint Shstk = 0x8000;

    /// <summary>VMA_AREA_GUARD: a guard range CRIU records.</summary>
    public const uint Guard = 0x10000;

    /// <summary>The images the memory map reads: memory maps, pagemaps (own and shared objects), and what names mappings.</summary>
    public static IReadOnlyList<MemberPattern> Images { get; } =
    [
        .. CriuImages.ProcessTreeImages, .. CriuImages.MemoryMapImages, .. CriuImages.FileImages, ArchiveLayout.Image("memfd.img"),
        ArchiveLayout.Image("mountpoints-*.img"), ArchiveLayout.Image("ipcns-shm-*.img"),
    ];

    /// <summary>The memory map of a process with images (alive or stopped).</summary>
    public static ProcessMemoryMap Of(CriuImages images, ProcessNode node)
    {
        var mm = images.Mm(node.Pid);
        var pagemap = images.Has($"pagemap-{node.Pid}.img") ? images.Pagemap(node.Pid) : null;
        var context = new Context(images, node.Pid, mm);
        var mappings = new List<MemoryMapping>();
        var guards = new List<(ulong, ulong)>();
        foreach (var vma in images.Vmas(node.Pid))
        {
            if (vma.Status == Guard)
                guards.Add((vma.Start, vma.End));
            else
                mappings.Add(Mapping(context, vma, pagemap));
        }
        return new ProcessMemoryMap
        {
            Pid = node.Pid,
            Command = node.Comm,
            Executable = context.RegName(mm.ExeFileId) ?? "",
            PageSize = pagemap?.PageSize ?? 4096,
            Mappings = mappings.OrderBy(m => m.Start).ToList(),
            Guards = guards,
        };
    }

    /// <summary>Pages of <paramref name="pagemap"/> in [<paramref name="start"/>, <paramref name="end"/>): present, in the parent, lazy only.</summary>
    public static (ulong Dumped, ulong Parent, ulong Lazy) CountPages(Pagemap pagemap, ulong start, ulong end)
    {
        ulong dumped = 0, parent = 0, lazy = 0;
        var size = (ulong)pagemap.PageSize;
        var runs = pagemap.Runs;
        // The first run that ends after start (runs are sorted and disjoint).
        int lo = 0, hi = runs.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (runs[mid].Address + runs[mid].PageCount * size <= start)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (var i = lo; i < runs.Count && runs[i].Address < end; i++)
        {
            var run = runs[i];
            var from = Math.Max(run.Address, start);
            var to = Math.Min(run.Address + run.PageCount * size, end);
            if (to <= from)
                continue;
            var pages = (to - from + size - 1) / size;
            if (run.IsPresent)
                dumped += pages;
            else if ((run.Flags & PageFlags.Parent) != 0)
                parent += pages;
            else if ((run.Flags & PageFlags.Lazy) != 0)
                lazy += pages;
        }
        return (dumped, parent, lazy);
    }

    private static MemoryMapping Mapping(Context c, VmaEntry vma, Pagemap? pagemap)
    {
        var (name, kind) = NameAndKind(c, vma);
        var fileBacked = (vma.Status & (FilePrivate | FileShared)) != 0;
        var (pages, pagesImage, objectStart) = PagesOf(c, vma, pagemap);
        var counts = pages != null ? CountPages(pages, objectStart, objectStart + (vma.End - vma.Start)) : default;
        return new MemoryMapping
        {
            Start = vma.Start, End = vma.End, Prot = vma.Prot, Flags = vma.Flags, Status = vma.Status, Madvise = vma.Madv,
            Offset = fileBacked || (vma.Status & (Memfd | Sysvipc | AnonShared)) != 0 ? vma.Pgoff : 0,
            Device = fileBacked && (vma.Status & Memfd) == 0 ? c.Device(vma.Shmid) : "00:00",
            Inode = (vma.Status & AnonShared) != 0 ? vma.Shmid : 0,
            Name = name, Kind = kind,
            DumpedPages = counts.Dumped, ParentPages = counts.Parent, LazyPages = counts.Lazy,
            PagesImage = pages != null ? pagesImage : "",
        };
    }

    // Shared objects keep their pages in pagemap-shmem-<id>.img at object offsets; everything else in the process's pagemap.
    private static (Pagemap? Pages, string Image, ulong Start) PagesOf(Context c, VmaEntry vma, Pagemap? own)
    {
        ulong? shmid = null;
        if ((vma.Status & Memfd) != 0)
            shmid = c.MemfdInode(vma.Shmid)?.Shmid;
        else if ((vma.Status & (AnonShared | Sysvipc)) != 0)
            shmid = vma.Shmid;
        if (shmid is not { } id)
            return (own, own?.Name ?? "", vma.Start);
        var name = $"pagemap-shmem-{id}.img";
        return c.Images.Has(name) ? (c.Images.ShmemPagemap(id), name, vma.Pgoff) : (null, "", 0);
    }

    // The kernel's name for a mapping (forensics.md §2.3; the first rule that matches wins) and its kind.
    private static (string Name, string Kind) NameAndKind(Context c, VmaEntry vma)
    {
        var s = vma.Status;
        if ((s & Vdso) != 0)
            return ("[vdso]", "vdso");
        if ((s & Vvar) != 0)
            return ("[vvar]", "vvar");
        if ((s & Vsyscall) != 0)
            return ("[vsyscall]", "vsyscall");
        if ((s & Memfd) != 0)
        {
            var inode = c.MemfdInode(vma.Shmid);
            var memfd = inode?.Name ?? "";
            return (memfd.StartsWith('/') ? $"{memfd} (deleted)" : $"/memfd:{memfd} (deleted)", "memfd");
        }
        if ((s & (FilePrivate | FileShared)) != 0)
        {
            var path = c.RegName(vma.Shmid) ?? "";
            return (c.IsDeleted(vma.Shmid) ? path + " (deleted)" : path, "file");
        }
        if ((s & Sysvipc) != 0)
            return ($"/SYSV{c.SysvKey(vma.Shmid):x8} (deleted)", "sysv");
        if ((s & AnonShared) != 0)
            return ("/dev/zero (deleted)", "shared");
        if ((s & Aioring) != 0)
            return ("/[aio] (deleted)", "aio");
        if ((s & Socket) != 0)
            return ("socket:[packet]", "socket");
        if (vma.Start <= c.Mm.MmStartStack && c.Mm.MmStartStack < vma.End)
            return ("[stack]", "stack");
        if ((s & Heap) != 0 || (c.Mm.MmBrk > c.Mm.MmStartBrk && vma.Start < c.Mm.MmBrk && c.Mm.MmStartBrk < vma.End))
            return ("[heap]", "heap");
        return ("", "anon");
    }

    // What naming a mapping needs, each image read once and only when a mapping needs it.
    private sealed class Context(CriuImages images, uint pid, MmEntry mm)
    {
        private HashSet<uint>? _deleted;
        private IReadOnlyDictionary<uint, FileEntry>? _files;

        public CriuImages Images { get; } = images;
        public MmEntry Mm { get; } = mm;

        // Mappings are named from files.img (or the legacy per-type images); without either they stay unnamed.
        private IReadOnlyDictionary<uint, FileEntry> Files => _files ??=
            Images.Has("files.img") || LegacyFileImages.Names.Any(Images.Has) ? Images.Files() : new Dictionary<uint, FileEntry>();

        public string? RegName(ulong id) =>
            id is > 0 and <= uint.MaxValue && Files.TryGetValue((uint)id, out var f) && f.Reg != null ? f.Reg.Name : null;

        public bool IsDeleted(ulong id)
        {
            _deleted ??= Images.Has("remap-fpath.img")
                ? Images.RemapFilePaths().Where(r => r.RemapType is RemapType.Ghost or RemapType.Linked).Select(r => r.OrigId).ToHashSet()
                : [];
            return id <= uint.MaxValue && _deleted.Contains((uint)id);
        }

        public MemfdInodeEntry? MemfdInode(ulong fileId) =>
            fileId <= uint.MaxValue && Files.TryGetValue((uint)fileId, out var f) && f.Memfd != null && Images.Has("memfd.img")
            && Images.MemfdInodes().TryGetValue(f.Memfd.InodeId, out var inode) ? inode : null;

        public uint SysvKey(ulong id)
        {
            if (!Images.Has($"ids-{pid}.img"))
                return 0;
            var ns = Images.Ids(pid).IpcNsId;
            return Images.Has($"ipcns-shm-{ns}.img") && Images.IpcShm(ns).FirstOrDefault(e => e.Desc?.Id == id) is { } shm ? shm.Desc.Key : 0;
        }

        public string Device(ulong fileId)
        {
            if (fileId > uint.MaxValue || !Files.TryGetValue((uint)fileId, out var f) || f.Reg is not { MntId: >= 0 } reg || !Images.Has($"ids-{pid}.img"))
                return "00:00";
            var mounts = $"mountpoints-{Images.Ids(pid).MntNsId}.img";
            if (!Images.Has(mounts) || Images.Mounts(mounts).FirstOrDefault(m => m.MntId == (uint)reg.MntId) is not { } mount)
                return "00:00";
            return string.Create(CultureInfo.InvariantCulture, $"{mount.RootDev >> 20:x2}:{mount.RootDev & 0xfffff:x2}");
        }
    }
}
