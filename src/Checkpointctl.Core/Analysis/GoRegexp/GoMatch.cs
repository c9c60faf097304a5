namespace Checkpointctl.Core.Analysis.GoRegexp;

/// <summary>A match: where it starts and how long it is, in UTF-16 code units.</summary>
public readonly record struct GoMatch(int Index, int Length);
