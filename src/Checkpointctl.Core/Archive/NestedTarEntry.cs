namespace Checkpointctl.Core.Archive;

/// <summary>An entry of a tar inside the checkpoint (e.g. <c>rootfs-diff.tar</c>), from its header only.</summary>
/// <param name="Type"><c>file</c>, <c>dir</c>, <c>symlink</c>, <c>hardlink</c>, <c>char</c>, <c>block</c>, <c>fifo</c> or <c>other</c>.</param>
/// <param name="Mode">Permission bits (including setuid, setgid, sticky).</param>
/// <param name="Link">The target of a symbolic or hard link, else null.</param>
/// <param name="Path">The entry's path.</param>
/// <param name="Size">Its size in bytes.</param>
/// <param name="Modified">Its modification time.</param>
public sealed record NestedTarEntry(string Path, string Type, long Size, int Mode, DateTimeOffset Modified, string? Link);
