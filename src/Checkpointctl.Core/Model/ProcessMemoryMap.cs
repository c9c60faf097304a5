namespace Checkpointctl.Core.Model;

/// <summary>A process's memory map (<c>inspect --memory-map</c>).</summary>
public sealed class ProcessMemoryMap
{
    /// <summary>The process ID.</summary>
    public required uint Pid { get; init; }
    /// <summary>The command name.</summary>
    public required string Command { get; init; }

    /// <summary>The executable's path (<c>mm.exe_file_id</c>), empty when not a recorded regular file.</summary>
    public required string Executable { get; init; }

    /// <summary>The page size in bytes.</summary>
    public required int PageSize { get; init; }

    /// <summary>The mappings in address order.</summary>
    public required IReadOnlyList<MemoryMapping> Mappings { get; init; }

    /// <summary>MADV_GUARD_INSTALL ranges (CRIU ≥ 4.2 stores them as pseudo-mappings after the real ones).</summary>
    public required IReadOnlyList<(ulong Start, ulong End)> Guards { get; init; }

    /// <summary>Pages held by the checkpoint.</summary>
    public ulong DumpedPages => Mappings.Aggregate(0UL, (s, m) => s + m.DumpedPages);
    /// <summary>Pages held by a parent checkpoint.</summary>
    public ulong ParentPages => Mappings.Aggregate(0UL, (s, m) => s + m.ParentPages);
    /// <summary>Pages left for lazy restore.</summary>
    public ulong LazyPages => Mappings.Aggregate(0UL, (s, m) => s + m.LazyPages);
}
