using Checkpointctl.Core.Archive;

namespace Checkpointctl.Core.Criu;

/// <summary>
/// Reads a process's dumped memory by virtual address from its pagemap and pages file, in place: the pages file is
/// random-access data (a window of an uncompressed archive, a file of an unpacked checkpoint, or bytes in memory).
/// Runs are found by binary search; only PE_PRESENT runs occupy the pages file (format doc §3.3).
/// </summary>
public sealed class ProcessMemory
{
    /// <summary>Largest single read, so a hostile <c>mm_env_end</c> cannot make us allocate gigabytes.</summary>
    public const int MaxReadBytes = 64 << 20;

    private readonly RandomAccessData _pages;

    public ProcessMemory(Pagemap pagemap, RandomAccessData pages)
    {
        Pagemap = pagemap;
        _pages = pages;
        var expected = (long)pagemap.PresentPages * pagemap.PageSize;
        if (pages.Length < expected)
            throw new InvalidCheckpointException(
                $"{pagemap.PagesImageName}: {pages.Length} bytes, but {pagemap.Name} needs {expected} ({pagemap.PresentPages} pages of {pagemap.PageSize} bytes)");
    }

    public Pagemap Pagemap { get; }

    /// <summary>
    /// Reads <c>[start, end)</c>. Bytes not in the pages file (never dumped, in a parent image, or lazy) read as zeros,
    /// as the kernel would show untouched anonymous memory.
    /// </summary>
    public byte[] Read(ulong start, ulong end)
    {
        if (end < start)
            throw new InvalidCheckpointException($"invalid memory range 0x{start:x}-0x{end:x}");
        if (end - start > MaxReadBytes)
            throw new InvalidCheckpointException($"memory range 0x{start:x}-0x{end:x} is larger than {MaxReadBytes >> 20} MiB");
        var buffer = new byte[end - start];
        Read(start, buffer);
        return buffer;
    }

    /// <summary>Fills <paramref name="destination"/> with memory from <paramref name="address"/> (holes as zeros).</summary>
    public void Read(ulong address, Span<byte> destination)
    {
        var pageSize = (ulong)Pagemap.PageSize;
        while (!destination.IsEmpty)
        {
            var index = Pagemap.FindRun(address);
            int chunk;
            if (index < 0)
            {
                // Up to the next run (or the end of the request) is a hole.
                var next = NextRunAddress(address);
                chunk = (int)Math.Min((ulong)destination.Length, next - address);
                destination[..chunk].Clear();
            }
            else
            {
                var run = Pagemap.Runs[index];
                var runEnd = run.Address + run.PageCount * pageSize;
                chunk = (int)Math.Min((ulong)destination.Length, runEnd - address);
                if (run.IsPresent)
                    _pages.ReadExactlyAt(run.FileOffsetInPages + (long)(address - run.Address), destination[..chunk]);
                else
                    destination[..chunk].Clear();
            }
            address += (ulong)chunk;
            destination = destination[chunk..];
        }
    }

    private ulong NextRunAddress(ulong address)
    {
        foreach (var run in Pagemap.Runs)
        {
            if (run.Address > address)
                return run.Address;
        }
        return ulong.MaxValue;
    }
}
