using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Criu;
using Checkpointctl.Core.Model;

namespace Checkpointctl.Core.Analysis.CoreDump;

/// <summary>
/// Where core dumps get checkpointed memory: a process's own memory and a shared memory object's, both from the
/// checkpoint's page source (in place, or forward while a streamed pass waits at the pages member; compressed pages
/// and parent image sets included). Reads go in address order, so each pages member is read front to back.
/// </summary>
internal static class CoreMemory
{
    /// <summary>The ranges of <paramref name="pagemap"/> whose contents the checkpoint holds (here or in a parent image set), in address order.</summary>
    public static IEnumerable<(ulong Start, ulong End)> Dumped(Pagemap pagemap)
    {
        var pageSize = (ulong)pagemap.PageSize;
        foreach (var run in pagemap.Runs)
        {
            if (run.IsPresent || run.IsInParent)
                yield return (run.Address, run.Address + run.PageCount * pageSize);
        }
    }

    /// <summary>True when <paramref name="member"/> holds pages of a pagemap held so far (a process's or a shared object's).</summary>
    public static bool NamedByHeldPagemap(ArchiveMember member, CheckpointArchive archive)
    {
        var prefix = member.Name[..(member.Name.LastIndexOf('/') + 1)];
        var images = new CriuImages(PageSource.Of(archive), prefix: prefix);
        foreach (var pagemap in archive.MembersMatching(prefix + "pagemap-*.img").ToList())
        {
            try
            {
                if (prefix + PagesName(images, pagemap.Name[prefix.Length..]) == member.Name)
                    return true;
            }
            catch (CheckpointException)
            {
                // A damaged pagemap is reported when its process's core is written.
            }
        }
        return false;
    }

    /// <summary>True when <paramref name="member"/> holds the pages of <paramref name="pagemap"/> of its image set (parents' passes stop there).</summary>
    public static bool IsPagesOf(string pagemap, ArchiveMember member, CheckpointArchive archive)
    {
        var prefix = member.Name[..(member.Name.LastIndexOf('/') + 1)];
        var images = new CriuImages(PageSource.Of(archive), prefix: prefix);
        return images.Has(pagemap) && prefix + PagesName(images, pagemap) == member.Name;
    }

    // The pages member a pagemap image names (its head), without decoding its entries.
    private static string PagesName(CriuImages images, string pagemap) =>
        $"pages-{CriuImageReader.Open(pagemap, images.Image(pagemap), CriuMagic.Pagemap).Read(Criu.Images.PagemapHead.Parser).PagesId}.img";
}
