namespace Checkpointctl.Core.Criu;

/// <summary>The images the AMD GPU plugin writes into the CRIU image directory (checkpoint-shapes.md §6.2).</summary>
public enum AmdGpuImageKind
{
    /// <summary><c>amdgpu-kfd-&lt;id&gt;.img</c>: the process's KFD state (devices, buffer objects).</summary>
    Kfd,

    /// <summary><c>amdgpu-renderD-&lt;id&gt;.img</c>: a DRM render node's buffer objects.</summary>
    RenderNode,

    /// <summary><c>amdgpu-pages-&lt;id&gt;-&lt;gpu&gt;.img</c>: the contents of a GPU's KFD buffer objects.</summary>
    Pages,

    /// <summary><c>amdgpu-drm-pages-&lt;id&gt;-&lt;minor&gt;-&lt;bo&gt;.img</c>: the contents of one DRM buffer object.</summary>
    DrmPages,

    /// <summary><c>amdgpu-dmabuf_&lt;id&gt;.img</c>: a dmabuf fd's GEM handle.</summary>
    Dmabuf,

    /// <summary>Any other <c>amdgpu-*</c> file (a newer plugin's).</summary>
    Other,
}
