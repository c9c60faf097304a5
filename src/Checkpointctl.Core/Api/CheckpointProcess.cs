using Checkpointctl.Core.Analysis;
using Checkpointctl.Core.Model;

namespace Checkpointctl.Core.Api;

/// <summary>A checkpointed process: what it ran, its state, open files, sockets and memory map.</summary>
public sealed class CheckpointProcess
{
    private CheckpointProcess(ProcessView view, IReadOnlyList<OpenFile> files, IReadOnlyList<SocketInfo> sockets, ProcessMemoryMap? memoryMap)
    {
        Pid = view.Pid;
        ParentPid = view.Ppid;
        Command = view.Command;
        State = view.State;
        CommandLine = view.Cmdline?.TrimEnd(' ') ?? "";
        Environment = view.Environment ?? [];
        Files = files;
        Sockets = sockets;
        MemoryMap = memoryMap;
        ChildPids = view.Children.Select(c => c.Pid).ToList();
    }

    /// <summary>The process ID (in the container's PID namespace).</summary>
    public uint Pid { get; }

    /// <summary>The parent's PID; 0 for the container's first process.</summary>
    public uint ParentPid { get; }

    /// <summary>The command name (the kernel's <c>comm</c>, at most 15 bytes).</summary>
    public string Command { get; }

    /// <summary>Alive, stopped, zombie or dead. Only alive and stopped processes have files, sockets and memory.</summary>
    public TaskState State { get; }

    /// <summary>The arguments, separated by spaces; empty for a zombie or dead process, or when not read.</summary>
    public string CommandLine { get; }

    /// <summary>The environment variables sorted by name; empty for a zombie or dead process, or when not read.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Environment { get; }

    /// <summary>Open file descriptors in fd order, then the working directory (<c>cwd</c>) and root (<c>root</c>).</summary>
    public IReadOnlyList<OpenFile> Files { get; }

    /// <summary>Open sockets in fd order, with addresses, ports, states and queued bytes.</summary>
    public IReadOnlyList<SocketInfo> Sockets { get; }

    /// <summary>The mappings (as <c>/proc/PID/maps</c>) with their dumped pages; null for a zombie or dead process.</summary>
    public ProcessMemoryMap? MemoryMap { get; }

    /// <summary>The PIDs of the process's children, in PID order.</summary>
    public IReadOnlyList<uint> ChildPids { get; }

    // Every process of the inspection's tree, depth first, with the files, sockets and maps listed by PID.
    internal static IReadOnlyList<CheckpointProcess> List(Inspection inspection)
    {
        if (inspection.ProcessTree is not { } root)
            return [];
        var files = (inspection.Files ?? []).ToDictionary(f => f.Pid, f => f.Files);
        var sockets = (inspection.Sockets ?? []).ToDictionary(s => s.Pid, s => s.Sockets);
        var maps = (inspection.MemoryMaps ?? []).ToDictionary(m => m.Pid);
        var processes = new List<CheckpointProcess>();
        var stack = new Stack<ProcessView>([root]);
        while (stack.Count > 0)
        {
            var view = stack.Pop();
            processes.Add(new CheckpointProcess(view, files.GetValueOrDefault(view.Pid, []), sockets.GetValueOrDefault(view.Pid, []), maps.GetValueOrDefault(view.Pid)));
            for (var i = view.Children.Count - 1; i >= 0; i--)
                stack.Push(view.Children[i]);
        }
        return processes;
    }
}
