using Checkpointctl.Core.Archive;

namespace Checkpointctl.Core.Metadata;

/// <summary>Reads <c>dump.log</c> and the container log as the archive pass hands them over (never held in memory whole).</summary>
/// <param name="tailLines">Last lines kept of each log (0 none, negative all).</param>
public sealed class LogCapture(int tailLines = 0)
{
    private readonly Dictionary<string, DumpLog> _dumpLogs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ContainerLog> _containerLogs = new(StringComparer.Ordinal);

    /// <summary>The consumers that read the logs as the pass goes by.</summary>
    public IReadOnlyList<MemberConsumer> Consumers =>
    [
        .. DumpLog.MemberNames.Select(n => new MemberConsumer(n, (member, stream, _) => _dumpLogs[member.Name] = DumpLog.Read(member.Name, stream, tailLines))),
        .. ContainerLog.MemberNames.Select(n => new MemberConsumer(n, (member, stream, _) => _containerLogs[member.Name] = ContainerLog.Read(member.Name, stream, tailLines))),
    ];

    /// <summary>The logs of the checkpoint below <paramref name="root"/> (a container of a pod archive) as captured so far, named as in a container archive.</summary>
    public LogCapture Under(string root)
    {
        var view = new LogCapture(tailLines);
        foreach (var (name, log) in _dumpLogs.Where(l => l.Key.StartsWith(root, StringComparison.Ordinal)))
            view._dumpLogs[name[root.Length..]] = log;
        foreach (var (name, log) in _containerLogs.Where(l => l.Key.StartsWith(root, StringComparison.Ordinal)))
            view._containerLogs[name[root.Length..]] = log;
        return view;
    }

    /// <summary>Records the empty logs, which a streamed archive hands to no consumer.</summary>
    public void Complete(CheckpointArchive archive)
    {
        foreach (var name in DumpLog.MemberNames.Where(n => !_dumpLogs.ContainsKey(n) && archive.Contains(n)))
            _dumpLogs[name] = DumpLog.Read(name, Stream.Null);
        foreach (var name in ContainerLog.MemberNames.Where(n => !_containerLogs.ContainsKey(n) && archive.Contains(n)))
            _containerLogs[name] = ContainerLog.Read(name, Stream.Null, 0);
    }

    /// <summary>The log of the dump (the top-level one when an archive has both), or null when the checkpoint has none.</summary>
    public DumpLog? DumpLog => DumpLog.MemberNames.Select(n => _dumpLogs.GetValueOrDefault(n)).FirstOrDefault(l => l != null);

    /// <summary>The container's log, or null when the checkpoint has none.</summary>
    public ContainerLog? ContainerLog => ContainerLog.MemberNames.Select(n => _containerLogs.GetValueOrDefault(n)).FirstOrDefault(l => l != null);
}
