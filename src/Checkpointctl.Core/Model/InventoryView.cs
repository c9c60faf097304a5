using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Criu.Images;
using Checkpointctl.Core.Metadata;

namespace Checkpointctl.Core.Model;

/// <summary>What CRIU recorded about the dump itself (<c>inspect --inventory</c>, forensics.md §2.6).</summary>
public sealed class InventoryView
{
    private static readonly string[] IdNames =
        ["vm", "files", "fs", "sighand", "pid", "net", "ipc", "uts", "mnt", "user", "cgroup", "time"];

    /// <summary>The images the view reads.</summary>
    public static IReadOnlyList<MemberPattern> Images { get; } = [ArchiveLayout.Image("inventory.img"), ArchiveLayout.Image("pagemap-*.img")];

    /// <summary>The image version (<c>img_version</c>).</summary>
    public uint? ImageVersion { get; init; }
    /// <summary>fdinfo images are per file table (<c>fdinfo_per_id</c>).</summary>
    public bool? FdinfoPerId { get; init; }
    /// <summary>Namespace images are per ID (<c>ns_per_id</c>).</summary>
    public bool? NsPerId { get; init; }

    /// <summary>CRIU's own IDs (<c>root_ids</c>), in field order; those not recorded are left out.</summary>
    public IReadOnlyList<(string Kind, uint Id)> RootIds { get; init; } = [];

    /// <summary>The root cgroup set (<c>root_cg_set</c>).</summary>
    public uint? RootCgSet { get; init; }
    /// <summary>The LSM (<c>lsmtype</c>).</summary>
    public string? Lsm { get; init; }

    /// <summary>Host uptime at the dump in µs (recorded with <c>--track-mem</c> and pre-dumps).</summary>
    public ulong? DumpUptime { get; init; }

    /// <summary><c>splice</c> or <c>read</c> (or the number) for a pre-dump.</summary>
    public string? PreDumpMode { get; init; }

    /// <summary>TCP connections were closed at dump (<c>tcp_close</c>).</summary>
    public bool? TcpClose { get; init; }

    /// <summary><c>iptables</c> (also when not recorded), <c>nftables</c>, <c>skip</c>.</summary>
    public required string NetworkLock { get; init; }

    /// <summary>Plugins active at the dump; null when the inventory has no plugin list (CRIU &lt; 4.1).</summary>
    public IReadOnlyList<string>? Plugins { get; init; }

    /// <summary>The dump's run ID.</summary>
    public string? RunId { get; init; }
    /// <summary>uprobes were allowed (<c>allow_uprobes</c>).</summary>
    public bool? AllowUprobes { get; init; }

    /// <summary>The CRIU version, from <c>dump.log</c> or the checkpoint's annotations; null when neither records it.</summary>
    public string? CriuVersion { get; init; }

    /// <summary>Where <see cref="CriuVersion"/> comes from (<c>dump.log</c>, an annotation key).</summary>
    public string? CriuVersionSource { get; init; }

    /// <summary>Pages of the processes' pagemaps left for lazy restore, and kept in a parent checkpoint.</summary>
    public ulong LazyPages { get; init; }

    /// <summary>See <see cref="LazyPages"/>.</summary>
    public ulong ParentPages { get; init; }

    /// <summary>The <c>parent</c> link of an incremental checkpoint and its target (<c>checkpoint/parent -&gt; ../pre-checkpoint</c>), if any.</summary>
    public string? ParentLink { get; init; }

    // The link in the archive, or beside the images of a directory (where CRIU itself creates it).
    private static string? FindParentLink(CriuImages images)
    {
        var name = images.Prefix + "parent";
        if (images.Archive.SymbolicLinks.TryGetValue(name, out var target))
            return $"{name} -> {target}";
        if (images.Input is { OpenStream: null } input && Directory.Exists(input.Path))
        {
            var imageDir = images.Archive.IsBareImageDirectory ? input.Path : Path.Combine(input.Path, images.Prefix);
            if (new FileInfo(Path.Combine(imageDir, "parent")).LinkTarget is { } onDisk)
                return $"{name} -> {onDisk}";
        }
        return null;
    }

    /// <summary>The view of an image set's inventory, with the CRIU version from <paramref name="log"/> or <paramref name="annotatedVersion"/>.</summary>
    public static InventoryView Read(CriuImages images, DumpLog? log, string? annotatedVersion)
    {
        var inv = images.Inventory();
        ulong lazy = 0, parent = 0;
        foreach (var member in images.Archive.MembersMatching(ArchiveLayout.Image("pagemap-*.img")))
        {
            var name = member.Name[ArchiveLayout.CheckpointPrefix.Length..];
            if (name.StartsWith("pagemap-shmem-", StringComparison.Ordinal) || !uint.TryParse(name["pagemap-".Length..^".img".Length], out var pid))
                continue;
            var pagemap = images.Pagemap(pid);
            var (_, p, l) = MemoryMap.CountPages(pagemap, 0, ulong.MaxValue);
            parent += p;
            lazy += l;
        }
        var rootIds = new List<(string, uint)>();
        if (inv.RootIds is { } ids)
        {
            var fields = TaskKobjIdsEntry.Descriptor.Fields.InFieldNumberOrder();
            for (var i = 0; i < fields.Count && i < IdNames.Length; i++)
            {
                if (fields[i].Accessor.HasValue(ids))
                    rootIds.Add((IdNames[i], (uint)fields[i].Accessor.GetValue(ids)));
            }
        }
        return new InventoryView
        {
            ImageVersion = inv.HasImgVersion ? inv.ImgVersion : null,
            FdinfoPerId = inv.HasFdinfoPerId ? inv.FdinfoPerId : null,
            NsPerId = inv.HasNsPerId ? inv.NsPerId : null,
            RootIds = rootIds,
            RootCgSet = inv.HasRootCgSet ? inv.RootCgSet : null,
            Lsm = inv.HasLsmtype ? inv.Lsmtype switch { Lsmtype.Selinux => "SELinux", Lsmtype.Apparmor => "AppArmor", _ => "none" } : null,
            DumpUptime = inv.HasDumpUptime ? inv.DumpUptime : null,
            PreDumpMode = inv.HasPreDumpMode ? inv.PreDumpMode switch { 1 => "splice", 2 => "read", var m => m.ToString(System.Globalization.CultureInfo.InvariantCulture) } : null,
            TcpClose = inv.HasTcpClose ? inv.TcpClose : null,
            NetworkLock = !inv.HasNetworkLockMethod ? "iptables" : inv.NetworkLockMethod switch
            {
                0 => "iptables", 1 => "nftables", 2 => "skip", var m => m.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            Plugins = inv.PluginsEntry is { } plugins ? [.. plugins.Plugins] : null,
            RunId = inv.HasDumpCriuRunId ? inv.DumpCriuRunId : null,
            AllowUprobes = inv.HasAllowUprobes ? inv.AllowUprobes : null,
            CriuVersion = log?.Version ?? annotatedVersion,
            CriuVersionSource = log?.Version != null ? log.Member : annotatedVersion != null ? CheckpointAnnotations.CriuVersion : null,
            LazyPages = lazy,
            ParentPages = parent,
            ParentLink = FindParentLink(images),
        };
    }
}
