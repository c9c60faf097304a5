namespace Checkpointctl.Core.Analysis.CoreDump;

/// <summary>Where cores go: one new seekable stream per process, put in place only when the core is complete.</summary>
public interface ICoreFiles
{
    /// <summary>An empty, seekable, writable stream for the core of <paramref name="pid"/>.</summary>
    Stream Create(uint pid);

    /// <summary>The core of <paramref name="pid"/> is complete: make it visible.</summary>
    void Commit(uint pid);

    /// <summary>The core of <paramref name="pid"/> is not wanted after all (or failed): remove what was written.</summary>
    void Discard(uint pid);
}
