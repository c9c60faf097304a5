using System.Text.Json;
using Checkpointctl.Core.Criu;
using Checkpointctl.Core.Criu.Images;
using Checkpointctl.Core.Model;
using Google.Protobuf;

namespace Checkpointctl.Tests;

/// <summary><c>inspect --namespaces</c>, <c>--security</c> and <c>--inventory</c>: against crit on every fixture, and on built checkpoints.</summary>
public class SystemViewTests
{
    public static TheoryData<string, string> Oracles() => ThreadViewTests.Oracles();

    [Theory]
    [MemberData(nameof(Oracles))]
    public void Namespaces_match_crit(string checkpoint, string oracle)
    {
        var json = ThreadViewTests.InspectJson(checkpoint, "--namespaces").GetProperty("namespaces");
        var root = ThreadViewTests.Crit(oracle, "inventory.img")[0].GetProperty("root_ids");
        foreach (var p in json.GetProperty("processes").EnumerateArray())
        {
            var ids = ThreadViewTests.Crit(oracle, $"ids-{p.GetProperty("pid").GetUInt32()}.img")[0];
            var host = p.GetProperty("host").EnumerateArray().Select(h => h.GetString()).ToHashSet();
            foreach (var ns in p.GetProperty("ids").EnumerateObject())
            {
                Assert.Equal(ids.GetProperty($"{ns.Name}_ns_id").GetUInt32(), ns.Value.GetUInt32());
                Assert.Equal(root.GetProperty($"{ns.Name}_ns_id").GetUInt32() == ns.Value.GetUInt32(), host.Contains(ns.Name));
            }
        }
        foreach (var ns in json.GetProperty("details").EnumerateArray())
        {
            var props = ns.GetProperty("properties");
            var id = ns.GetProperty("id").GetUInt32();
            switch (ns.GetProperty("type").GetString())
            {
                case "uts" when File.Exists(Path.Combine(oracle, $"utsns-{id}.img.decode.json")):
                    var uts = ThreadViewTests.Crit(oracle, $"utsns-{id}.img")[0];
                    Assert.Equal(uts.GetProperty("nodename").GetString(), props.GetProperty("hostname").GetString());
                    Assert.Equal(uts.GetProperty("domainname").GetString(), props.GetProperty("domainname").GetString());
                    break;
                case "ipc" when File.Exists(Path.Combine(oracle, $"ipcns-var-{id}.img.decode.json")):
                    var ipc = ThreadViewTests.Crit(oracle, $"ipcns-var-{id}.img")[0];
                    Assert.Equal(ipc.GetProperty("shm_ctlmax").GetUInt64().ToString(), props.GetProperty("shm_ctlmax").GetString());
                    Assert.Equal(string.Join(' ', ipc.GetProperty("sem_ctls").EnumerateArray().Select(v => v.GetUInt32())), props.GetProperty("sem").GetString());
                    break;
                case "net" when File.Exists(Path.Combine(oracle, $"netdev-{id}.img.decode.json")):
                    var devices = ThreadViewTests.Crit(oracle, $"netdev-{id}.img").EnumerateArray().ToList();
                    var objects = ns.GetProperty("objects").EnumerateArray().ToList();
                    Assert.Equal(devices.Select(d => d.GetProperty("name").GetString()), objects.Select(o => o.GetProperty("name").GetString()));
                    Assert.Equal(devices[0].GetProperty("mtu").GetUInt32().ToString(), objects[0].GetProperty("properties").GetProperty("mtu").GetString());
                    break;
                case "time":
                    var image = File.Exists(Path.Combine(oracle, $"timens-{id}.img.decode.json")) ? $"timens-{id}.img" : "timens-0.img";
                    var mono = ThreadViewTests.Crit(oracle, image)[0].GetProperty("monotonic");
                    var seconds = mono.GetProperty("tv_sec").GetUInt64();
                    Assert.EndsWith($"{seconds % 60}.{mono.GetProperty("tv_nsec").GetUInt64():D9}s", props.GetProperty("monotonic").GetString());
                    break;
            }
        }
    }

    [Theory]
    [MemberData(nameof(Oracles))]
    public void Security_matches_crit(string checkpoint, string oracle)
    {
        foreach (var p in ThreadViewTests.InspectJson(checkpoint, "--security").GetProperty("security").EnumerateArray())
        {
            var core = ThreadViewTests.Crit(oracle, $"core-{p.GetProperty("pid").GetUInt32()}.img")[0];
            var creds = core.GetProperty("thread_core").GetProperty("creds");
            Assert.Equal(new[] { "uid", "euid", "suid", "fsuid" }.Select(f => creds.GetProperty(f).GetUInt32()), p.GetProperty("uids").EnumerateArray().Select(u => u.GetUInt32()));
            Assert.Equal(new[] { "gid", "egid", "sgid", "fsgid" }.Select(f => creds.GetProperty(f).GetUInt32()), p.GetProperty("gids").EnumerateArray().Select(u => u.GetUInt32()));
            foreach (var (set, field) in new[] { ("effective", "cap_eff"), ("permitted", "cap_prm"), ("bounding", "cap_bnd"), ("inheritable", "cap_inh") })
            {
                var words = creds.GetProperty(field).EnumerateArray().Select(w => w.GetUInt32()).ToList();
                var mask = Capabilities.Mask(words);
                Assert.Equal($"0x{mask:x16}", p.GetProperty("capabilities").GetProperty(set).GetProperty("mask").GetString());
                Assert.Equal(ulong.PopCount(mask), (ulong)p.GetProperty("capabilities").GetProperty(set).GetProperty("names").GetArrayLength());
            }
            var mode = core.GetProperty("thread_core").TryGetProperty("seccomp_mode", out var m) ? m.GetString() : "disabled";
            Assert.Equal(mode, p.GetProperty("seccomp_mode").GetString());
        }
    }

    [Theory]
    [MemberData(nameof(Oracles))]
    public void Inventory_matches_crit(string checkpoint, string oracle)
    {
        var ours = ThreadViewTests.InspectJson(checkpoint, "--inventory").GetProperty("inventory");
        var crit = ThreadViewTests.Crit(oracle, "inventory.img")[0];
        Assert.Equal(crit.GetProperty("img_version").GetUInt32(), ours.GetProperty("img_version").GetUInt32());
        Assert.Equal(crit.GetProperty("dump_criu_run_id").GetString(), ours.GetProperty("dump_criu_run_id").GetString());
        Assert.Equal(crit.GetProperty("root_cg_set").GetUInt32(), ours.GetProperty("root_cg_set").GetUInt32());
        foreach (var id in ours.GetProperty("root_ids").EnumerateObject())
        {
            var field = id.Name is "vm" or "files" or "fs" or "sighand" ? $"{id.Name}_id" : $"{id.Name}_ns_id";
            Assert.Equal(crit.GetProperty("root_ids").GetProperty(field).GetUInt32(), id.Value.GetUInt32());
        }
        Assert.Equal(crit.GetProperty("plugins_entry").TryGetProperty("plugins", out var plugins) ? plugins.GetArrayLength() : 0, ours.GetProperty("plugins").GetArrayLength());
    }

    [Fact]
    public void Criu_version_from_dump_log_or_not_recorded()
    {
        Assert.Contains("CRIU version: 4.2 (gitid 0) (from checkpoint/dump.log)", ThreadViewTests.TreeLines(TestPaths.Criu("shell-loop"), "--inventory"));
        Assert.Contains("CRIU version: 4.2 (gitid 0) (from checkpoint/dump.log)", ThreadViewTests.TreeLines(TestPaths.Wrapped("pytree-containerd.tar.gz"), "--inventory"));
        Assert.Contains("CRIU version: not recorded", ThreadViewTests.TreeLines(TestPaths.Archive("simple-none.tar"), "--inventory"));
    }

    [Fact]
    public void Built_user_namespace_security_and_inventory()
    {
        var creds = new CredsEntry
        {
            Uid = 1000, Euid = 0, Suid = 1000, Fsuid = 0, Gid = 100, Egid = 100, Sgid = 100, Fsgid = 100, Groups = { 10, 27 },
            CapEff = { 0xa80425fb, 0 }, CapPrm = { 0xa80425fb, 0 }, CapInh = { 0, 0 }, CapBnd = { 0xffffffff, 0x3ff }, CapAmb = { 1 << 10, 0 },
            Secbits = 0x15, NoNewPrivs = 1, LsmProfile = "system_u:system_r:container_t:s0:c1,c2", LsmSockcreate = "system_u:object_r:sock_t:s0",
        };
        var other = creds.Clone();
        other.Euid = 1000;
        var inventory = new InventoryEntry
        {
            ImgVersion = 2, RootIds = new TaskKobjIdsEntry { PidNsId = 1, NetNsId = 2, UserNsId = 3, MntNsId = 4 }, Lsmtype = Lsmtype.Selinux,
            DumpUptime = 123_456_789, PreDumpMode = 2, NetworkLockMethod = 1, TcpClose = true, PluginsEntry = new PluginsEntry { Plugins = { "amdgpu_plugin" } },
        };
        var b = SyntheticCheckpoint.OneProcess()
            .Image("pstree.img", SyntheticCheckpoint.Frame(CriuMagic.Pstree, new PstreeEntry { Pid = 1, Pgid = 1, Sid = 1, Threads = { 1, 2 } }))
            .Image("core-1.img", SyntheticCheckpoint.Frame(CriuMagic.Core, new CoreEntry
            {
                Tc = new TaskCoreEntry { TaskState = 1, Comm = "app", Loginuid = 1000 },
                ThreadCore = new ThreadCoreEntry { Creds = creds, SeccompMode = SeccompMode.Filter, SeccompFilter = 1 },
            }))
            .Image("core-2.img", SyntheticCheckpoint.Frame(CriuMagic.Core, new CoreEntry { ThreadCore = new ThreadCoreEntry { Creds = other } }))
            .Image("seccomp.img", SyntheticCheckpoint.Frame(CriuMagic.Seccomp, new SeccompEntry
            {
                SeccompFilters = { new SeccompFilter { Filter = ByteString.CopyFrom(new byte[24]) }, new SeccompFilter { Filter = ByteString.CopyFrom(new byte[16]), Prev = 0 } },
            }))
            .Image("ids-1.img", SyntheticCheckpoint.Frame(CriuMagic.Ids, new TaskKobjIdsEntry { FilesId = 1, PidNsId = 1, NetNsId = 5, UserNsId = 6, MntNsId = 4 }))
            .Image("userns-6.img", SyntheticCheckpoint.Frame(CriuMagic.Userns, new UsernsEntry
            {
                UidMap = { new UidGidExtent { First = 0, LowerFirst = 100000, Count = 65536 } }, GidMap = { new UidGidExtent { First = 0, LowerFirst = 200000, Count = 1 } },
            }))
            .Image("netdev-5.img", SyntheticCheckpoint.Frame(CriuMagic.Netdev,
                new NetDeviceEntry { Type = NdType.Veth, Ifindex = 3, Mtu = 1500, Flags = 0x11043, Name = "eth0", Address = ByteString.CopyFrom(0x5e, 0xb7, 0xfe, 0xee, 0xe0, 0x00), PeerIfindex = 7 }))
            .Image("inventory.img", InventoryImage(inventory))
            .Image("pagemap-1.img", SyntheticCheckpoint.Frame(CriuMagic.Pagemap, new PagemapHead { PagesId = 1 },
                new PagemapEntry { Vaddr = 0x1000, NrPages = 3, Flags = 1 }, new PagemapEntry { Vaddr = 0x8000, NrPages = 2, Flags = 2 }))
            .Image("dump.log", "(00.000049) Version: 4.1.1 (gitid v4.1.1)\n(00.000060) Running on host Linux 6.1.0 #1 SMP aarch64\n"u8.ToArray());
        using var dir = new ScratchDir();
        var path = b.ToArchive().Link("checkpoint/parent", System.Formats.Tar.TarEntryType.SymbolicLink, "../pre-checkpoint").WriteTo(dir.Path, "c.tar");
        var lines = ThreadViewTests.TreeLines(path, "--namespaces", "--security", "--inventory");
        foreach (var expected in new[]
        {
            "pid 1 (host), net 5, mnt 4 (host), user 6",
            "uid_map: 0 100000 65536", "gid_map: 0 200000 1",
            "eth0", "type: VETH", "flags: UP,BROADCAST,RUNNING,MULTICAST,LOWER_UP", "address: 5e:b7:fe:ee:e0:00", "peer ifindex: 7",
            "UID: real 1000, effective 0, saved 1000, filesystem 0", "Groups: 10, 27",
            "Effective: CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID, CAP_KILL, CAP_SETGID, CAP_SETUID, CAP_SETPCAP, CAP_NET_BIND_SERVICE, CAP_NET_RAW, CAP_SYS_CHROOT, CAP_MKNOD, CAP_AUDIT_WRITE, CAP_SETFCAP (0x00000000a80425fb)",
            "Ambient: CAP_NET_BIND_SERVICE (0x0000000000000400)",
            "Securebits: NOROOT, NO_SETUID_FIXUP, KEEP_CAPS", "No new privileges: yes", "Seccomp: filter (2 filters, 5 instructions)",
            "LSM: SELinux", "Profile: system_u:system_r:container_t:s0:c1,c2", "Socket creation label: system_u:object_r:sock_t:s0",
            "Login UID: 1000", "Threads with other credentials: 2",
            "CRIU version: 4.1.1 (gitid v4.1.1) (from checkpoint/dump.log)", "Dump uptime: 123.456789 s", "Pre-dump mode: read",
            "Network lock: nftables", "TCP close: yes", "Plugins: amdgpu_plugin", "Lazy pages: 2", "Parent: checkpoint/parent -> ../pre-checkpoint, 3 pages in parent",
        })
            Assert.Contains(expected, lines);
        Assert.Contains(lines, l => l.StartsWith("Bounding: CAP_CHOWN", StringComparison.Ordinal) && l.EndsWith("CAP_BPF, CAP_CHECKPOINT_RESTORE, cap_41 (0x000003ffffffffff)", StringComparison.Ordinal));
    }

    // inventory.img has no head magic (format doc §1.2).
    private static byte[] InventoryImage(InventoryEntry entry)
    {
        var framed = SyntheticCheckpoint.Frame(CriuMagic.Inventory, entry);
        return framed[4..];
    }
}
