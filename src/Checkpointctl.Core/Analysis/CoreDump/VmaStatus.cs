namespace Checkpointctl.Core.Analysis.CoreDump;

/// <summary>CRIU's <c>vma_entry.status</c> bits (criu-image-format.md §2.1).</summary>
[Flags]
internal enum VmaStatus : uint
{
    Regular = 0x1,
    Vsyscall = 0x4,
    Vdso = 0x8,
    FilePrivate = 0x40,
    FileShared = 0x80,
    AnonShared = 0x100,
    AnonPrivate = 0x200,
    SysvIpc = 0x400,
    Socket = 0x800,
    Vvar = 0x1000,
    AioRing = 0x2000,
    Memfd = 0x4000,
    Guard = 0x10000,
    Uprobes = 0x20000,
}
