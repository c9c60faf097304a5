namespace Checkpointctl.Core.Archive;

/// <summary>Sizes taken from member headers, never from extracted data.</summary>
public sealed record CheckpointSizes(long CheckpointSize, long MemoryPagesSize, long AmdGpuMemoryPagesSize, long RootFsDiffSize)
{
    /// <summary>The sizes of a checkpoint's members: all of <c>checkpoint/</c>, its pages, its GPU pages and <c>rootfs-diff.tar</c>.</summary>
    public static CheckpointSizes FromMembers(IEnumerable<ArchiveMember> members)
    {
        long total = 0, pages = 0, gpu = 0, rootfs = 0;
        foreach (var m in members)
        {
            if (m.Name.StartsWith(ArchiveLayout.CheckpointPrefix, StringComparison.Ordinal))
            {
                total += m.Size;
                var image = m.Name.AsSpan(ArchiveLayout.CheckpointPrefix.Length);
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
