using Checkpointctl.Core.Criu;

namespace Checkpointctl.Core.Model;

/// <summary>The AMD GPU plugin's images of one kind: how many and their total size (from the archive's headers).</summary>
public sealed record AmdGpuImageGroup(AmdGpuImageKind Kind, int Files, long Size);
