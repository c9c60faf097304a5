using Checkpointctl.Core.Criu;
using Checkpointctl.Core.Model;

namespace Checkpointctl.Cli.Rendering;

/// <summary>
/// The GPU state of a checkpoint in <c>inspect</c> (tree and JSON) and <c>show</c>; printed only for checkpoints that
/// have some, so everything else stays as upstream prints it.
/// </summary>
internal static class GpuRenderer
{
    /// <summary>The <c>GPU</c> node of the inspect tree.</summary>
    public static void AddTo(TreeNode parent, GpuState gpu)
    {
        var node = parent.Add("GPU");
        node.Add($"CRIU plugins: {Plugins(gpu)}");
        if (gpu.AmdGpuImages.Count > 0)
        {
            var images = node.Add($"AMD GPU images: {Units.Bytes(gpu.AmdGpuImagesSize)}");
            foreach (var g in gpu.AmdGpuImages)
                images.Add($"{KindLabel(g.Kind)}: {g.Files} {(g.Files == 1 ? "file" : "files")}, {Units.Bytes(g.Size)}");
        }
        if (gpu.AmdGpus.Count > 0)
        {
            var gpus = node.Add("AMD GPUs");
            foreach (var d in gpu.AmdGpus)
            {
                gpus.AddMeta($"0x{d.GpuId:x4}",
                    $"PID {d.Pid}, device {d.VendorId:x4}:{d.DeviceId:x4}, render node {d.RenderMinor}, VRAM {Bytes(d.VramSize)}, " +
                    $"{d.BufferObjects} buffer {(d.BufferObjects == 1 ? "object" : "objects")} ({Bytes(d.BufferObjectsSize)})");
            }
        }
        if (gpu.Cuda)
            node.Add("CUDA: device state is in the process memory pages");
    }

    /// <summary>The <c>gpu</c> object of inspect's JSON (sizes in bytes).</summary>
    public static void Write(GoJsonWriter w, GpuState gpu)
    {
        w.Name("gpu");
        w.BeginObject();
        if (gpu.Plugins != null)
        {
            w.Name("plugins");
            w.BeginArray();
            foreach (var p in gpu.Plugins)
                w.String(p);
            w.EndArray();
        }
        if (gpu.Cuda)
            w.Property("cuda", true);
        if (gpu.AmdGpuImages.Count > 0)
        {
            w.Name("amd_gpu_images");
            w.BeginArray();
            foreach (var g in gpu.AmdGpuImages)
            {
                w.BeginObject();
                w.Property("kind", KindName(g.Kind));
                w.Property("files", g.Files);
                w.Property("size", g.Size);
                w.EndObject();
            }
            w.EndArray();
        }
        if (gpu.AmdGpus.Count > 0)
        {
            w.Name("amd_gpus");
            w.BeginArray();
            foreach (var d in gpu.AmdGpus)
            {
                w.BeginObject();
                w.Property("pid", d.Pid);
                w.Property("gpu_id", d.GpuId);
                w.Property("vendor_id", d.VendorId);
                w.Property("device_id", d.DeviceId);
                w.Property("render_minor", d.RenderMinor);
                w.Name("vram_size");
                w.Number(d.VramSize);
                w.Property("buffer_objects", d.BufferObjects);
                w.Name("buffer_objects_size");
                w.Number(d.BufferObjectsSize);
                w.EndObject();
            }
            w.EndArray();
        }
        w.EndObject();
    }

    /// <summary><c>show</c>'s GPU cell: the plugins, the AMD one with its images' size; <c>-</c> for none.</summary>
    public static string Cell(GpuState gpu)
    {
        var parts = (gpu.Plugins ?? []).Where(p => p != GpuState.AmdGpuPlugin).ToList();
        if (gpu.AmdGpu)
            parts.Insert(0, $"{GpuState.AmdGpuPlugin} ({Units.Bytes(gpu.AmdGpuImagesSize)})");
        return parts.Count > 0 ? string.Join(", ", parts) : "-";
    }

    private static string Plugins(GpuState gpu) => gpu.Plugins switch
    {
        null => "not recorded (CRIU before 4.1)",
        { Count: 0 } => "none",
        var list => string.Join(", ", list),
    };

    private static string Bytes(ulong b) => Units.Bytes((long)Math.Min(b, long.MaxValue));

    private static string KindLabel(AmdGpuImageKind kind) => kind switch
    {
        AmdGpuImageKind.Kfd => "KFD state",
        AmdGpuImageKind.RenderNode => "Render node state",
        AmdGpuImageKind.Pages => "Memory pages",
        AmdGpuImageKind.DrmPages => "DRM memory pages",
        AmdGpuImageKind.Dmabuf => "DMA-BUF state",
        _ => "Other",
    };

    private static string KindName(AmdGpuImageKind kind) => kind switch
    {
        AmdGpuImageKind.Kfd => "kfd",
        AmdGpuImageKind.RenderNode => "render_node",
        AmdGpuImageKind.Pages => "pages",
        AmdGpuImageKind.DrmPages => "drm_pages",
        AmdGpuImageKind.Dmabuf => "dmabuf",
        _ => "other",
    };
}
