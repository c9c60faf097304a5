namespace Checkpointctl.Core.Analysis.CoreDump;

/// <summary>Writing a core file failed (e.g. a full disk): an output error, not an input one.</summary>
public sealed class CoreOutputException(uint pid, IOException inner) : Exception(inner.Message, inner)
{
    /// <summary>The process whose core was being written.</summary>
    public uint Pid { get; } = pid;
}
