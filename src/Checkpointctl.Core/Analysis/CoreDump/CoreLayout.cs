using Checkpointctl.Core.Criu;
using Checkpointctl.Core.Criu.Images;

namespace Checkpointctl.Core.Analysis.CoreDump;

/// <summary>
/// Where everything goes in a core file (forensics.md §1.2, §1.4): the ELF header, the program headers (PT_NOTE, then
/// one PT_LOAD per mapping in image order), the memory from the next page boundary on, and the notes after the memory.
/// </summary>
/// <remarks>
/// The notes come last (the kernel and CRIU put them first; ELF readers find them through PT_NOTE) because they need
/// <c>pstree.img</c> and the argument pages, which a streamed archive delivers only after or while the memory goes by:
/// this way every byte of memory is written once, in one pass, wherever the checkpoint comes from.
/// </remarks>
internal sealed class CoreLayout
{
    private CoreLayout(IReadOnlyList<CoreSegment> segments, int pageSize, long dataEnd, IReadOnlyList<EmptyMapping> empty)
    {
        Segments = segments;
        PageSize = pageSize;
        DataEnd = dataEnd;
        Empty = empty;
    }

    /// <summary>The PT_LOAD segments, in image order.</summary>
    public IReadOnlyList<CoreSegment> Segments { get; }

    public int PageSize { get; }

    /// <summary>1 (PT_NOTE) + one per mapping.</summary>
    public int ProgramHeaderCount => 1 + Segments.Count;

    /// <summary>Where the last mapping's bytes end, and the notes start.</summary>
    public long DataEnd { get; }

    /// <summary>File-backed mappings whose contents stayed empty.</summary>
    public IReadOnlyList<EmptyMapping> Empty { get; }

    /// <param name="image">The mm image the mappings come from (named in errors).</param>
    /// <param name="rootfs">The container's files, or null when the user gave none.</param>
    /// <param name="vmas">The process's mappings.</param>
    /// <param name="pagemap">The process's pagemap.</param>
    /// <param name="resolver">Names and files of the mappings.</param>
    public static CoreLayout Build(string image, IReadOnlyList<VmaEntry> vmas, Pagemap pagemap, MappingResolver resolver, RootFileSystem? rootfs)
    {
        var pageSize = pagemap.PageSize;
        var planned = new List<(VmaEntry Vma, MappingInfo Info, ulong Size, MappedFile? File)>();
        var empty = new List<EmptyMapping>();
        foreach (var vma in vmas)
        {
            // GUARD entries are CRIU's record of MADV_GUARD_INSTALL ranges inside real mappings, not mappings.
            if (((VmaStatus)vma.Status & VmaStatus.Guard) != 0 || vma.Start >= vma.End)
                continue;
            if (vma.Start % (ulong)pageSize != 0 || vma.End % (ulong)pageSize != 0)
                throw new InvalidCheckpointException($"{image}: mapping 0x{vma.Start:x}-0x{vma.End:x} is not page-aligned");
            var info = resolver.Resolve(vma);
            var (size, file) = info.Source switch
            {
                MappingSource.None => (0UL, null),
                MappingSource.File => FileBacked(vma, info, pagemap, rootfs, empty),
                _ => (vma.End - vma.Start, null),
            };
            planned.Add((vma, info, size, file));
        }
        // The ELF header, the program headers and, with extended numbering, the section header that counts them.
        var headerBytes = Elf.HeaderSize + (1 + planned.Count) * Elf.ProgramHeaderSize
                          + (1 + planned.Count >= Elf.ExtendedNumbering ? Elf.SectionHeaderSize : 0);
        var offset = (ulong)((headerBytes + (long)pageSize - 1) / pageSize * pageSize);
        var segments = new List<CoreSegment>(planned.Count);
        foreach (var (vma, info, size, file) in planned)
        {
            if (size > long.MaxValue - offset)
                throw new InvalidCheckpointException($"{image}: mappings add up to more than a file can hold");
            segments.Add(new CoreSegment(vma, info, offset, size, file));
            offset += size;
        }
        return new CoreLayout(segments, pageSize, (long)offset, empty);
    }

    // A file mapping with pages in the pagemap is held whole when its file is at hand: dumped (COW'ed) pages from the
    // pagemap, the others from the file. Without the file it is held up to its last dumped page, the others before
    // it left as zeros (reported); what follows is left to the debugger, which reads it from the file as it reads
    // code. A mapping without dumped pages gets only its first page when that is an ELF header, as the kernel does.
    private static (ulong Size, MappedFile? File) FileBacked(VmaEntry vma, MappingInfo info, Pagemap pagemap, RootFileSystem? rootfs, List<EmptyMapping> empty)
    {
        var pageSize = (ulong)pagemap.PageSize;
        var file = rootfs?.Find(info.Reg!);
        var usable = file?.Handle != null ? file : null;
        var why = file == null ? "no --rootfs given" : $"{info.Name} {file.Problem}";
        var dumped = Dumped(pagemap, vma.Start, vma.End);
        if (dumped.Count > 0 && usable != null)
            return (vma.End - vma.Start, usable);
        if (dumped.Count > 0)
        {
            var held = dumped[^1].End - vma.Start;
            var zeros = (held - dumped.Aggregate(0UL, (sum, r) => sum + (r.End - r.Start))) / pageSize;
            if (zeros > 0)
                empty.Add(new EmptyMapping(vma.Start, vma.End, info.Name!, $"{zeros} of {held / pageSize} pages left as zeros", why));
            return (held, null);
        }
        if (usable != null)
        {
            Span<byte> magic = stackalloc byte[4];
            if (vma.Pgoff <= long.MaxValue)
                usable.Read((long)vma.Pgoff, magic);
            return magic.SequenceEqual(Elf.Magic) ? (pageSize, usable) : (0, null);
        }
        if (file != null && vma.Pgoff == 0)
            empty.Add(new EmptyMapping(vma.Start, vma.End, info.Name!, "ELF header page left out", why));
        return (0, null);
    }

    // The dumped parts of [start, end), in address order.
    private static List<(ulong Start, ulong End)> Dumped(Pagemap pagemap, ulong start, ulong end) =>
        [.. CoreMemory.Dumped(pagemap).Where(r => r.Start < end && r.End > start).Select(r => (Math.Max(r.Start, start), Math.Min(r.End, end)))];
}
