using Checkpointctl.Core.Archive;

namespace Checkpointctl.Core.Model;

/// <summary>
/// The pages that hold each process's command line and environment: all that <c>inspect --ps-tree-cmd/--ps-tree-env</c>
/// reads of memory, declared so that a streamed archive keeps only those pages as it goes by.
/// </summary>
public static class ArgumentAreas
{
    public static PagesPlan Plan { get; } = new() { Ranges = Ranges };

    // Argument and environment areas of every process whose held pagemap points at this pages member.
    private static List<(long Offset, long Length)> Ranges(ArchiveMember pagesMember, CheckpointArchive archive)
    {
        var needs = new List<(long Offset, long Length)>();
        var images = new CriuImages(archive);
        foreach (var pagemapMember in archive.MembersMatching(ArchiveLayout.Image("pagemap-*.img")).ToList())
        {
            var name = pagemapMember.Name[ArchiveLayout.CheckpointPrefix.Length..];
            if (!uint.TryParse(name["pagemap-".Length..^".img".Length], out var pid) || !images.Has($"mm-{pid}.img"))
                continue;
            try
            {
                var pagemap = images.Pagemap(pid);
                if (ArchiveLayout.Image(pagemap.PagesImageName) != pagesMember.Name)
                    continue;
                var mm = images.Mm(pid);
                needs.AddRange(pagemap.FileRanges(mm.MmArgStart, mm.MmArgEnd));
                needs.AddRange(pagemap.FileRanges(mm.MmEnvStart, mm.MmEnvEnd));
            }
            catch (CheckpointException)
            {
                // A broken image is reported when the process is rendered; capturing just skips it.
            }
        }
        return needs;
    }
}
