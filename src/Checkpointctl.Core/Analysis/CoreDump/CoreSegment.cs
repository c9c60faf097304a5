using Checkpointctl.Core.Criu.Images;

namespace Checkpointctl.Core.Analysis.CoreDump;

/// <summary>One PT_LOAD of a core: a mapping, where its bytes are in the file and where they come from.</summary>
/// <param name="FileSize">Bytes of the mapping the core holds (from its start): 0, one page, or all of it.</param>
/// <param name="File">The mapped file in the rootfs, when usable: fills what the pagemap does not hold.</param>
/// <param name="Vma">The mapping.</param>
/// <param name="Info">What the mapping is.</param>
/// <param name="Offset">Where its data starts in the core.</param>
internal sealed record CoreSegment(VmaEntry Vma, MappingInfo Info, ulong Offset, ulong FileSize, MappedFile? File)
{
    public ulong Start => Vma.Start;

    public ulong End => Vma.End;

    /// <summary>End of the bytes the core holds.</summary>
    public ulong FilledEnd => Start + FileSize;

    /// <summary>Offset of the mapping's first byte in its shared memory object (shmem pagemaps are indexed so).</summary>
    public ulong ObjectOffset => Vma.Pgoff;
}
