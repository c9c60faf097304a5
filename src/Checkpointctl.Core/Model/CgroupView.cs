using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Criu.Images;

namespace Checkpointctl.Core.Model;

/// <summary>
/// The cgroups of a checkpoint's processes (<c>inspect --cgroups</c>, forensics.md §2.8): which cgroup set each process
/// (and any thread in another one) is in, and per set each hierarchy's path with the properties CRIU recorded of its
/// directory (limits such as <c>pids.max</c>, <c>memory.limit_in_bytes</c>, <c>cpu.cfs_quota_us</c>, <c>cpuset.cpus</c>).
/// </summary>
public sealed class CgroupView
{
    /// <summary>The images the view reads: the processes' cores and cgroup.img.</summary>
    public static IReadOnlyList<MemberPattern> Images { get; } = [.. CriuImages.ProcessTreeImages, ArchiveLayout.Image("cgroup.img")];

    /// <summary>Each process with images: its cgroup set, and the threads in another set.</summary>
    public required IReadOnlyList<ProcessCgroups> Processes { get; init; }

    /// <summary>The sets the processes are in, by ID.</summary>
    public required IReadOnlyList<CgroupSet> Sets { get; init; }

    /// <summary>The view of <paramref name="nodes"/>; a checkpoint without cgroup.img has no sets (CRIU was told not to dump them).</summary>
    public static CgroupView Read(CriuImages images, IEnumerable<ProcessNode> nodes)
    {
        var processes = new List<ProcessCgroups>();
        foreach (var node in nodes.Where(n => n.HasImages))
        {
            var core = images.Core(node.Pid);
            // Older CRIU records the set in the task's core, current CRIU in each thread's.
            var set = core.Tc is { HasCgSet: true } tc ? tc.CgSet : core.ThreadCore?.CgSet ?? 0;
            var threads = node.Threads.Where(t => t != 0 && t != node.Pid && images.Has($"core-{t}.img"))
                .Select(t => (Tid: t, Set: images.Core(t).ThreadCore?.CgSet ?? 0))
                .Where(t => t.Set != 0 && t.Set != set)
                .ToList();
            processes.Add(new ProcessCgroups(node.Pid, node.Comm, set, threads));
        }
        var entry = images.Has("cgroup.img") ? images.Cgroup() : null;
        var used = processes.Select(p => p.Set).Concat(processes.SelectMany(p => p.Threads.Select(t => t.Set))).ToHashSet();
        var hierarchies = entry == null ? null : new Hierarchies(entry);
        var sets = entry?.Sets.Where(s => used.Contains(s.Id)).DistinctBy(s => s.Id).OrderBy(s => s.Id)
            .Select(s => new CgroupSet(s.Id, s.Ctls.Select(hierarchies!.Member).ToList())).ToList() ?? [];
        return new CgroupView { Processes = processes, Sets = sets };
    }

    /// <summary>cgroup.img's hierarchies, each indexed once (a hostile image may hold millions of entries).</summary>
    private sealed class Hierarchies
    {
        private readonly Dictionary<string, CgControllerEntry> _byName = new(StringComparer.Ordinal);
        private readonly Dictionary<CgControllerEntry, Dictionary<string, CgroupDirEntry>> _directories = new(ReferenceEqualityComparer.Instance);

        // A member names its hierarchy by its controllers (cpu,cpuacct; "" the unified one); one controller alone also finds it.
        public Hierarchies(CgroupEntry entry)
        {
            foreach (var c in entry.Controllers)
                _byName.TryAdd(string.Join(",", c.Cnames), c);
            foreach (var c in entry.Controllers)
            {
                foreach (var name in c.Cnames)
                    _byName.TryAdd(name, c);
            }
        }

        public CgroupMember Member(CgMemberEntry m)
        {
            CgroupDirEntry? directory = null;
            if (_byName.TryGetValue(m.Name, out var controller))
            {
                if (!_directories.TryGetValue(controller, out var byPath))
                    _directories[controller] = byPath = ByPath(controller.Dirs);
                directory = byPath.GetValueOrDefault(m.Path.Trim('/'));
            }
            var properties = directory?.Properties.Select(p => (p.Name, p.Value)).ToList() ?? [];
            return new CgroupMember(m.Name.Length == 0 ? "v2" : m.Name, m.Path, m.CgnsPrefix, properties);
        }

        // Directories by path (CRIU names each by its path below the hierarchy's root), the first of a path kept; walked
        // iteratively so that a hostile image's nesting costs no stack.
        private static Dictionary<string, CgroupDirEntry> ByPath(IEnumerable<CgroupDirEntry> dirs)
        {
            var byPath = new Dictionary<string, CgroupDirEntry>(StringComparer.Ordinal);
            var stack = new Stack<CgroupDirEntry>(dirs.Reverse());
            while (stack.TryPop(out var dir))
            {
                byPath.TryAdd(dir.DirName.Trim('/'), dir);
                foreach (var child in dir.Children.Reverse())
                    stack.Push(child);
            }
            return byPath;
        }
    }
}

/// <summary>A process's cgroup set, and its threads in another set.</summary>
public sealed record ProcessCgroups(uint Pid, string Command, uint Set, IReadOnlyList<(uint Tid, uint Set)> Threads);

/// <summary>A cgroup set: the hierarchies a task is in.</summary>
public sealed record CgroupSet(uint Id, IReadOnlyList<CgroupMember> Members);

/// <summary>
/// One hierarchy of a set: its controllers (<c>v2</c> for the unified hierarchy), the cgroup's path, the length of the
/// prefix a cgroup namespace hides, and the properties CRIU recorded of that directory (values may span lines).
/// </summary>
public sealed record CgroupMember(string Hierarchy, string Path, uint NamespacePrefix, IReadOnlyList<(string Name, string Value)> Properties);
