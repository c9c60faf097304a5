namespace Checkpointctl.Core.Analysis.CoreDump;

/// <summary>
/// A core being written and the memory sources it still waits for: its own pages member (key <c>own</c>) and the
/// pages of each shared memory object it maps (key <c>shmem-&lt;id&gt;</c>), each with the member that holds them.
/// </summary>
internal sealed class CoreJob(CoreFile core, Dictionary<string, string> pending)
{
    public const string Own = "own";

    public CoreFile Core { get; } = core;

    public uint Pid => Core.Pid;

    /// <summary>Source key → archive member, for sources not written yet.</summary>
    public Dictionary<string, string> Pending { get; } = pending;

    public static string Shmem(ulong shmid) => $"shmem-{shmid}";

    public static ulong ShmemId(string key) => ulong.Parse(key["shmem-".Length..], System.Globalization.CultureInfo.InvariantCulture);
}
