namespace Checkpointctl.Core.Model;

/// <summary>A named list of properties in recorded order (a network device, a SysV segment …).</summary>
public sealed record PropertyGroup(string Name, IReadOnlyList<KeyValuePair<string, string>> Properties);
