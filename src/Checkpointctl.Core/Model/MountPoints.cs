using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Criu.Images;
using Checkpointctl.Core.Metadata;

namespace Checkpointctl.Core.Model;

/// <summary>The mounts <c>inspect --mounts</c> lists: spec.dump's for a container, CRIU's mount images for a bare dump.</summary>
public static class MountPoints
{
    /// <summary>The CRIU images of dumped mount namespaces (one per namespace).</summary>
    public static MemberPattern Images { get; } = ArchiveLayout.Image("mountpoints-*.img");

    /// <summary>
    /// A container's mounts as its OCI spec lists them (upstream's view). A bare CRIU image directory has no spec: its
    /// mounts are those CRIU dumped (every <c>mountpoints-*.img</c> in name order, each sorted by mount point), or null
    /// when it dumped no mount namespace.
    /// </summary>
    public static IReadOnlyList<MountPoint>? Of(ContainerInfo container, CriuImages images)
    {
        if (container.HasContainerMetadata)
            return (container.Spec.Mounts ?? []).Select(m => new MountPoint(m.Destination, m.Type, m.Source)).ToList();
        var names = images.Archive.MembersMatching(Images)
            .Select(m => m.Name[ArchiveLayout.CheckpointPrefix.Length..])
            .Order(StringComparer.Ordinal)
            .ToList();
        if (names.Count == 0)
            return null;
        return names.SelectMany(n => images.Mounts(n).OrderBy(m => m.Mountpoint, StringComparer.Ordinal).ThenBy(m => m.MntId))
            .Select(m => new MountPoint(m.Mountpoint, TypeName(m), m.Source))
            .ToList();
    }

    /// <summary>CRIU's name of the filesystem type (its <c>fstypes</c> table), the recorded name for the others.</summary>
    public static string TypeName(MntEntry mount) => (Fstype)mount.Fstype switch
    {
        Fstype.Proc => "proc",
        Fstype.Sysfs => "sysfs",
        Fstype.Devtmpfs => "devtmpfs",
        Fstype.BinfmtMisc => "binfmt_misc",
        Fstype.Tmpfs => "tmpfs",
        Fstype.Devpts => "devpts",
        Fstype.Simfs => "simfs",
        Fstype.Pstore => "pstore",
        Fstype.Securityfs => "securityfs",
        Fstype.Fusectl => "fusectl",
        Fstype.Debugfs => "debugfs",
        Fstype.Cgroup => "cgroup",
        Fstype.Aufs => "aufs",
        Fstype.Mqueue => "mqueue",
        Fstype.Fuse => "fuse",
        Fstype.Overlayfs => "overlay",
        Fstype.Autofs => "autofs",
        Fstype.Tracefs => "tracefs",
        Fstype.Cgroup2 => "cgroup2",
        // An AUTO mount carries its name; an external one (handed to CRIU by the runtime, e.g. a bind-mounted file) is
        // a bind mount.
        _ when mount.Fsname.Length > 0 => mount.Fsname,
        _ when mount.ExtKey.Length > 0 || mount.ExtMount => "bind",
        _ => "",
    };
}
