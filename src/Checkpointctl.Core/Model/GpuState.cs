using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Criu;
using Checkpointctl.Core.Criu.Images;

namespace Checkpointctl.Core.Model;

/// <summary>
/// The GPU state of a checkpoint (checkpoint-shapes.md §6): the CRIU plugins the dump recorded, the AMD GPU plugin's
/// images by kind and the GPUs of its KFD state, and whether CUDA state is present (the CUDA plugin writes no images:
/// the driver copies device memory into the process's ordinary memory pages).
/// </summary>
public sealed class GpuState
{
    /// <summary>CRIU's AMD GPU plugin.</summary>
    public const string AmdGpuPlugin = "amdgpu_plugin";
    /// <summary>CRIU's CUDA plugin.</summary>
    public const string CudaPlugin = "cuda_plugin";

    private const string InventoryImage = "inventory.img";

    /// <summary>Archive patterns for the plugin list.</summary>
    public static IReadOnlyList<MemberPattern> PluginImages { get; } = [ArchiveLayout.Image(InventoryImage)];

    /// <summary>Archive patterns for the plugin list and the GPUs (the AMD plugin's KFD state).</summary>
    public static IReadOnlyList<MemberPattern> DetailImages { get; } =
        [ArchiveLayout.Image(InventoryImage), ArchiveLayout.Image(ArchiveLayout.AmdgpuKfdPrefix + "*.img")];

    /// <summary>
    /// The plugins <c>inventory.img</c> lists (CRIU ≥ 4.1); null when it does not say (older CRIU, or no inventory),
    /// empty when the dump needed none.
    /// </summary>
    public IReadOnlyList<string>? Plugins { get; private init; }

    /// <summary>The AMD GPU plugin's images by kind, in <see cref="AmdGpuImageKind"/> order; only kinds present.</summary>
    public IReadOnlyList<AmdGpuImageGroup> AmdGpuImages { get; private init; } = [];

    /// <summary>The GPUs of each process's KFD state (only when read with details).</summary>
    public IReadOnlyList<AmdGpuDevice> AmdGpus { get; private init; } = [];

    /// <summary>The dump holds CUDA state: the inventory lists the CUDA plugin.</summary>
    public bool Cuda => Plugins?.Contains(CudaPlugin) ?? false;

    /// <summary>The dump holds AMD GPU state: the plugin is listed or its images are there.</summary>
    public bool AmdGpu => (Plugins?.Contains(AmdGpuPlugin) ?? false) || AmdGpuImages.Count > 0;

    /// <summary>Anything to show: a plugin listed or AMD GPU images present.</summary>
    public bool IsPresent => Plugins is { Count: > 0 } || AmdGpuImages.Count > 0;

    /// <summary>Σ sizes of the AMD GPU plugin's images.</summary>
    public long AmdGpuImagesSize => AmdGpuImages.Sum(g => g.Size);

    /// <summary>
    /// Reads the plugin list and sizes the AMD images by name. With <paramref name="headers"/> (whose consumers were
    /// part of the archive pass, and <see cref="DetailImages"/> held) every plugin image's length header is checked
    /// and the KFD state decoded into <see cref="AmdGpus"/>.
    /// </summary>
    /// <exception cref="InvalidCheckpointException">A damaged inventory or plugin image.</exception>
    public static GpuState Read(CriuImages images, AmdGpuImageHeaders? headers = null)
    {
        var plugins = images.Has(InventoryImage) && images.Inventory().PluginsEntry is { } entry ? entry.Plugins.ToList() : null;
        var groups = new SortedDictionary<AmdGpuImageKind, AmdGpuImageGroup>();
        var devices = new List<AmdGpuDevice>();
        var members = images.Archive.MembersMatching(ArchiveLayout.Image(ArchiveLayout.AmdgpuPrefix + "*"));
        foreach (var member in members.OrderBy(m => m.Name, StringComparer.Ordinal))
        {
            var name = member.Name[ArchiveLayout.CheckpointPrefix.Length..];
            var kind = AmdGpuImage.KindOf(name) ?? AmdGpuImageKind.Other;
            groups[kind] = groups.TryGetValue(kind, out var g) ? g with { Files = g.Files + 1, Size = g.Size + member.Size } : new(kind, 1, member.Size);
            if (headers == null || kind == AmdGpuImageKind.Other)
                continue;
            if (kind == AmdGpuImageKind.Kfd)
                devices.AddRange(Devices(name, AmdGpuImage.DecodeKfd(name, images.Image(name))));
            else
                headers.Check(member, name);
        }
        return new GpuState { Plugins = plugins, AmdGpuImages = [.. groups.Values], AmdGpus = devices };
    }

    private static IEnumerable<AmdGpuDevice> Devices(string image, CriuKfd kfd)
    {
        var objects = new Dictionary<uint, (int Count, ulong Size)>();
        foreach (var bo in kfd.BoEntries)
        {
            var (count, size) = objects.GetValueOrDefault(bo.GpuId);
            if (bo.Size > ulong.MaxValue - size)
                throw new InvalidCheckpointException($"{image}: buffer objects of GPU 0x{bo.GpuId:x4} exceed {ulong.MaxValue} bytes");
            objects[bo.GpuId] = (count + 1, size + bo.Size);
        }
        return kfd.DeviceEntries.Select(d =>
        {
            var (count, size) = objects.GetValueOrDefault(d.GpuId);
            return new AmdGpuDevice(kfd.Pid, d.GpuId, d.VendorId, d.DeviceId, d.DrmRenderMinor, d.VramSize, count, size);
        });
    }
}
