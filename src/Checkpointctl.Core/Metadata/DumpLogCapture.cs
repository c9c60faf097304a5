using Checkpointctl.Core.Archive;

namespace Checkpointctl.Core.Metadata;

/// <summary>Reads <c>dump.log</c> as the archive pass hands it over (never held in memory whole).</summary>
public sealed class DumpLogCapture(int tailLines = 0)
{
    private readonly Dictionary<string, DumpLog> _logs = new(StringComparer.Ordinal);

    public IReadOnlyList<MemberConsumer> Consumers =>
        DumpLog.MemberNames.Select(n => new MemberConsumer(n, (member, stream, _) => _logs[member.Name] = DumpLog.Read(member.Name, stream, tailLines))).ToList();

    /// <summary>The log of the dump (the top-level one when an archive has both), or null when the checkpoint has none.</summary>
    public DumpLog? Log => DumpLog.MemberNames.Select(n => _logs.GetValueOrDefault(n)).FirstOrDefault(l => l != null);
}
