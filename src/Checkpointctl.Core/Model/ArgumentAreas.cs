using Checkpointctl.Core.Archive;

namespace Checkpointctl.Core.Model;

/// <summary>
/// The pages that hold each process's command line and environment: all that <c>inspect --ps-tree-cmd/--ps-tree-env</c>
/// reads of memory, declared so that a streamed archive keeps only those pages as it goes by. In an incremental dump
/// the parts that are in a parent image set are declared for that parent's pass.
/// </summary>
internal static class ArgumentAreas
{
    /// <summary>The pages plan that reads the argument and environment areas of every process.</summary>
    public static PagesPlan Plan { get; } = new() { Ranges = (member, archive) => Ranges(member, archive, null) };

    /// <summary>The plan for the parent image set of <paramref name="child"/> (whose own memory images are complete).</summary>
    public static PagesPlan ForParent(CriuImages child) => new() { Ranges = (member, archive) => Ranges(member, archive, child) };

    // Argument and environment areas of every process whose held pagemap points at this pages member: for the dump
    // itself, or for the image set below `child`, what the levels down to it leave to their parents.
    private static List<(long Offset, long Length)> Ranges(ArchiveMember pagesMember, CheckpointArchive archive, CriuImages? child)
    {
        var needs = new List<(long Offset, long Length)>();
        var prefix = pagesMember.Name[..(pagesMember.Name.LastIndexOf('/') + 1)];
        var images = new CriuImages(PageSource.Of(archive), prefix: prefix);
        var levels = new List<CriuImages>();
        for (var level = child; level != null; level = level.Child)
            levels.Insert(0, level);
        var dump = levels.Count > 0 ? levels[0] : images;
        foreach (var pagemapMember in archive.MembersMatching(prefix + "pagemap-*.img").ToList())
        {
            var name = pagemapMember.Name[prefix.Length..];
            if (!uint.TryParse(name["pagemap-".Length..^".img".Length], out var pid) || !dump.Has($"mm-{pid}.img"))
                continue;
            try
            {
                var pagemap = images.Pagemap(pid);
                if (prefix + pagemap.PagesImageName != pagesMember.Name)
                    continue;
                var mm = dump.Mm(pid);
                List<(ulong Start, ulong End)> ranges = [(mm.MmArgStart, mm.MmArgEnd), (mm.MmEnvStart, mm.MmEnvEnd)];
                foreach (var level in levels)
                    ranges = level.Pagemap(pid).ParentRanges(ranges);
                foreach (var (start, end) in ranges)
                    needs.AddRange(pagemap.FileRanges(start, end));
            }
            catch (CheckpointException)
            {
                // A broken image is reported when the process is rendered; capturing just skips it.
            }
        }
        return needs;
    }
}
