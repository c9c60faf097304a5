namespace Checkpointctl.Core.Analysis;

/// <summary>How much a finding of <c>check</c> matters.</summary>
public enum CheckSeverity
{
    /// <summary>A recorded fact, reported for reference (never changes the exit code).</summary>
    Info,

    /// <summary>Something that may make a restore fail or behave differently.</summary>
    Warning,

    /// <summary>The checkpoint is damaged or incomplete: it cannot be restored anywhere.</summary>
    Error,

    /// <summary>The checkpoint is sound, but it cannot be restored on this host.</summary>
    Blocker,
}

/// <summary>One finding of <c>check</c>: its severity, the check that made it (<c>images</c>, <c>host.kernel</c> …) and what it found.</summary>
public sealed record CheckFinding(CheckSeverity Severity, string Check, string Message);
