namespace Checkpointctl.Core.Archive;

/// <summary>Sizes taken from member headers, never from extracted data.</summary>
public sealed record CheckpointSizes(long CheckpointSize, long MemoryPagesSize, long AmdGpuMemoryPagesSize, long RootFsDiffSize)
{
    /// <summary>The sizes of a checkpoint's members: all of <c>checkpoint/</c>, its pages, its GPU pages and <c>rootfs-diff.tar</c>.</summary>
    /// <param name="members">The checkpoint's members (names and sizes from their headers).</param>
    /// <param name="imageSet">The directory of the CRIU images: <c>checkpoint/</c>, or a pre-checkpoint export's <c>pre-checkpoint/</c>.</param>
    public static CheckpointSizes FromMembers(IEnumerable<ArchiveMember> members, string imageSet = ArchiveLayout.CheckpointPrefix)
    {
        long total = 0, pages = 0, gpu = 0, rootfs = 0;
        foreach (var m in members)
        {
            if (m.Name.StartsWith(imageSet, StringComparison.Ordinal))
            {
                total += m.Size;
                var image = m.Name.AsSpan(imageSet.Length);
                if (image.StartsWith(ArchiveLayout.PagesPrefix, StringComparison.Ordinal))
                    pages += m.Size;
                else if (image.StartsWith(ArchiveLayout.AmdgpuPagesPrefix, StringComparison.Ordinal))
                    gpu += m.Size;
            }
            else if (m.Name == ArchiveLayout.RootFsDiffTar)
            {
                rootfs = m.Size;
            }
        }
        return new CheckpointSizes(total, pages, gpu, rootfs);
    }
}
