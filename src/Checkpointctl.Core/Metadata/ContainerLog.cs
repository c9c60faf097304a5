namespace Checkpointctl.Core.Metadata;

/// <summary>The container's log as an engine stored it in the checkpoint: its line count and last lines.</summary>
public sealed class ContainerLog
{
    /// <summary>The most lines kept, even when all are asked for.</summary>
    public const int MaxLines = 100_000;

    /// <summary>Podman (k8s-file/json-file drivers), containerd, CRI-O (under the annotation's name).</summary>
    public static IReadOnlyList<string> MemberNames { get; } = ["ctr.log", "container.log", "io.kubernetes.cri-o.LogPath"];

    private readonly Queue<string> _tail = new();

    /// <summary>The archive member the log was read from.</summary>
    public required string Member { get; init; }

    /// <summary>Lines in the log.</summary>
    public long LineCount { get; private set; }

    /// <summary>The last lines asked for, oldest first.</summary>
    public IReadOnlyList<string> Tail => [.. _tail];

    /// <summary>Reads the log to its end, keeping its last <paramref name="tailLines"/> lines (all when negative).</summary>
    public static ContainerLog Read(string member, Stream stream, int tailLines)
    {
        var log = new ContainerLog { Member = member };
        LogLines.ForEach(stream, line =>
        {
            log.LineCount++;
            LogLines.KeepLast(log._tail, line, tailLines, MaxLines);
        });
        return log;
    }
}
