using Checkpointctl.Core.Criu;
using Checkpointctl.Core.Criu.Images;
using Checkpointctl.Core.Model;

namespace Checkpointctl.Core.Analysis.CoreDump;

/// <summary>Where the contents of a mapping come from.</summary>
internal enum MappingSource
{
    /// <summary>Nothing the images hold: [vvar], [vsyscall], [uprobes], PROT_NONE, packet-socket rings.</summary>
    None,

    /// <summary>The process's own pagemap (anonymous memory, [vdso], AIO rings).</summary>
    Memory,

    /// <summary>A mapped file: dumped (COW'ed) pages from the pagemap, the rest from the file in the rootfs.</summary>
    File,

    /// <summary>A shared memory object (memfd, anonymous shared, SysV): its shmem pagemap, private COW pages over it.</summary>
    Shared,
}

/// <summary>What a mapping is: its content source, its NT_FILE name and, for shared memory, the shmem object.</summary>
internal sealed record MappingInfo(MappingSource Source, string? Name, RegFileEntry? Reg = null, ulong ShmemId = 0);

/// <summary>
/// Classifies mappings by <c>vma.status</c> and names them as the kernel names them in NT_FILE (forensics.md §1.13):
/// regular files by path, memfd as <c>/memfd:NAME (deleted)</c>, anonymous shared memory as <c>/dev/zero (deleted)</c>,
/// SysV segments as <c>/SYSV%08x (deleted)</c>. A mapping whose file, memfd inode or segment is missing is an error.
/// </summary>
internal sealed class MappingResolver(CriuImages images)
{
    private IReadOnlyList<MemfdInodeEntry>? _memfds;
    private Dictionary<uint, uint>? _sysvKeys;

    public MappingInfo Resolve(VmaEntry vma)
    {
        var status = (VmaStatus)vma.Status;
        var where = $"mapping 0x{vma.Start:x}-0x{vma.End:x}";
        if ((status & (VmaStatus.Vvar | VmaStatus.Vsyscall | VmaStatus.Uprobes)) != 0)
            return new MappingInfo(MappingSource.None, null);
        if ((status & VmaStatus.Memfd) != 0)
        {
            var file = File(vma.Shmid, where);
            var inode = file.Memfd is { } m
                ? Memfds().LastOrDefault(i => i.InodeId == m.InodeId)
                  ?? throw new InvalidCheckpointException($"memfd.img: no inode {m.InodeId} (file {file.Id} of {where})")
                : throw new InvalidCheckpointException($"files.img: file {file.Id} of {where} is not a memfd");
            var name = inode.Name.StartsWith('/') ? $"{inode.Name} (deleted)" : $"/memfd:{inode.Name} (deleted)";
            return Content(vma, new MappingInfo(MappingSource.Shared, name, ShmemId: inode.Shmid));
        }
        if ((status & VmaStatus.AnonShared) != 0)
            return Content(vma, new MappingInfo(MappingSource.Shared, "/dev/zero (deleted)", ShmemId: vma.Shmid));
        if ((status & VmaStatus.SysvIpc) != 0)
            return Content(vma, new MappingInfo(MappingSource.Shared, $"/SYSV{SysvKey(vma.Shmid, where):x8} (deleted)", ShmemId: vma.Shmid));
        if ((status & VmaStatus.Socket) != 0)
            return new MappingInfo(MappingSource.None, null);
        if ((status & (VmaStatus.FilePrivate | VmaStatus.FileShared)) != 0)
        {
            var file = File(vma.Shmid, where);
            var reg = file.Reg ?? throw new InvalidCheckpointException($"files.img: file {file.Id} of {where} is not a regular file");
            return Content(vma, new MappingInfo(MappingSource.File, reg.Name, reg));
        }
        return Content(vma, new MappingInfo(MappingSource.Memory, null));
    }

    // A mapping without access rights has no readable content, whatever backs it.
    private static MappingInfo Content(VmaEntry vma, MappingInfo info) =>
        vma.Prot == 0 ? info with { Source = MappingSource.None } : info;

    private FileEntry File(ulong id, string where) =>
        id <= uint.MaxValue && images.Files().TryGetValue((uint)id, out var file)
            ? file
            : throw new InvalidCheckpointException($"files.img: no file with id {id} ({where})");

    private IReadOnlyList<MemfdInodeEntry> Memfds() =>
        _memfds ??= CriuImageReader.Open("memfd.img", images.Image("memfd.img"), CriuMagic.MemfdInode).ReadAll(MemfdInodeEntry.Parser);

    // SysV segment keys by IPC id, from every ipcns-shm image (contents after an entry only when not in pagemaps).
    private uint SysvKey(ulong id, string where)
    {
        if (_sysvKeys == null)
        {
            _sysvKeys = [];
            foreach (var member in images.Archive.MembersMatching(images.Prefix + "ipcns-shm-*.img").ToList())
            {
                var name = member.Name[images.Prefix.Length..];
                var reader = CriuImageReader.Open(name, images.Image(name), CriuMagic.IpcnsShm);
                while (reader.TryRead(IpcShmEntry.Parser, out var shm))
                {
                    if (!shm.InPagemaps)
                        reader.ReadPayload((shm.Size + 3) & ~3UL);
                    if (shm.Desc != null)
                        _sysvKeys[shm.Desc.Id] = shm.Desc.Key;
                }
            }
        }
        return id <= uint.MaxValue && _sysvKeys.TryGetValue((uint)id, out var key)
            ? key
            : throw new InvalidCheckpointException($"ipcns-shm: no SysV segment with id {id} ({where})");
    }
}
