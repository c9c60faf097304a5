using System.Globalization;
using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Criu.Images;

namespace Checkpointctl.Core.Model;

/// <summary>The namespaces of a checkpoint's processes and what CRIU recorded about each (<c>inspect --namespaces</c>).</summary>
public sealed class NamespaceView
{
    private static readonly string[] Kinds = ["pid", "net", "ipc", "uts", "mnt", "user", "cgroup", "time"];

    private static readonly (uint Bit, string Name)[] InterfaceFlags =
    [
        (0x1, "UP"), (0x2, "BROADCAST"), (0x4, "DEBUG"), (0x8, "LOOPBACK"), (0x10, "POINTOPOINT"), (0x20, "NOTRAILERS"),
        (0x40, "RUNNING"), (0x80, "NOARP"), (0x100, "PROMISC"), (0x200, "ALLMULTI"), (0x400, "MASTER"), (0x800, "SLAVE"),
        (0x1000, "MULTICAST"), (0x2000, "PORTSEL"), (0x4000, "AUTOMEDIA"), (0x8000, "DYNAMIC"), (0x10000, "LOWER_UP"),
        (0x20000, "DORMANT"), (0x40000, "ECHO"),
    ];

    /// <summary>The images the view reads: the processes' IDs, CRIU's own, and the namespace images.</summary>
    public static IReadOnlyList<MemberPattern> Images { get; } =
    [
        .. CriuImages.ProcessTreeImages, ArchiveLayout.Image("ids-*.img"), ArchiveLayout.Image("inventory.img"),
        ArchiveLayout.Image("utsns-*.img"), ArchiveLayout.Image("ipcns-var-*.img"), ArchiveLayout.Image("ipcns-shm-*.img"),
        ArchiveLayout.Image("netns-*.img"), ArchiveLayout.Image("netdev-*.img"), ArchiveLayout.Image("ifaddr-*.img"),
        ArchiveLayout.Image("timens-*.img"), ArchiveLayout.Image("userns-*.img"), ArchiveLayout.Image("pidns-*.img"),
        ArchiveLayout.Image("mountpoints-*.img"),
    ];

    /// <summary>The processes with their namespaces, in PID order.</summary>
    public required IReadOnlyList<ProcessNamespaces> Processes { get; init; }

    /// <summary>Every namespace the processes are in, by kind (in the order of <see cref="ProcessNamespaces"/>) then ID.</summary>
    public required IReadOnlyList<NamespaceDetails> Namespaces { get; init; }

    /// <summary>The namespaces of <paramref name="nodes"/> (processes without images are skipped).</summary>
    public static NamespaceView Read(CriuImages images, IEnumerable<ProcessNode> nodes)
    {
        var root = images.Has("inventory.img") ? images.Inventory().RootIds : null;
        var processes = new List<ProcessNamespaces>();
        foreach (var node in nodes.Where(n => n.HasImages))
        {
            var ids = images.Ids(node.Pid);
            var list = new List<(string, uint, bool)>();
            foreach (var kind in Kinds)
            {
                var id = Id(ids, kind);
                if (id != 0)
                    list.Add((kind, id, root != null && Id(root, kind) == id));
            }
            processes.Add(new ProcessNamespaces { Pid = node.Pid, Command = node.Comm, Namespaces = list });
        }
        var details = processes
            .SelectMany(p => p.Namespaces.Select(n => (n.Kind, n.Id, n.Host, p.Pid)))
            .GroupBy(n => (n.Kind, n.Id, n.Host))
            .OrderBy(g => Array.IndexOf(Kinds, g.Key.Kind)).ThenBy(g => g.Key.Id)
            .Select(g => Details(images, g.Key.Kind, g.Key.Id, g.Key.Host, g.Select(n => n.Pid).Order().ToList()))
            .ToList();
        return new NamespaceView { Processes = processes, Namespaces = details };
    }

    private static uint Id(TaskKobjIdsEntry ids, string kind) => kind switch
    {
        "pid" => ids.PidNsId,
        "net" => ids.NetNsId,
        "ipc" => ids.IpcNsId,
        "uts" => ids.UtsNsId,
        "mnt" => ids.MntNsId,
        "user" => ids.UserNsId,
        "cgroup" => ids.CgroupNsId,
        _ => ids.TimeNsId,
    };

    private static NamespaceDetails Details(CriuImages images, string kind, uint id, bool host, IReadOnlyList<uint> pids)
    {
        var used = new List<string>();
        var properties = new List<KeyValuePair<string, string>>();
        var objects = new List<PropertyGroup>();
        bool Use(string image)
        {
            if (!images.Has(image))
                return false;
            used.Add(image);
            return true;
        }
        void Add(string key, string value) => properties.Add(new(key, value));
        switch (kind)
        {
            case "uts" when Use($"utsns-{id}.img"):
                var uts = images.Utsns(id);
                Add("hostname", uts.Nodename);
                Add("domainname", uts.Domainname);
                break;
            case "ipc":
                if (Use($"ipcns-var-{id}.img"))
                    IpcLimits(images.IpcVar(id), Add);
                if (Use($"ipcns-shm-{id}.img"))
                    objects.AddRange(images.IpcShm(id).Select(SharedMemorySegment));
                Use($"ipcns-sem-{id}.img");
                Use($"ipcns-msg-{id}.img");
                break;
            case "net":
                Network(images, id, Use, Add, objects);
                break;
            case "mnt" when Use($"mountpoints-{id}.img"):
                Add("mounts", images.Mounts($"mountpoints-{id}.img").Count.ToString(CultureInfo.InvariantCulture));
                break;
            case "user" when Use($"userns-{id}.img"):
                var user = images.Userns(id);
                Add("uid_map", Extents(user.UidMap));
                Add("gid_map", Extents(user.GidMap));
                break;
            case "pid" when Use($"pidns-{id}.img"):
                Add("external key", images.Pidns(id).ExtKey);
                break;
            case "time":
                // Without a time namespace of its own the tree shares CRIU's, whose clocks timens-0.img holds.
                if (Use($"timens-{id}.img") || (host && Use("timens-0.img")))
                    TimeOffsets(images.Timens(host && !images.Has($"timens-{id}.img") ? 0 : id), Add);
                break;
        }
        return new NamespaceDetails { Kind = kind, Id = id, Host = host, Pids = pids, Images = used, Properties = properties, Objects = objects };
    }

    private static void IpcLimits(IpcVarEntry v, Action<string, string> add)
    {
        if (v.SemCtls.Count > 0)
            add("sem", string.Join(' ', v.SemCtls));
        foreach (var field in IpcVarEntry.Descriptor.Fields.InFieldNumberOrder().Skip(1))
        {
            if (field.Accessor.HasValue(v))
                add(field.Name, Convert.ToString(field.Accessor.GetValue(v), CultureInfo.InvariantCulture)!);
        }
    }

    private static PropertyGroup SharedMemorySegment(IpcShmEntry shm) => new(
        $"shm {shm.Desc?.Id ?? 0}",
        [
            new("key", $"0x{shm.Desc?.Key ?? 0:x8}"), new("size", shm.Size.ToString(CultureInfo.InvariantCulture)),
            new("mode", $"0{Convert.ToString(shm.Desc?.Mode ?? 0, 8)}"), new("uid", (shm.Desc?.Uid ?? 0).ToString(CultureInfo.InvariantCulture)),
            new("gid", (shm.Desc?.Gid ?? 0).ToString(CultureInfo.InvariantCulture)),
        ]);

    private static void Network(CriuImages images, uint id, Func<string, bool> use, Action<string, string> add, List<PropertyGroup> objects)
    {
        if (use($"netns-{id}.img") && images.Netns(id).ExtKey is { Length: > 0 } key)
            add("external key", key);
        var addresses = use($"ifaddr-{id}.img") ? images.InterfaceAddresses(id) : [];
        if (use($"netdev-{id}.img"))
        {
            foreach (var d in images.NetDevices(id))
            {
                var p = new List<KeyValuePair<string, string>>
                {
                    new("type", d.HasType ? d.Type.ToString().ToUpperInvariant() : ""), new("ifindex", d.Ifindex.ToString(CultureInfo.InvariantCulture)),
                    new("mtu", d.Mtu.ToString(CultureInfo.InvariantCulture)), new("flags", Flags(d.Flags)),
                };
                if (!d.Address.IsEmpty)
                    p.Add(new("address", string.Join(':', d.Address.Select(b => b.ToString("x2", CultureInfo.InvariantCulture)))));
                if (d.HasPeerIfindex)
                    p.Add(new("peer ifindex", d.PeerIfindex.ToString(CultureInfo.InvariantCulture)));
                if (d.HasPeerNsid)
                    p.Add(new("peer netns id", d.PeerNsid.ToString(CultureInfo.InvariantCulture)));
                if (d.HasMaster)
                    p.Add(new("master", d.Master.ToString(CultureInfo.InvariantCulture)));
                foreach (var a in addresses.Where(a => a.InterfaceIndex == d.Ifindex))
                    p.Add(new("inet", $"{a.Address}/{a.PrefixLength}"));
                objects.Add(new PropertyGroup(d.Name, p));
            }
        }
        foreach (var raw in new[] { "route", "route6", "rule", "iptables", "ip6tables", "nftables", "netns-ct", "netns-exp" })
            use($"{raw}-{id}.img");
    }

    private static string Flags(uint flags)
    {
        var names = InterfaceFlags.Where(f => (flags & f.Bit) != 0).Select(f => f.Name).ToList();
        var rest = flags & ~InterfaceFlags.Aggregate(0u, (a, f) => a | f.Bit);
        if (rest != 0)
            names.Add($"0x{rest:x}");
        return string.Join(',', names);
    }

    private static string Extents(IEnumerable<UidGidExtent> extents) =>
        string.Join(", ", extents.Select(e => $"{e.First} {e.LowerFirst} {e.Count}"));

    private static void TimeOffsets(TimensEntry t, Action<string, string> add)
    {
        add("monotonic", Duration(t.Monotonic));
        add("boottime", Duration(t.Boottime));
        var mono = Nanoseconds(t.Monotonic);
        var boot = Nanoseconds(t.Boottime);
        if (boot >= mono)
            add("suspended", Duration(boot - mono));
    }

    private static UInt128 Nanoseconds(Timespec? t) => t == null ? 0 : (UInt128)t.TvSec * 1_000_000_000 + t.TvNsec;

    private static string Duration(Timespec? t) => Duration(Nanoseconds(t));

    /// <summary><c>1d 2h 3m 4.000000005s</c>.</summary>
    public static string Duration(UInt128 ns)
    {
        var seconds = ns / 1_000_000_000;
        var fraction = (ulong)(ns % 1_000_000_000);
        var s = (ulong)(seconds % 60);
        var m = (ulong)(seconds / 60 % 60);
        var h = (ulong)(seconds / 3600 % 24);
        var d = seconds / 86400;
        return string.Create(CultureInfo.InvariantCulture, $"{d}d {h}h {m}m {s}.{fraction:D9}s");
    }
}
