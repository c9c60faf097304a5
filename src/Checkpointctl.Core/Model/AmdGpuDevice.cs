namespace Checkpointctl.Core.Model;

/// <summary>A GPU as a process's KFD state records it, with the buffer objects the process had on it.</summary>
/// <param name="Pid">The process (as CRIU's amdgpu plugin recorded it).</param>
/// <param name="GpuId">KFD's GPU id (the <c>&lt;gpu&gt;</c> of <c>amdgpu-pages-&lt;id&gt;-&lt;gpu&gt;.img</c>).</param>
/// <param name="BufferObjectsSize">Σ sizes of those buffer objects.</param>
/// <param name="VendorId">PCI vendor ID.</param>
/// <param name="DeviceId">PCI device ID.</param>
/// <param name="RenderMinor">The DRM render node's minor number.</param>
/// <param name="VramSize">VRAM size in bytes.</param>
/// <param name="BufferObjects">The process's buffer objects on the GPU.</param>
public sealed record AmdGpuDevice(
    uint Pid, uint GpuId, uint VendorId, uint DeviceId, uint RenderMinor, ulong VramSize, int BufferObjects, ulong BufferObjectsSize);
