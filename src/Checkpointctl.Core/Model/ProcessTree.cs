using Checkpointctl.Core.Criu.Images;

namespace Checkpointctl.Core.Model;

/// <summary>Linux task states as CRIU records them in <c>core.tc.task_state</c>.</summary>
public enum TaskState
{
    /// <summary>Not a state CRIU records.</summary>
    Unknown = 0,
    /// <summary>Running or sleeping.</summary>
    Alive = 1,
    /// <summary>Dead.</summary>
    Dead = 2,
    /// <summary>Stopped.</summary>
    Stopped = 3,
    /// <summary>A zombie.</summary>
    Zombie = 6,
}

/// <summary>A process of the checkpoint with its children sorted by PID.</summary>
public sealed class ProcessNode
{
    /// <summary>The process ID.</summary>
    public required uint Pid { get; init; }
    /// <summary>The parent's PID; 0 for the root.</summary>
    public required uint Ppid { get; init; }
    /// <summary>The process group ID.</summary>
    public uint Pgid { get; init; }
    /// <summary>The session ID.</summary>
    public uint Sid { get; init; }
    /// <summary>The thread IDs.</summary>
    public IReadOnlyList<uint> Threads { get; init; } = [];
    /// <summary>The command name.</summary>
    public required string Comm { get; init; }
    /// <summary>The task state.</summary>
    public required TaskState State { get; init; }
    /// <summary>The children, in PID order.</summary>
    public List<ProcessNode> Children { get; } = [];

    /// <summary>Alive and stopped tasks have memory, files and children images; dead and zombie ones only a core.</summary>
    public bool HasImages => State is TaskState.Alive or TaskState.Stopped;

    /// <summary>This node and its descendants, depth first, children in PID order.</summary>
    public IEnumerable<ProcessNode> DepthFirst()
    {
        var stack = new Stack<ProcessNode>();
        stack.Push(this);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            yield return node;
            for (var i = node.Children.Count - 1; i >= 0; i--)
                stack.Push(node.Children[i]);
        }
    }

    /// <summary>The process <paramref name="pid"/> in this subtree, or null.</summary>
    public ProcessNode? Find(uint pid) => DepthFirst().FirstOrDefault(n => n.Pid == pid);
}

/// <summary>Builds the process tree from <c>pstree.img</c> and the task cores.</summary>
public static class ProcessTree
{
    /// <summary>Returns the root (the entry with ppid 0); every other process hangs below its parent.</summary>
    /// <exception cref="InvalidCheckpointException">No root, several roots, duplicate PIDs, or an orphan/cycle.</exception>
    public static ProcessNode Build(CriuImages images)
    {
        var entries = images.Pstree();
        var nodes = new Dictionary<uint, ProcessNode>();
        foreach (var e in entries)
        {
            if (nodes.ContainsKey(e.Pid))
                throw new InvalidCheckpointException($"pstree.img: PID {e.Pid} appears more than once");
            var tc = images.Core(e.Pid).Tc;
            nodes[e.Pid] = new ProcessNode
            {
                Pid = e.Pid,
                Ppid = e.Ppid,
                Pgid = e.Pgid,
                Sid = e.Sid,
                Threads = [.. e.Threads],
                Comm = tc?.Comm ?? "",
                State = ToState(tc?.TaskState ?? 0),
            };
        }
        ProcessNode? root = null;
        foreach (var node in nodes.Values)
        {
            if (node.Ppid == 0)
            {
                if (root != null)
                    throw new InvalidCheckpointException($"pstree.img: more than one root process ({root.Pid} and {node.Pid})");
                root = node;
            }
            else if (nodes.TryGetValue(node.Ppid, out var parent) && parent != node)
            {
                parent.Children.Add(node);
            }
            else
            {
                throw new InvalidCheckpointException($"pstree.img: parent {node.Ppid} of PID {node.Pid} is not in the tree");
            }
        }
        if (root == null)
            throw new InvalidCheckpointException(entries.Count == 0 ? "pstree.img: no processes" : "pstree.img: no root process (ppid 0)");
        foreach (var node in nodes.Values)
            node.Children.Sort((a, b) => a.Pid.CompareTo(b.Pid));
        // Every process must be reachable from the root; anything else is a cycle.
        var reachable = root.DepthFirst().Take(nodes.Count + 1).Count();
        if (reachable != nodes.Count)
            throw new InvalidCheckpointException("pstree.img: parent links form a cycle");
        return root;
    }

    /// <summary>The state as <c>inspect</c> prints it: Alive, Dead, Stopped, Zombie or Unknown.</summary>
    public static string Name(TaskState state) => state switch
    {
        TaskState.Alive => "Alive",
        TaskState.Dead => "Dead",
        TaskState.Stopped => "Stopped",
        TaskState.Zombie => "Zombie",
        _ => "Unknown",
    };

    /// <summary>The state of CRIU's <c>task_state</c> value.</summary>
    public static TaskState ToState(uint value) => value switch
    {
        1 => TaskState.Alive,
        2 => TaskState.Dead,
        3 => TaskState.Stopped,
        6 => TaskState.Zombie,
        _ => TaskState.Unknown,
    };
}
