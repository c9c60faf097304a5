using Checkpointctl.Core.Analysis;
using Checkpointctl.Core.Model;
using Checkpointctl.Core.Pod;

namespace Checkpointctl.Cli.Rendering;

/// <summary>Upstream's <c>inspect --format json</c>: an array with one object per checkpoint, Go field order and omit rules.</summary>
internal static class InspectJsonRenderer
{
    public static void Write(TextWriter output, IReadOnlyList<Inspection> inspections)
    {
        var w = new GoJsonWriter();
        w.BeginArray();
        foreach (var i in inspections)
            WriteOne(w, i);
        w.EndArray();
        output.Write(w.ToString());
        output.Write('\n');
    }

    /// <summary>
    /// Inputs that may be pod checkpoints: a container checkpoint (or one selected container of a pod) is upstream's
    /// object; a pod is an object with the pod's fields and its containers' objects.
    /// </summary>
    public static void Write(TextWriter output, IReadOnlyList<CheckpointResults<Inspection>> inputs, bool selected)
    {
        var w = new GoJsonWriter();
        w.BeginArray();
        foreach (var input in inputs)
        {
            if (input.IsSingleContainer(selected))
                WriteOne(w, input.Items[0].Value);
            else
                WritePod(w, input);
        }
        w.EndArray();
        output.Write(w.ToString());
        output.Write('\n');
    }

    private static void WritePod(GoJsonWriter w, CheckpointResults<Inspection> input)
    {
        var pod = input.Pod!;
        w.BeginObject();
        w.Property("pod_name", pod.Name);
        w.OptionalProperty("namespace", pod.Namespace);
        w.OptionalProperty("uid", pod.Uid);
        w.OptionalProperty("sandbox_id", pod.SandboxId);
        w.Property("engine", PodEngine.Name(pod, input.Items.Select(i => i.Value.Container)));
        w.Property("generation", (long)pod.Generation);
        w.Property("format_version", pod.FormatVersion);
        w.Name("containers");
        w.BeginArray();
        foreach (var item in input.Items)
            WriteOne(w, item.Value);
        w.EndArray();
        w.EndObject();
    }

    private static void WriteOne(GoJsonWriter w, Inspection i)
    {
        var c = i.Container;
        w.BeginObject();
        w.Property("container_name", c.Name);
        w.Property("image", c.Config.RootfsImageName);
        w.Property("id", c.Config.Id);
        w.Property("runtime", c.Config.Runtime);
        w.Property("created", c.Created);
        if (!c.Checkpointed.IsZero)
            w.Property("checkpointed", c.Checkpointed.ToRfc3339());
        w.Property("engine", c.EngineName);
        w.OptionalProperty("ip", c.Ip);
        w.OptionalProperty("mac", c.Mac);
        if (c.Networks.Count > 0)
        {
            w.Name("networks");
            w.BeginArray();
            foreach (var net in c.Networks)
            {
                w.BeginObject();
                w.Property("name", net.Name);
                w.Name("interfaces");
                w.BeginObject();
                foreach (var iface in net.Interfaces)
                {
                    w.Name(iface.Name);
                    w.BeginObject();
                    w.OptionalProperty("ip", iface.Ip);
                    w.OptionalProperty("mac", iface.Mac);
                    w.OptionalProperty("gateway", iface.Gateway);
                    w.EndObject();
                }
                w.EndObject();
                w.EndObject();
            }
            w.EndArray();
        }
        if (i.Image != null)
            ImageRenderer.Write(w, i.Image);
        // Not upstream's: set only for a pre-checkpoint export, whose sizes are those of pre-checkpoint/.
        w.OptionalProperty("pre_checkpoint", i.IsPreCheckpoint);
        w.Name("checkpoint_size");
        w.BeginObject();
        w.OptionalProperty("total_size", (ulong)i.Sizes.CheckpointSize);
        w.OptionalProperty("memory_pages_size", (ulong)i.Sizes.MemoryPagesSize);
        w.OptionalProperty("amd_gpu_memory_pages_size", (ulong)i.Sizes.AmdGpuMemoryPagesSize);
        w.OptionalProperty("root_fs_diff_size", (ulong)i.Sizes.RootFsDiffSize);
        w.EndObject();
        if (i.Gpu.IsPresent)
            GpuRenderer.Write(w, i.Gpu);
        if (i.Stats is { } s)
        {
            w.Name("statistics");
            w.BeginObject();
            w.OptionalProperty("freezing_time", s.FreezingTime);
            w.OptionalProperty("frozen_time", s.FrozenTime);
            w.OptionalProperty("memdump_time", s.MemdumpTime);
            w.OptionalProperty("memwrite_time", s.MemwriteTime);
            w.OptionalProperty("pages_scanned", s.PagesScanned);
            w.OptionalProperty("pages_written", s.PagesWritten);
            w.EndObject();
        }
        if (i.Options.Metadata && c.HasContainerMetadata)
        {
            w.Name("metadata");
            w.BeginObject();
            w.OptionalProperty("pod_name", c.Pod);
            w.OptionalProperty("kubernetes_namespace", c.Namespace);
            if (c.Annotations.Count > 0)
            {
                w.Name("annotations");
                w.BeginObject();
                foreach (var (k, v) in c.Annotations)
                    w.Property(k, v);
                w.EndObject();
            }
            w.EndObject();
        }
        if (i.ProcessTree is { } tree)
        {
            w.Name("process_tree");
            WriteProcess(w, tree);
        }
        if (i.Files is { Count: > 0 } files)
        {
            w.Name("file_descriptors");
            w.BeginArray();
            foreach (var (pid, open) in files)
            {
                w.BeginObject();
                w.Property("pid", pid);
                if (open.Count > 0)
                {
                    w.Name("open_files");
                    w.BeginArray();
                    foreach (var f in open)
                    {
                        w.BeginObject();
                        w.Property("type", f.Type);
                        w.Property("fd", f.FdLabel);
                        w.Property("path", f.Path);
                        w.OptionalProperty("deleted", f.Deleted);
                        w.EndObject();
                    }
                    w.EndArray();
                }
                w.EndObject();
            }
            w.EndArray();
        }
        if (i.Sockets is { Count: > 0 } sockets)
        {
            w.Name("sockets");
            w.BeginArray();
            foreach (var (pid, socks) in sockets)
            {
                w.BeginObject();
                w.Property("pid", pid);
                w.Name("open_sockets");
                w.BeginArray();
                foreach (var sk in socks)
                    WriteSocket(w, sk);
                w.EndArray();
                w.EndObject();
            }
            w.EndArray();
        }
        if (i.Mounts is { Count: > 0 } mounts)
        {
            w.Name("mounts");
            w.BeginArray();
            foreach (var m in mounts)
            {
                w.BeginObject();
                w.Property("destination", m.Destination);
                w.Property("type", m.Type);
                w.Property("source", m.Source);
                w.EndObject();
            }
            w.EndArray();
        }
        ForensicJsonRenderer.Write(w, i);
        w.EndObject();
    }

    private static void WriteProcess(GoJsonWriter w, ProcessView p)
    {
        w.BeginObject();
        w.Property("pid", p.Pid);
        w.Property("command", p.Command);
        w.OptionalProperty("cmdline", p.Cmdline);
        w.Property("task_state", p.StateName);
        if (p.Environment is { Count: > 0 } env)
        {
            w.Name("environment_variables");
            w.BeginObject();
            foreach (var (k, v) in env)
                w.Property(k, v);
            w.EndObject();
        }
        if (p.Children.Count > 0)
        {
            w.Name("children");
            w.BeginArray();
            foreach (var child in p.Children)
                WriteProcess(w, child);
            w.EndArray();
        }
        w.EndObject();
    }

    private static void WriteSocket(GoJsonWriter w, SocketInfo s)
    {
        w.BeginObject();
        w.OptionalProperty("protocol", s.Protocol);
        w.Name("data");
        w.BeginObject();
        w.OptionalProperty("type", s.Type);
        w.OptionalProperty("address", s.Address);
        w.OptionalProperty("state", s.State);
        w.OptionalProperty("src", s.Source);
        w.OptionalProperty("src_port", s.SourcePort);
        w.OptionalProperty("dst", s.Destination);
        w.OptionalProperty("dst_port", s.DestinationPort);
        w.OptionalProperty("send_buf", Units.SocketBytes(s.SendBuffer));
        w.OptionalProperty("recv_buf", Units.SocketBytes(s.RecvBuffer));
        w.OptionalProperty("send_queue", s.SendQueue);
        w.OptionalProperty("recv_queue", s.RecvQueue);
        w.EndObject();
        w.EndObject();
    }
}
