using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Criu;

namespace Checkpointctl.Core.Model;

/// <summary>
/// Reads the length header in front of the AMD GPU plugin's images as the archive pass goes by, so they are checked
/// without holding them: the buffer-object contents can be GiBs.
/// </summary>
public sealed class AmdGpuImageHeaders
{
    private readonly Dictionary<string, byte[]> _headers = new(StringComparer.Ordinal);
    private readonly string _root = "";

    /// <summary>Consumers for every plugin image except the KFD state, which is held and decoded whole.</summary>
    public IReadOnlyList<MemberConsumer> Consumers { get; }

    /// <summary>Headers of a whole archive, captured as the pass goes by.</summary>
    public AmdGpuImageHeaders()
    {
        string[] prefixes = [ArchiveLayout.AmdgpuPagesPrefix, ArchiveLayout.AmdgpuDrmPagesPrefix, ArchiveLayout.AmdgpuRenderNodePrefix, ArchiveLayout.AmdgpuDmabufPrefix];
        Consumers = prefixes.Select(p => new MemberConsumer(ArchiveLayout.Image(p + "*.img"), Consume)).ToList();
    }

    // The headers of the checkpoint below root (a container of a pod), read by the consumers of the whole pass.
    private AmdGpuImageHeaders(AmdGpuImageHeaders all, string root)
    {
        _headers = all._headers;
        _root = root;
        Consumers = [];
    }

    /// <summary>The headers of the checkpoint below <paramref name="root"/>, e.g. one container of a pod archive.</summary>
    public AmdGpuImageHeaders Under(string root) => new(this, _root + root);

    private void Consume(ArchiveMember member, Stream data, CheckpointArchive _)
    {
        var header = new byte[AmdGpuImage.HeaderLength];
        _headers[member.Name] = header[..data.ReadAtLeast(header, header.Length, throwOnEndOfStream: false)];
    }

    /// <summary>Checks the header of a consumed member against its size.</summary>
    /// <exception cref="InvalidCheckpointException">Short image or a header that disagrees with it.</exception>
    public void Check(ArchiveMember member, string imageName) =>
        AmdGpuImage.CheckHeader(imageName, _headers.TryGetValue(_root + member.Name, out var header) ? header : [], member.Size);
}
