using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Criu;
using Checkpointctl.Core.Model;

namespace Checkpointctl.Core.Analysis.CoreDump;

/// <summary>
/// Writes an ELF core file per process of a checkpoint (forensics.md §1), in one pass over the archive: a plain tar
/// or directory is read in place, mapping by mapping; a compressed archive is read once, each pages member written
/// into the cores that need it as it goes by. A second pass happens only for pages that went by before the images
/// that say whose they are (unsorted archives, or stale images of an earlier checkpoint naming the same pages).
/// </summary>
public static class CoreDumper
{
    private static readonly MemberPattern PagesPattern = ArchiveLayout.Image("pages-*.img");

    private static readonly IReadOnlyList<MemberPattern> HeldImages =
    [
        .. CriuImages.ProcessTreeImages, .. CriuImages.MemoryMapImages, .. CriuImages.FileImages,
        ArchiveLayout.Image("memfd.img"), ArchiveLayout.Image("ipcns-shm-*.img"),
    ];

    /// <exception cref="CheckpointException">A missing or damaged checkpoint, an unknown PID, or a process without memory.</exception>
    /// <exception cref="CoreOutputException">A core could not be written.</exception>
    public static CoreDumpReport Run(string path, CoreDumpOptions options, ICoreFiles files)
    {
        using var rootfs = options.RootFs != null ? new RootFileSystem(options.RootFs) : null;
        var run = new Pass(options, files, rootfs);
        try
        {
            return run.Execute(path);
        }
        finally
        {
            run.DiscardUncommitted();
        }
    }

    private sealed class Pass(CoreDumpOptions options, ICoreFiles files, RootFileSystem? rootfs)
    {
        private readonly Dictionary<uint, CoreJob> _jobs = [];
        private readonly HashSet<uint> _failed = [];
        private readonly HashSet<uint> _committed = [];
        private CriuImages? _streamed;

        public CoreDumpReport Execute(string path)
        {
            using var archive = CheckpointArchive.Open(path, new ArchiveRequest
            {
                Hold = HeldImages,
                Consumers = [new MemberConsumer(PagesPattern, OnStreamedPages)],
            });
            var images = new CriuImages(archive);
            var (selected, skipped) = Select(images);
            foreach (var pid in _jobs.Keys.Where(p => !selected.Any(n => n.Pid == p)).ToList())
                Discard(pid);
            if (archive.SupportsRandomAccess)
            {
                foreach (var node in selected)
                    FillInPlace(archive, images, Begin(images, node.Pid));
            }
            else
            {
                // Processes seen too late, or whose images failed while they could still have been stale, begin now.
                foreach (var node in selected.Where(n => !_jobs.ContainsKey(n.Pid)))
                    Begin(images, node.Pid);
                FillRemaining(path, images);
            }
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
        private CoreJob Begin(CriuImages images, uint pid)
        {
            Discard(pid);
            var core = images.Core(pid);
            var arch = CoreArchs.Of(pid, core);
            var mm = images.Mm(pid);
            var pagemap = images.Pagemap(pid);
            var layout = CoreLayout.Build(images.Vmas(pid), pagemap, new MappingResolver(images), rootfs);
            var pending = new Dictionary<string, string>(StringComparer.Ordinal);
            if (CoreMemory.Dumped(pagemap).Any())
                pending[CoreJob.Own] = ArchiveLayout.Image(pagemap.PagesImageName);
            foreach (var shmid in layout.Segments.Where(s => s.Info.Source == MappingSource.Shared && s.FileSize > 0).Select(s => s.Info.ShmemId).Distinct())
            {
                var shmem = CoreMemory.Shmem(images, shmid, pagemap.PageSize);
                if (CoreMemory.Dumped(shmem).Any())
                    pending[CoreJob.Shmem(shmid)] = ArchiveLayout.Image(shmem.PagesImageName);
            }
            var job = new CoreJob(CoreFile.Begin(pid, files.Create(pid), layout, pagemap, arch, (mm.MmArgStart, mm.MmArgEnd)), pending);
            _jobs[pid] = job;
            return job;
        }

        private void FillInPlace(CheckpointArchive archive, CriuImages images, CoreJob job)
        {
            foreach (var (key, member) in job.Pending.ToList())
            {
                var data = archive.TryOpenRandomAccess(member) ?? throw CriuImages.Missing(member[ArchiveLayout.CheckpointPrefix.Length..]);
                Fill(images, key, data, [job]);
            }
        }

        // Streamed input: the pages members go by once. Each is written into the cores of the processes known so far
        // whose memory it holds, if exactly one pagemap names it (stale images of an earlier checkpoint may name it too).
        private void OnStreamedPages(ArchiveMember member, Stream data, CheckpointArchive archive)
        {
            if (archive.SupportsRandomAccess)
                return;
            var images = _streamed ??= new CriuImages(archive);
            StartKnownProcesses(images, archive);
            var users = _jobs.Values.SelectMany(j => j.Pending.Where(p => p.Value == member.Name).Select(p => (Job: j, Key: p.Key))).ToList();
            var readers = users.Select(u => u.Key == CoreJob.Own ? $"{CoreJob.Own}:{u.Job.Pid}" : u.Key).Distinct().Count();
            if (readers != 1)
                return;
            try
            {
                Fill(images, users[0].Key, new ForwardPages(member.Name, data, member.Size), users.Select(u => u.Job).ToList());
            }
            catch (CheckpointException)
            {
                // Possibly a stale image's process: begun again, and the error raised, only if the process tree lists it.
                foreach (var (job, _) in users)
                    Fail(job.Pid);
            }
        }

        // Begins the cores of the processes whose images have gone by, before their pages do.
        private void StartKnownProcesses(CriuImages images, CheckpointArchive archive)
        {
            foreach (var member in archive.MembersMatching(ArchiveLayout.Image("mm-*.img")).ToList())
            {
                var name = member.Name[ArchiveLayout.CheckpointPrefix.Length..];
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

        // After a streamed pass: pages that went by before anything named them (or named unambiguously) get a second pass.
        private void FillRemaining(string path, CriuImages images)
        {
            var needed = _jobs.Values.SelectMany(j => j.Pending.Values).ToHashSet(StringComparer.Ordinal);
            if (needed.Count == 0)
                return;
            using (CheckpointArchive.Open(path, new ArchiveRequest
            {
                RequireCheckpointDirectory = false,
                Consumers = [new MemberConsumer(PagesPattern, (member, data, _) =>
                {
                    var users = _jobs.Values.SelectMany(j => j.Pending.Where(p => p.Value == member.Name).Select(p => (Job: j, Key: p.Key))).ToList();
                    if (users.Count == 0)
                        return;
                    var readers = users.Select(u => u.Key == CoreJob.Own ? $"{CoreJob.Own}:{u.Job.Pid}" : u.Key).Distinct().ToList();
                    if (readers.Count > 1)
                        throw new InvalidCheckpointException($"{member.Name[ArchiveLayout.CheckpointPrefix.Length..]} is named by more than one pagemap ({string.Join(", ", readers)})");
                    Fill(images, users[0].Key, new ForwardPages(member.Name, data, member.Size), users.Select(u => u.Job).ToList());
                })],
            }))
            {
            }
            if (_jobs.Values.SelectMany(j => j.Pending.Values).FirstOrDefault() is { } missing)
                throw CriuImages.Missing(missing[ArchiveLayout.CheckpointPrefix.Length..]);
        }

        // Writes one source (a process's own pages, or a shared object's) into the cores that wait for it.
        private static void Fill(CriuImages images, string key, RandomAccessData data, IReadOnlyList<CoreJob> jobs)
        {
            if (key == CoreJob.Own)
            {
                var core = jobs[0].Core;
                core.FillOwn(CoreMemory.Open(core.Pagemap, data));
            }
            else
            {
                var shmid = ulong.Parse(key["shmem:".Length..], System.Globalization.CultureInfo.InvariantCulture);
                var shmem = CoreMemory.Shmem(images, shmid, jobs[0].Core.Pagemap.PageSize);
                CoreFile.FillShared(shmid, CoreMemory.Open(shmem, data), [.. jobs.Select(j => j.Core)]);
            }
            foreach (var job in jobs)
                job.Pending.Remove(key);
        }

        private WrittenCore Finish(CriuImages images, ProcessNode node)
        {
            var job = _jobs[node.Pid];
            var tids = new[] { node.Pid }.Concat(node.Threads.Where(t => t != node.Pid)).ToList();
            var threads = tids.Select(t => (t, images.Core(t))).ToList();
            var entry = images.Pstree().First(e => e.Pid == node.Pid);
            var arch = CoreArchs.Of(node.Pid, threads[0].Item2);
            var notes = CoreNotes.Build(arch, entry, threads, images.Mm(node.Pid), job.Core.Layout, job.Core.Arguments);
            job.Core.Finish(notes);
            return new WrittenCore(node.Pid, node.Comm, threads.Count, job.Core.Layout.Segments.Count, job.Core.Layout.DataEnd + notes.Length,
                job.Core.Layout.Empty);
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
