using Checkpointctl.Core.Analysis;

namespace Checkpointctl.Cli.Report;

/// <summary>One checkpoint (or one container of a pod checkpoint) in the report.</summary>
/// <param name="Title">The heading, e.g. <c>Checkpoint A</c> or the pod container's name.</param>
/// <param name="Key">Prefix of its element ids, unique in the report (<c>a</c>, <c>b</c>, <c>c1</c> …).</param>
/// <param name="ArchiveSize">Size of the input file, or null for a directory.</param>
/// <param name="Marks">Diff marks of its processes by PID (<c>added</c>, <c>removed</c>, <c>modified</c>).</param>
internal sealed record ReportCheckpoint(string Title, string Key, Inspection Inspection, long? ArchiveSize,
    IReadOnlyDictionary<uint, string> Marks)
{
    /// <summary>Process names by PID, from the process tree.</summary>
    public Dictionary<uint, string> Commands()
    {
        var names = new Dictionary<uint, string>();
        var stack = new Stack<ProcessView>();
        if (Inspection.ProcessTree is { } root)
            stack.Push(root);
        while (stack.Count > 0)
        {
            var p = stack.Pop();
            names[p.Pid] = p.Command;
            foreach (var child in p.Children)
                stack.Push(child);
        }
        return names;
    }
}

/// <summary>What the report shows: its checkpoints and, for two, their diff.</summary>
internal sealed record ReportInput(IReadOnlyList<ReportCheckpoint> Checkpoints, CheckpointDiff? Diff, string? PodName = null);
