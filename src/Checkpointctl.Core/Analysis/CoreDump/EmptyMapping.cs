namespace Checkpointctl.Core.Analysis.CoreDump;

/// <summary>
/// A file-backed mapping whose contents the core lacks because the checkpoint does not hold them and the file was not
/// available: <paramref name="What"/> says what is missing (e.g. "2 of 4 pages left as zeros"), <paramref name="Why"/> why.
/// </summary>
public sealed record EmptyMapping(ulong Start, ulong End, string Name, string What, string Why);
