using System.Globalization;
using Checkpointctl.Core.Analysis;

namespace Checkpointctl.Cli.Rendering;

/// <summary>
/// <c>diff --format json</c>: upstream's object (field names, order and omit-if-empty rules) with the additions of this
/// implementation: <c>changes</c> and <c>environment_changes</c> on modified processes, <c>memory_changes.processes</c>,
/// and <c>socket_changes.modified</c> with <c>old_state</c>/<c>new_state</c>.
/// </summary>
internal static class DiffJsonRenderer
{
    /// <summary>Two pods: <c>pod_name</c>, each paired container's diff object, and the containers in one pod only.</summary>
    public static void Write(TextWriter output, PodDiff diff)
    {
        var w = new GoJsonWriter();
        w.BeginObject();
        w.Property("pod_name", diff.PodName);
        w.Name("containers");
        w.BeginArray();
        foreach (var container in diff.Containers)
            WriteObject(w, container);
        w.EndArray();
        foreach (var (name, list) in new[] { ("only_in_a", diff.OnlyInA), ("only_in_b", diff.OnlyInB) })
        {
            if (list.Count == 0)
                continue;
            w.Name(name);
            w.BeginArray();
            foreach (var container in list)
                w.String(container);
            w.EndArray();
        }
        w.EndObject();
        output.Write(w.ToString());
        output.Write('\n');
    }

    public static void Write(TextWriter output, CheckpointDiff diff)
    {
        var w = new GoJsonWriter();
        WriteObject(w, diff);
        output.Write(w.ToString());
        output.Write('\n');
    }

    private static void WriteObject(GoJsonWriter w, CheckpointDiff diff)
    {
        w.BeginObject();
        w.Property("container_id", diff.ContainerId);
        w.Property("container_name", diff.ContainerName);
        w.Property("image", diff.Image);
        WriteSide(w, "checkpoint_a", diff.A);
        WriteSide(w, "checkpoint_b", diff.B);

        w.Name("process_changes");
        w.BeginObject();
        WriteProcesses(w, "added", diff.Processes.Added);
        WriteProcesses(w, "removed", diff.Processes.Removed);
        WriteProcesses(w, "modified", diff.Processes.Modified);
        WriteProcesses(w, "unchanged", diff.Processes.Unchanged);
        w.EndObject();

        if (diff.Files is { } files)
        {
            w.Name("file_changes");
            w.BeginObject();
            WriteFiles(w, "added", files.Added);
            WriteFiles(w, "removed", files.Removed);
            WriteFiles(w, "unchanged", files.Unchanged);
            w.EndObject();
        }

        w.Name("memory_changes");
        w.BeginObject();
        w.Property("size_change_bytes", diff.Memory.SizeChangeBytes);
        w.Name("size_change_mb");
        w.Literal(GoFloat(diff.Memory.SizeChangeMegabytes));
        if (diff.Memory.Processes.Count > 0)
        {
            w.Name("processes");
            w.BeginArray();
            foreach (var p in diff.Memory.Processes)
            {
                w.BeginObject();
                w.Property("pid", p.Pid);
                w.Property("old_bytes", p.OldBytes);
                w.Property("new_bytes", p.NewBytes);
                w.Property("change_bytes", p.ChangeBytes);
                w.EndObject();
            }
            w.EndArray();
        }
        w.EndObject();

        if (diff.Sockets is { } sockets)
        {
            w.Name("socket_changes");
            w.BeginObject();
            WriteSockets(w, "added", sockets.Added);
            WriteSockets(w, "removed", sockets.Removed);
            WriteSockets(w, "modified", sockets.Modified);
            WriteSockets(w, "unchanged", sockets.Unchanged);
            w.EndObject();
        }

        w.Property("summary", diff.Summary);
        w.EndObject();
    }

    private static void WriteSide(GoJsonWriter w, string name, DiffSide side)
    {
        w.Name(name);
        w.BeginObject();
        w.Property("created", side.Created);
        w.Property("total_size", side.TotalSize);
        w.EndObject();
    }

    private static void WriteProcesses(GoJsonWriter w, string name, IReadOnlyList<ProcessDiffEntry> processes)
    {
        if (processes.Count == 0)
            return;
        w.Name(name);
        w.BeginArray();
        foreach (var p in processes)
        {
            w.BeginObject();
            w.Property("pid", p.Pid);
            w.Property("command", p.Command);
            w.OptionalProperty("cmdline", p.Cmdline);
            if (p.Changes.Count > 0)
            {
                w.Name("changes");
                w.BeginArray();
                foreach (var c in p.Changes)
                {
                    w.BeginObject();
                    w.Property("field", c.Field);
                    w.Property("old", c.Old);
                    w.Property("new", c.New);
                    w.EndObject();
                }
                w.EndArray();
            }
            if (p.Environment is { IsEmpty: false } env)
            {
                w.Name("environment_changes");
                w.BeginObject();
                WriteVariables(w, "added", env.Added);
                WriteVariables(w, "removed", env.Removed);
                if (env.Changed.Count > 0)
                {
                    w.Name("changed");
                    w.BeginObject();
                    foreach (var (key, old, @new) in env.Changed)
                    {
                        w.Name(key);
                        w.BeginObject();
                        w.Property("old", old);
                        w.Property("new", @new);
                        w.EndObject();
                    }
                    w.EndObject();
                }
                w.EndObject();
            }
            w.EndObject();
        }
        w.EndArray();
    }

    private static void WriteVariables(GoJsonWriter w, string name, IReadOnlyList<KeyValuePair<string, string>> variables)
    {
        if (variables.Count == 0)
            return;
        w.Name(name);
        w.BeginObject();
        foreach (var (k, v) in variables)
            w.Property(k, v);
        w.EndObject();
    }

    private static void WriteFiles(GoJsonWriter w, string name, IReadOnlyList<FileDiffEntry> files)
    {
        if (files.Count == 0)
            return;
        w.Name(name);
        w.BeginArray();
        foreach (var f in files)
        {
            w.BeginObject();
            w.Property("path", f.Path);
            w.OptionalProperty("deleted", f.Deleted);
            w.Property("type", f.Type);
            w.Property("pid", f.Pid);
            w.Property("fd", f.FdLabel);
            w.EndObject();
        }
        w.EndArray();
    }

    private static void WriteSockets(GoJsonWriter w, string name, IReadOnlyList<SocketDiffEntry> sockets)
    {
        if (sockets.Count == 0)
            return;
        w.Name(name);
        w.BeginArray();
        foreach (var entry in sockets)
        {
            var s = entry.Socket;
            w.BeginObject();
            w.Property("pid", entry.Pid);
            w.Property("protocol", s.Protocol);
            w.Property("type", s.Type);
            w.OptionalProperty("address", s.Address);
            w.OptionalProperty("state", s.State);
            w.OptionalProperty("source", s.Source);
            w.OptionalProperty("src_port", s.SourcePort);
            w.OptionalProperty("dest", s.Destination);
            w.OptionalProperty("dst_port", s.DestinationPort);
            if (entry.OldState != null)
            {
                w.Property("old_state", entry.OldState);
                w.Property("new_state", s.State);
            }
            w.EndObject();
        }
        w.EndArray();
    }

    /// <summary>
    /// A float64 as Go's encoding/json writes it: the shortest round-trip digits, plain notation for
    /// 1e-6 ≤ |x| &lt; 1e21, otherwise exponent notation with at least one exponent digit (<c>9.5367431640625e-7</c>).
    /// </summary>
    public static string GoFloat(double value)
    {
        if (value == 0)
            return "0";
        var r = value.ToString("R", CultureInfo.InvariantCulture);
        var negative = r.StartsWith('-');
        if (negative)
            r = r[1..];
        // Decompose into significant digits and the decimal exponent of the first digit.
        string digits;
        int exponent;
        var e = r.IndexOfAny(['E', 'e']);
        var mantissa = e >= 0 ? r[..e] : r;
        var shift = e >= 0 ? int.Parse(r[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) : 0;
        var dot = mantissa.IndexOf('.');
        var intPart = dot >= 0 ? mantissa[..dot] : mantissa;
        var fracPart = dot >= 0 ? mantissa[(dot + 1)..] : "";
        var all = intPart + fracPart;
        var leadingZeros = all.Length - all.TrimStart('0').Length;
        digits = all.Trim('0');
        exponent = intPart.Length - 1 - leadingZeros + shift;
        if (digits.Length == 0)
            return "0";
        var abs = Math.Abs(value);
        string text;
        if (abs < 1e-6 || abs >= 1e21)
        {
            text = digits[..1] + (digits.Length > 1 ? "." + digits[1..] : "") + "e" + (exponent < 0 ? "-" : "+") +
                Math.Abs(exponent).ToString(exponent < 0 ? "0" : "00", CultureInfo.InvariantCulture);
        }
        else if (exponent < 0)
        {
            text = "0." + new string('0', -exponent - 1) + digits;
        }
        else if (digits.Length <= exponent + 1)
        {
            text = digits + new string('0', exponent + 1 - digits.Length);
        }
        else
        {
            text = digits[..(exponent + 1)] + "." + digits[(exponent + 1)..];
        }
        return (negative ? "-" : "") + text;
    }
}
