using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Criu;
using Checkpointctl.Core.Criu.Crit;
using Checkpointctl.Core.Criu.Images;
using Checkpointctl.Core.Metadata;
using Checkpointctl.Core.Model;
using Checkpointctl.Core.Pod;

namespace Checkpointctl.Core.Analysis;

/// <summary>
/// <c>check</c>: whether a checkpoint is complete and consistent, and what would block restoring it on a given host —
/// without restoring. Reads every small image in one pass (never a pages file: their sizes come from the index).
/// </summary>
public sealed class CheckpointCheck
{
    private readonly List<CheckFinding> _findings = [];
    private readonly CriuImages _images;
    private readonly HashSet<string> _pagesFilesUsed = new(StringComparer.Ordinal);
    private bool _filesMissingReported;

    private CheckpointCheck(CriuImages images) => _images = images;

    /// <summary>The checkpoint as given, followed by <c>, container NAME</c> for a container of a pod.</summary>
    public string Path { get; private set; } = "";

    /// <summary>The findings in the order they were found.</summary>
    public IReadOnlyList<CheckFinding> Findings => _findings;

    /// <summary>Findings of damage: the checkpoint cannot be restored anywhere.</summary>
    public int Errors => Count(CheckSeverity.Error);

    /// <summary>Findings that block a restore on this host.</summary>
    public int Blockers => Count(CheckSeverity.Blocker);

    /// <summary>Findings that may matter for a restore but do not block it.</summary>
    public int Warnings => Count(CheckSeverity.Warning);

    /// <summary>Findings of one check listed at most: a hostile pstree naming a million threads without images is one line per thread otherwise.</summary>
    public const int MaxListedPerCheck = 100;

    // Findings beyond the listed ones, by check and severity: counted, and summed up in one line per check.
    private readonly Dictionary<(string Check, CheckSeverity Severity), int> _listed = [];
    private readonly SortedDictionary<(string Check, CheckSeverity Severity), int> _unlisted = [];

    private int Count(CheckSeverity severity) =>
        _findings.Count(f => f.Severity == severity) + _unlisted.Where(u => u.Key.Severity == severity).Sum(u => u.Value);

    /// <summary>No error, blocker or warning (info lines aside).</summary>
    public bool IsClean => _findings.All(f => f.Severity == CheckSeverity.Info);

    private static readonly string[] SmallImages =
    [
        "pstree.img", "core-*.img", "mm-*.img", "vmas-*.img", "ids-*.img", "fs-*.img", "pagemap-*.img", "fdinfo-*.img", "files.img",
        "memfd.img", "ipcns-shm-*.img", "inventory.img", "seccomp.img", "remap-fpath.img", "cgroup.img",
        // Read only to see that they decode.
        "utsns-*.img", "ipcns-var-*.img", "ipcns-sem-*.img", "ipcns-msg-*.img", "mountpoints-*.img", "netdev-*.img", "netns-*.img",
        "userns-*.img", "pidns-*.img", "timens-*.img", "tcp-stream-*.img", "sk-queues.img", "pipes-data.img", "fifo-data.img",
        "tty-info.img", "tty-data.img", "filelocks.img", "ghost-file-*.img", "bpfmap-data.img", "autofs-*.img", "apparmor.img",
    ];

    /// <summary>Checks one checkpoint; <paramref name="host"/> null skips the comparison with a host.</summary>
    /// <exception cref="CheckpointException">The checkpoint cannot be opened or read at all.</exception>
    public static CheckpointCheck Run(CheckpointInput input, HostFacts? host, CheckpointInput? parent = null) =>
        RunAll(input, host, parent, null).Items.Single().Value;

    /// <summary>
    /// Checks a checkpoint, or each container of a pod checkpoint that <paramref name="containers"/> select (all
    /// without a selector) in the same pass; a container's <see cref="Path"/> names it after the input's.
    /// </summary>
    /// <exception cref="CheckpointException">The checkpoint cannot be opened or read at all.</exception>
    public static CheckpointResults<CheckpointCheck> RunAll(CheckpointInput input, HostFacts? host, CheckpointInput? parent, IReadOnlyList<string>? containers)
    {
        var log = new LogCapture();
        var request = new ArchiveRequest
        {
            Hold = [ArchiveLayout.ConfigDump, ArchiveLayout.SpecDump, ArchiveLayout.StatsDump, .. SmallImages.Select(i => (MemberPattern)ArchiveLayout.Image(i)),
                    .. LegacyFileImages.Names.Select(n => (MemberPattern)ArchiveLayout.Image(n))],
            Consumers = log.Consumers,
            NeedIndex = true,
            RequireCheckpointDirectory = false,
        };
        var results = CheckpointSet.Read(input, request, PagesPlan.None, containers, root => Check(root.Pages, input.Path, host, parent, log.Under(root.Root)));
        if (!results.IsSingleContainer(containers is { Count: > 0 }))
        {
            foreach (var item in results.Items)
                item.Value.Path = $"{input.Path}, container {item.Container!.Name}";
        }
        return results;
    }

    private static CheckpointCheck Check(PageSource pages, string path, HostFacts? host, CheckpointInput? parent, LogCapture log)
    {
        using var parents = new ParentChain { Explicit = parent };
        log.Complete(pages.Archive);
        var images = new CriuImages(pages, parents);
        var check = new CheckpointCheck(images) { Path = path };
        check.Integrity();
        if (host != null)
            check.Host(host, log.DumpLog);
        check.SumUpUnlisted();
        return check;
    }

    private void Add(CheckSeverity severity, string check, string message)
    {
        var listed = _listed.GetValueOrDefault((check, severity));
        if (listed < MaxListedPerCheck)
        {
            _findings.Add(new CheckFinding(severity, check, message));
            _listed[(check, severity)] = listed + 1;
        }
        else
        {
            _unlisted[(check, severity)] = _unlisted.GetValueOrDefault((check, severity)) + 1;
        }
    }

    // One line per check with unlisted findings (info: the counts above already include them).
    private void SumUpUnlisted()
    {
        foreach (var ((check, severity), count) in _unlisted)
            _findings.Add(new CheckFinding(CheckSeverity.Info, check, $"{count} more {severity.ToString().ToLowerInvariant()} findings of this check not listed"));
    }

    private void Error(string check, string message) => Add(CheckSeverity.Error, check, message);

    // Runs a step; a malformed image becomes an error finding instead of ending the check.
    private T? Try<T>(string check, Func<T> step) where T : class
    {
        try
        {
            return step();
        }
        catch (CheckpointException e)
        {
            Error(check, e.Message);
            return null;
        }
    }

    private void Integrity()
    {
        if (!_images.Archive.HasCheckpointDirectory)
        {
            Error("images", $"no CRIU images: {ArchiveLayout.CheckpointPrefix} is missing");
            return;
        }
        if (!_images.Archive.IsBareImageDirectory)
            Try("metadata", () => ContainerInfo.Read(_images.Archive));
        CheckInventory();
        CheckDecoding();
        if (!Require("pstree.img", "the process tree"))
            return;
        var root = Try("pstree", () => ProcessTree.Build(_images));
        if (root == null)
            return;
        foreach (var node in root.DepthFirst().OrderBy(n => n.Pid))
            CheckProcess(node);
        // A missing or broken pagemap would leave its pages file unreferenced: no second finding for one damage.
        if (Errors > 0)
            return;
        foreach (var member in _images.Archive.MembersMatching(ArchiveLayout.Image("pages-*.img")))
        {
            var name = member.Name[ArchiveLayout.CheckpointPrefix.Length..];
            if (!_pagesFilesUsed.Contains(name) && !name.EndsWith(".comp.img", StringComparison.Ordinal))
                Add(CheckSeverity.Warning, "pages", $"{name}: no pagemap refers to it");
        }
    }

    private void CheckInventory()
    {
        if (!Require("inventory.img", "CRIU's description of the dump"))
            return;
        var inventory = Try("inventory", () => _images.Inventory());
        if (inventory == null)
            return;
        if (inventory.ImgVersion != 2)
            Add(CheckSeverity.Warning, "inventory", $"inventory.img: image version {inventory.ImgVersion} (CRIU writes 2; version 1 images have no head magics)");
        if (inventory.HasFdinfoPerId && !inventory.FdinfoPerId)
            Error("inventory", "inventory.img: fdinfo_per_id is false (CRIU refuses such images)");
    }

    // Every held image decodes: framing, entry sizes and protobuf (crit's reader, which knows every image type).
    // SysV shared memory is left out: crit reads its segment payload unconditionally, which modern images do not have.
    private void CheckDecoding()
    {
        foreach (var member in _images.Archive.Members.Where(m => IsHeldImage(m.Name)).ToList())
        {
            var bytes = _images.Archive.TryGetBytes(member.Name);
            if (bytes is not { } data || CritShow.TypeMagic(data.Span) == CriuMagic.IpcnsShm)
                continue;
            try
            {
                CritShow.Decode(member.Name[(member.Name.IndexOf('/') + 1)..], data);
            }
            catch (InvalidCheckpointException e) when (!e.Message.Contains("No handler found", StringComparison.Ordinal))
            {
                Error("decode", e.Message);
            }
        }
    }

    private static bool IsHeldImage(string member) =>
        member == ArchiveLayout.StatsDump || SmallImages.Concat(LegacyFileImages.Names)
            .Any(p => new MemberPattern(ArchiveLayout.Image(p)).Matches(member));

    private bool Require(string image, string what)
    {
        if (_images.Has(image))
            return true;
        Error("images", $"{image} is missing ({what})");
        return false;
    }

    private void CheckProcess(ProcessNode node)
    {
        var label = $"process {node.Pid} ({node.Comm})";
        foreach (var tid in node.Threads.Where(t => t != 0).Prepend(node.Pid).Distinct())
        {
            if (Require($"core-{tid}.img", $"thread {tid} of {label}"))
                Try("core", () => _images.Core(tid));
        }
        if (!node.HasImages)
            return;
        var present = new[] { "mm", "ids", "fs", "pagemap" }.Where(kind => Require($"{kind}-{node.Pid}.img", label)).ToHashSet();
        IReadOnlyDictionary<uint, FileEntry>? files = null;
        if (_images.Has("files.img") || LegacyFileImages.Names.Any(_images.Has))
            files = Try("files", () => _images.Files());
        else if (!_filesMissingReported)
            _filesMissingReported = Require("files.img", "the open files of every process") || true;
        if (present.Contains("ids") && files != null && Try("ids", () => _images.Ids(node.Pid)) is { } ids)
            CheckFds(label, ids, files);
        if (present.Contains("fs") && files != null && Try("fs", () => _images.Fs(node.Pid)) is { } fs)
        {
            ResolveFile(files, fs.CwdId, $"fs-{node.Pid}.img: cwd");
            ResolveFile(files, fs.RootId, $"fs-{node.Pid}.img: root");
        }
        IReadOnlyList<VmaEntry>? vmas = null;
        if (present.Contains("mm") && Try("mm", () => _images.Mm(node.Pid)) is { } mm)
        {
            if (files != null && mm.ExeFileId != 0)
                ResolveFile(files, mm.ExeFileId, $"mm-{node.Pid}.img: executable");
            vmas = Try("mm", () => _images.Vmas(node.Pid));
            if (vmas != null)
                CheckMappings(node.Pid, vmas, files);
        }
        if (present.Contains("pagemap") && Try("pagemap", () => _images.Pagemap(node.Pid)) is { } pagemap)
            CheckPagemap(node.Pid, pagemap, vmas);
        CheckSeccomp(node);
    }

    private void CheckFds(string label, TaskKobjIdsEntry ids, IReadOnlyDictionary<uint, FileEntry> files)
    {
        var image = $"fdinfo-{ids.FilesId}.img";
        if (!Require(image, $"the file descriptors of {label}"))
            return;
        foreach (var fd in Try("files", () => _images.Fdinfo(ids.FilesId)) ?? [])
        {
            if (!files.ContainsKey(fd.Id))
                Error("files", $"{image}: fd {fd.Fd} refers to file id {fd.Id}, which files.img does not have");
        }
    }

    private void ResolveFile(IReadOnlyDictionary<uint, FileEntry> files, uint id, string what)
    {
        if (!files.ContainsKey(id))
            Error("files", $"{what} is file id {id}, which files.img does not have");
    }

    private void CheckMappings(uint pid, IReadOnlyList<VmaEntry> vmas, IReadOnlyDictionary<uint, FileEntry>? files)
    {
        var image = $"mm-{pid}.img";
        var page = _images.Has($"pagemap-{pid}.img") && Try("pagemap", () => _images.Pagemap(pid)) is { } pm ? (ulong)pm.PageSize : 4096;
        foreach (var vma in vmas)
        {
            var range = $"{image}: mapping {vma.Start:x}-{vma.End:x}";
            if (vma.Start >= vma.End || vma.Start % page != 0 || vma.End % page != 0)
            {
                Error("bounds", $"{range} is empty or not page-aligned");
                continue;
            }
            if ((vma.Status & MemoryMap.Memfd) != 0)
                CheckMemfd(range, vma, files);
            else if ((vma.Status & (MemoryMap.FilePrivate | MemoryMap.FileShared)) != 0 && files != null && (vma.Shmid > uint.MaxValue || !files.ContainsKey((uint)vma.Shmid)))
                Error("files", $"{range} maps file id {vma.Shmid}, which files.img does not have");
            else if ((vma.Status & MemoryMap.AnonShared) != 0)
                RequireShmemPages(range, vma.Shmid);
            else if ((vma.Status & MemoryMap.Sysvipc) != 0 && _images.Has($"ids-{pid}.img") && Try("ids", () => _images.Ids(pid)) is { } ids)
            {
                var shm = $"ipcns-shm-{ids.IpcNsId}.img";
                if (!_images.Has(shm) || Try("shmem", () => _images.IpcShm(ids.IpcNsId))?.Any(s => s.Desc?.Id == vma.Shmid) != true)
                    Error("shmem", $"{range} maps SysV segment {vma.Shmid}, which {shm} does not record");
            }
        }
    }

    private void CheckMemfd(string range, VmaEntry vma, IReadOnlyDictionary<uint, FileEntry>? files)
    {
        if (files == null || vma.Shmid > uint.MaxValue || !files.TryGetValue((uint)vma.Shmid, out var file) || file.Memfd == null)
        {
            Error("shmem", $"{range} maps memfd file id {vma.Shmid}, which files.img does not have");
            return;
        }
        var inodes = _images.Has("memfd.img") ? Try("shmem", () => _images.MemfdInodes()) : null;
        if (inodes == null || !inodes.TryGetValue(file.Memfd.InodeId, out var inode))
        {
            Error("shmem", $"{range} maps memfd inode {file.Memfd.InodeId}, which memfd.img does not have");
            return;
        }
        RequireShmemPages(range, inode.Shmid);
    }

    private void RequireShmemPages(string range, ulong shmid)
    {
        var name = $"pagemap-shmem-{shmid}.img";
        if (!_images.Has(name))
        {
            Error("shmem", $"{range}: its shared memory {shmid} has no {name}");
            return;
        }
        if (Try("shmem", () => _images.ShmemPagemap(shmid)) is { } pagemap)
            CheckPagesFile(pagemap);
    }

    private void CheckPagemap(uint pid, Pagemap pagemap, IReadOnlyList<VmaEntry>? vmas)
    {
        CheckPagesFile(pagemap);
        if (vmas != null)
        {
            var sorted = vmas.Where(v => v.Status != MemoryMap.Guard).OrderBy(v => v.Start).ToList();
            foreach (var run in pagemap.Runs)
            {
                var end = run.Address + run.PageCount * (ulong)pagemap.PageSize;
                if (!Covered(sorted, run.Address, end))
                    Error("bounds", $"{pagemap.Name}: pages {run.Address:x}-{end:x} lie outside the process's mappings");
            }
        }
        var inParent = pagemap.Runs.Where(r => r.IsInParent).Select(r => (r.Address, r.Address + r.PageCount * (ulong)pagemap.PageSize)).ToList();
        if (inParent.Count > 0)
            CheckParent(pid, inParent);
    }

    // The [start, end) range is inside the union of the (sorted) mappings.
    private static bool Covered(List<VmaEntry> sorted, ulong start, ulong end)
    {
        var at = start;
        foreach (var vma in sorted)
        {
            if (vma.End <= at)
                continue;
            if (vma.Start > at)
                return false;
            at = vma.End;
            if (at >= end)
                return true;
        }
        return at >= end;
    }

    private void CheckPagesFile(Pagemap pagemap)
    {
        var name = pagemap.PagesImageName;
        _pagesFilesUsed.Add(name);
        if (pagemap.PresentPages == 0)
            return;
        if (!_images.Archive.TryGetMember(ArchiveLayout.Image(name), out var member))
            Error("pages", $"{pagemap.Name}: {pagemap.PresentPages} pages are in {name}, which is missing");
        else if (member.Size != pagemap.PagesFileLength)
            Error("pages", $"{pagemap.Name}: {name} is {member.Size} bytes, but the pagemap needs {pagemap.PagesFileLength} ({pagemap.PresentPages} pages of {pagemap.PageSize} bytes)");
    }

    // Every PE_PARENT range must be found in the parent image set: present there, or in its parent in turn.
    private void CheckParent(uint pid, List<(ulong Start, ulong End)> ranges)
    {
        var level = _images;
        var pages = ranges.Aggregate(0UL, (s, r) => s + (r.End - r.Start));
        for (var depth = 0; ranges.Count > 0; depth++)
        {
            var current = level;
            var parent = Try("parent", () => current.Parent());
            if (parent == null)
                return;
            if (!parent.Has($"pagemap-{pid}.img"))
            {
                Error("parent", $"pagemap-{pid}.img: {pages / 4096} pages are in the parent image set, which has no pagemap-{pid}.img");
                return;
            }
            var pagemap = Try("parent", () => parent.Pagemap(pid));
            if (pagemap == null)
                return;
            var missing = ranges.Where(r => !CoveredByRuns(pagemap, r.Start, r.End)).ToList();
            if (missing.Count > 0)
            {
                Error("parent", $"pagemap-{pid}.img: pages {missing[0].Start:x}-{missing[0].End:x} are in the parent image set, which does not have them");
                return;
            }
            ranges = pagemap.ParentRanges(ranges);
            level = parent;
        }
    }

    private static bool CoveredByRuns(Pagemap pagemap, ulong start, ulong end)
    {
        var at = start;
        foreach (var run in pagemap.Runs.Where(r => r.IsPresent || r.IsInParent))
        {
            var runEnd = run.Address + run.PageCount * (ulong)pagemap.PageSize;
            if (runEnd <= at)
                continue;
            if (run.Address > at)
                return false;
            at = runEnd;
            if (at >= end)
                return true;
        }
        return at >= end;
    }

    private void CheckSeccomp(ProcessNode node)
    {
        foreach (var tid in node.Threads.Where(t => t != 0).Prepend(node.Pid).Distinct())
        {
            if (!_images.Has($"core-{tid}.img") || Try("core", () => _images.Core(tid)) is not { ThreadCore: { SeccompMode: SeccompMode.Filter } t })
                continue;
            if (!_images.Has("seccomp.img"))
                Error("seccomp", $"thread {tid} has seccomp filters, but seccomp.img is missing");
            else
                Try("seccomp", () => (object)ThreadView.SeccompChainLength(_images, t.SeccompFilter));
        }
    }

    private void Host(HostFacts host, DumpLog? log)
    {
        var container = _images.Archive.IsBareImageDirectory ? null : Try("metadata", () => ContainerInfo.Read(_images.Archive));
        var annotations = container?.Annotations.ToDictionary(a => a.Key, a => a.Value) ?? [];
        var root = _images.Has("pstree.img") ? Try("pstree", () => ProcessTree.Build(_images)) : null;
        var machine = root != null && _images.Has($"core-{root.Pid}.img") ? Try("core", () => _images.Core(root.Pid)) : null;
        if (machine != null)
        {
            var arch = CheckpointImage.ToPlatform(machine.Mtype)?.Architecture ?? machine.Mtype.ToString();
            if (arch != host.Architecture)
                Add(CheckSeverity.Blocker, "host.arch", $"dumped on {arch}, this host is {host.Architecture}: the processes can only be restored on {arch}");
            else
                Add(CheckSeverity.Info, "host.arch", $"{arch}, as this host");
        }
        var pageSize = root?.DepthFirst().Where(n => n.HasImages && _images.Has($"pagemap-{n.Pid}.img"))
            .Select(n => Try("pagemap", () => _images.Pagemap(n.Pid))?.PageSize).FirstOrDefault(s => s != null);
        if (pageSize is { } size && size != host.PageSize)
            Add(CheckSeverity.Blocker, "host.pagesize", $"dumped with {size}-byte pages, this host uses {host.PageSize}");
        var criu = log?.Version ?? annotations.GetValueOrDefault(CheckpointAnnotations.CriuVersion);
        if (host.CriuVersion == null)
            Add(CheckSeverity.Blocker, "host.criu", $"criu is not installed on this host (dumped with {criu ?? "an unrecorded version"})");
        else if (criu != null && HostFacts.CompareVersions(host.CriuVersion, criu) < 0)
            Add(CheckSeverity.Warning, "host.criu", $"dumped with CRIU {criu}, this host has the older {host.CriuVersion}, which may not read newer images");
        else
            Add(CheckSeverity.Info, "host.criu", $"this host has CRIU {host.CriuVersion} (dumped with {criu ?? "an unrecorded version"})");
        var kernel = log?.Kernel ?? annotations.GetValueOrDefault(CheckpointAnnotations.HostKernel);
        if (kernel != null && host.Kernel != null)
        {
            var older = HostFacts.CompareVersions(host.Kernel, kernel) < 0;
            Add(older ? CheckSeverity.Warning : CheckSeverity.Info, "host.kernel",
                older ? $"dumped on kernel {kernel}, this host runs the older {host.Kernel}: features the processes use may be missing"
                      : $"dumped on kernel {kernel}, this host runs {host.Kernel}");
        }
        var cgroup = RecordedCgroupVersion(annotations);
        if (cgroup != null && host.CgroupVersion != null && cgroup != host.CgroupVersion)
            Add(CheckSeverity.Warning, "host.cgroup", $"dumped on a cgroup v{cgroup} host, this host uses cgroup v{host.CgroupVersion}: the runtime must translate the cgroup settings");
        if (container is { HasContainerMetadata: true } && container.Config.Runtime is { Length: > 0 } runtime)
        {
            var program = RuntimeProgram(runtime);
            if (!host.HasProgram(program))
                Add(CheckSeverity.Blocker, "host.runtime", $"the container ran under {runtime}, but {program} is not on this host's PATH");
            else
                Add(CheckSeverity.Info, "host.runtime", $"{program} is installed");
        }
    }

    // containerd names its runtime by shim (io.containerd.runc.v2 is containerd-shim-runc-v2); the others by program.
    private static string RuntimeProgram(string runtime) =>
        runtime.StartsWith("io.containerd.", StringComparison.Ordinal) ? "containerd-shim-" + runtime["io.containerd.".Length..].Replace('.', '-') : runtime;

    // The annotation when recorded, else what cgroup.img's hierarchies say (only the unified "" one: v2).
    private int? RecordedCgroupVersion(Dictionary<string, string> annotations)
    {
        if (annotations.GetValueOrDefault(CheckpointAnnotations.CgroupVersion) is { } v)
            return v.Contains('2') ? 2 : v.Contains('1') ? 1 : null;
        if (!_images.Has("cgroup.img"))
            return null;
        var cgroup = Try("cgroup", () => _images.Cgroup());
        var names = cgroup?.Sets.SelectMany(s => s.Ctls).Select(c => c.Name).Distinct().ToList();
        return names is not { Count: > 0 } ? null : names.All(n => n.Length == 0) ? 2 : 1;
    }
}
