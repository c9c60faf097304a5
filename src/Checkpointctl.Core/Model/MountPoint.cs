namespace Checkpointctl.Core.Model;

/// <summary>One mount as <c>inspect --mounts</c> shows it (from spec.dump, or from CRIU's mount images).</summary>
/// <param name="Destination">Where it is mounted inside the container (or the dumped mount namespace).</param>
/// <param name="Type">The filesystem type (OCI's type, or CRIU's filesystem name).</param>
/// <param name="Source">The mount source (OCI's source, or the source CRIU recorded from mountinfo).</param>
public sealed record MountPoint(string Destination, string Type, string Source);
