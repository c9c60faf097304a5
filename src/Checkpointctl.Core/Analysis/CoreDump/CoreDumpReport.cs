using Checkpointctl.Core.Model;

namespace Checkpointctl.Core.Analysis.CoreDump;

/// <summary>A core that was written: its process, size and the file-backed mappings whose contents stayed empty.</summary>
public sealed record WrittenCore(uint Pid, string Comm, int Threads, int Mappings, long Size, IReadOnlyList<EmptyMapping> Empty);

/// <summary>A process that has no memory to dump (a zombie or dead task).</summary>
public sealed record SkippedProcess(uint Pid, string Comm, TaskState State);

/// <summary>What <see cref="CoreDumper"/> did, in process tree order.</summary>
public sealed record CoreDumpReport(IReadOnlyList<WrittenCore> Cores, IReadOnlyList<SkippedProcess> Skipped);
