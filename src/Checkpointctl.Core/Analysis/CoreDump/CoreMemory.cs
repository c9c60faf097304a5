using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Criu;
using Checkpointctl.Core.Model;

namespace Checkpointctl.Core.Analysis.CoreDump;

/// <summary>
/// The one place where core dumps read checkpointed memory: which pagemap ranges hold data, and a reader of them over
/// a pages member's data (in place, or forward while a stream goes by). Reads go in address order, so a pages member
/// is read front to back.
/// </summary>
internal static class CoreMemory
{
    /// <summary>The ranges of <paramref name="pagemap"/> whose contents this checkpoint holds, in address order.</summary>
    public static IEnumerable<(ulong Start, ulong End)> Dumped(Pagemap pagemap)
    {
        var pageSize = (ulong)pagemap.PageSize;
        foreach (var run in pagemap.Runs)
        {
            if (run.IsPresent)
                yield return (run.Address, run.Address + run.PageCount * pageSize);
        }
    }

    /// <summary>A reader of the memory of <paramref name="pagemap"/> whose pages member's data is <paramref name="pages"/>.</summary>
    public static ProcessMemory Open(Pagemap pagemap, RandomAccessData pages) => new(pagemap, pages);

    /// <summary>The pagemap of a shared memory object (its addresses are offsets in the object).</summary>
    public static Pagemap Shmem(CriuImages images, ulong shmid, int pageSize)
    {
        var name = ShmemPagemapName(shmid);
        return Pagemap.Decode(name, images.Image(name), pageSize);
    }

    public static string ShmemPagemapName(ulong shmid) => $"pagemap-shmem-{shmid}.img";
}
