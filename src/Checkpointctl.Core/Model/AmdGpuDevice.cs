namespace Checkpointctl.Core.Model;

/// <summary>A GPU as a process's KFD state records it, with the buffer objects the process had on it.</summary>
/// <param name="Pid">The process (as CRIU's amdgpu plugin recorded it).</param>
/// <param name="GpuId">KFD's GPU id (the <c>&lt;gpu&gt;</c> of <c>amdgpu-pages-&lt;id&gt;-&lt;gpu&gt;.img</c>).</param>
/// <param name="BufferObjectsSize">Σ sizes of those buffer objects.</param>
public sealed record AmdGpuDevice(
    uint Pid, uint GpuId, uint VendorId, uint DeviceId, uint RenderMinor, ulong VramSize, int BufferObjects, ulong BufferObjectsSize);
