using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Model;
using Checkpointctl.Core.Pod;

namespace Checkpointctl.Core.Analysis.CoreDump;

/// <summary>
/// Writes an ELF core file per process of a checkpoint (forensics.md §1) from its page source, in one pass: a plain
/// tar or a directory is read in place, mapping by mapping; a streamed (compressed) archive is read once, the pass
/// waiting at each pages member while it is written into the cores that need it. Pages that went by before the
/// images saying whose they are (unsorted archives), or that stale images of an earlier checkpoint name as well, are
/// read by one more pass each, once the process tree is known.
/// </summary>
public static class CoreDumper
{
    private static readonly IReadOnlyList<MemberPattern> HeldImages =
    [
        .. CriuImages.ProcessTreeImages, .. CriuImages.MemoryMapImages, .. CriuImages.FileImages,
        ArchiveLayout.Image("memfd.img"), ArchiveLayout.Image("ipcns-shm-*.img"),
    ];

    /// <exception cref="CheckpointException">A missing or damaged checkpoint, an unknown PID, or a process without memory.</exception>
    /// <exception cref="CoreOutputException">A core could not be written.</exception>
    public static CoreDumpReport Run(CheckpointInput input, CoreDumpOptions options, ICoreFiles files)
    {
        using var rootfs = options.RootFs != null ? new RootFileSystem(options.RootFs) : null;
        var run = new Writer(options, files, rootfs);
        try
        {
            return run.Execute(input);
        }
        finally
        {
            run.DiscardUncommitted();
        }
    }

    private sealed class Writer(CoreDumpOptions options, ICoreFiles files, RootFileSystem? rootfs)
    {
        private readonly Dictionary<uint, CoreJob> _jobs = [];
        private readonly HashSet<uint> _failed = [];
        private readonly HashSet<uint> _committed = [];

        public CoreDumpReport Execute(CheckpointInput input)
        {
            using var set = CheckpointSet.Open(input, new ArchiveRequest { Hold = HeldImages }, new PagesPlan { Sequential = CoreMemory.NamedByHeldPagemap },
                options.Containers);
            var pages = set.Single().Pages;
            var streamed = new CriuImages(pages);
            for (var member = pages.Waiting; member != null; member = pages.Next() ? pages.Waiting : null)
                WriteWaiting(streamed, pages, member);
            // The whole checkpoint is known now (a fresh view: page sizes may depend on pages members seen late).
            var images = new CriuImages(pages);
            var (selected, skipped) = Select(images);
            foreach (var pid in _jobs.Keys.Where(p => selected.All(n => n.Pid != p)).ToList())
                Discard(pid);
            foreach (var node in selected.Where(n => !_jobs.ContainsKey(n.Pid)))
                Begin(images, node.Pid);
            WritePending(images, pages);
            var written = selected.Select(node => Finish(images, node)).ToList();
            foreach (var core in written)
            {
                files.Commit(core.Pid);
                _committed.Add(core.Pid);
            }
            return new CoreDumpReport(written, skipped);
        }

        public void DiscardUncommitted()
        {
            foreach (var pid in _jobs.Keys.Where(p => !_committed.Contains(p)).ToList())
                Discard(pid);
        }

        // The processes to dump in tree order, and those skipped for having no memory.
        private (List<ProcessNode> Selected, List<SkippedProcess> Skipped) Select(CriuImages images)
        {
            if (options.Pids.Count > 0)
                return ([.. options.Pids.Distinct().Select(pid => MemoryScan.FindProcess(images, pid))], []);
            var nodes = ProcessTree.Build(images).DepthFirst().ToList();
            return ([.. nodes.Where(n => n.HasImages)],
                    [.. nodes.Where(n => !n.HasImages).Select(n => new SkippedProcess(n.Pid, n.Comm, n.State))]);
        }

        // Lays the core out, writes its headers and file contents, and notes which pages members it waits for.
        private void Begin(CriuImages images, uint pid)
        {
            Discard(pid);
            var core = images.Core(pid);
            var arch = CoreArchs.Of(pid, core);
            var mm = images.Mm(pid);
            var pagemap = images.Pagemap(pid);
            var layout = CoreLayout.Build($"mm-{pid}.img", images.Vmas(pid), pagemap, new MappingResolver(images), rootfs);
            var pending = new Dictionary<string, string>(StringComparer.Ordinal);
            if (CoreMemory.Dumped(pagemap).Any())
                pending[CoreJob.Own] = images.Prefix + pagemap.PagesImageName;
            foreach (var shmid in layout.Segments.Where(s => s.Info.Source == MappingSource.Shared && s.FileSize > 0).Select(s => s.Info.ShmemId).Distinct())
            {
                var shmem = CoreMemory.Shmem(images, shmid, pagemap.PageSize);
                if (CoreMemory.Dumped(shmem).Any())
                    pending[CoreJob.Shmem(shmid)] = images.Prefix + shmem.PagesImageName;
            }
            _jobs[pid] = new CoreJob(CoreFile.Begin(pid, files.Create(pid), layout, pagemap, arch, (mm.MmArgStart, mm.MmArgEnd)), pending);
        }

        // A streamed pass waits at a pages member: it is written into the cores of the processes whose images went by,
        // if exactly one of their pagemaps names it; otherwise it waits for the process tree (and one more pass).
        private void WriteWaiting(CriuImages images, PageSource pages, ArchiveMember member)
        {
            BeginKnownProcesses(images);
            var users = Users(member.Name);
            if (users.Select(u => u.Reader).Distinct().Count() != 1)
                return;
            try
            {
                Write(images, pages, users);
            }
            catch (CheckpointException)
            {
                // Perhaps a stale image's process: begun again, and its error raised, only if the process tree lists it.
                foreach (var (job, _, _) in users)
                    Fail(job.Pid);
            }
        }

        // Begins the cores of live processes whose images have gone by (mm, pagemap and core precede the pages).
        private void BeginKnownProcesses(CriuImages images)
        {
            foreach (var member in images.Archive.MembersMatching(images.Prefix + "mm-*.img").ToList())
            {
                var name = member.Name[images.Prefix.Length..];
                if (!uint.TryParse(name["mm-".Length..^".img".Length], out var pid) || _jobs.ContainsKey(pid) || _failed.Contains(pid)
                    || (options.Pids.Count > 0 && !options.Pids.Contains(pid)) || !images.Has($"core-{pid}.img") || !images.Has($"pagemap-{pid}.img"))
                    continue;
                try
                {
                    if (ProcessTree.ToState(images.Core(pid).Tc?.TaskState ?? 0) is TaskState.Alive or TaskState.Stopped)
                        Begin(images, pid);
                }
                catch (CheckpointException)
                {
                    Fail(pid);
                }
            }
        }

        // Every source still pending, member by member (in place, or one more pass each for a streamed archive).
        private void WritePending(CriuImages images, PageSource pages)
        {
            foreach (var member in _jobs.Values.SelectMany(j => j.Pending.Values).Distinct().Order(StringComparer.Ordinal).ToList())
            {
                var users = Users(member);
                var readers = users.Select(u => u.Reader).Distinct().ToList();
                if (readers.Count > 1)
                    throw new InvalidCheckpointException($"{member[images.Prefix.Length..]} is named by more than one pagemap ({string.Join(", ", readers)})");
                Write(images, pages, users);
            }
        }

        // The cores waiting for a member, with the source key and who reads it (a process's own pagemap or a shared object's).
        private List<(CoreJob Job, string Key, string Reader)> Users(string member) =>
        [
            .. _jobs.Values.SelectMany(j => j.Pending.Where(p => p.Value == member)
                .Select(p => (j, p.Key, p.Key == CoreJob.Own ? $"pagemap-{j.Pid}.img" : $"pagemap-{p.Key}.img"))),
        ];

        // Writes one source (a process's own memory, or a shared object's) into the cores that wait for it.
        private void Write(CriuImages images, PageSource pages, List<(CoreJob Job, string Key, string Reader)> users)
        {
            var key = users[0].Key;
            if (key == CoreJob.Own)
            {
                // Pages in parent image sets are read from a pass of each parent that waits at this process's pages.
                var core = users[0].Job.Core;
                using var parents = new ParentChain
                {
                    Explicit = options.Parent,
                    Plan = _ => new PagesPlan { Sequential = (member, archive) => CoreMemory.IsPagesOf(core.Pid, member, archive) },
                };
                core.FillOwn(new CriuImages(pages, parents, images.Prefix).Memory(core.Pid));
            }
            else
            {
                var shmid = CoreJob.ShmemId(key);
                var shmem = CoreMemory.Shmem(images, shmid, users[0].Job.Core.Pagemap.PageSize);
                CoreFile.FillShared(shmid, CoreMemory.Shared(images, pages, shmem), [.. users.Select(u => u.Job.Core)]);
            }
            foreach (var (job, _, _) in users)
                job.Pending.Remove(key);
        }

        private WrittenCore Finish(CriuImages images, ProcessNode node)
        {
            var job = _jobs[node.Pid];
            var threads = new[] { node.Pid }.Concat(node.Threads.Where(t => t != node.Pid)).Select(t => (t, images.Core(t))).ToList();
            var entry = images.Pstree().First(e => e.Pid == node.Pid);
            var notes = CoreNotes.Build(CoreArchs.Of(node.Pid, threads[0].Item2), entry, threads, images.Mm(node.Pid), job.Core.Layout, job.Core.Arguments);
            job.Core.Finish(notes);
            var layout = job.Core.Layout;
            return new WrittenCore(node.Pid, node.Comm, threads.Count, layout.Segments.Count, layout.DataEnd + notes.Length, layout.Empty);
        }

        private void Fail(uint pid)
        {
            Discard(pid);
            _failed.Add(pid);
        }

        private void Discard(uint pid)
        {
            if (_jobs.Remove(pid))
                files.Discard(pid);
        }
    }
}
