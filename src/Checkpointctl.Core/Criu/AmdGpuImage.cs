using System.Buffers.Binary;
using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Criu.Images;
using Google.Protobuf;

namespace Checkpointctl.Core.Criu;

/// <summary>
/// The AMD GPU plugin's image files (checkpoint-shapes.md §6.2): no CRIU magic or entry framing, but an 8-byte
/// host-endian payload length in front (for criu-image-streamer), then a protobuf message or raw buffer contents.
/// </summary>
public static class AmdGpuImage
{
    /// <summary>Bytes of the length in front of every AMD GPU plugin image.</summary>
    public const int HeaderLength = 8;

    private static readonly (string Prefix, AmdGpuImageKind Kind)[] Prefixes =
    [
        (ArchiveLayout.AmdgpuKfdPrefix, AmdGpuImageKind.Kfd),
        (ArchiveLayout.AmdgpuRenderNodePrefix, AmdGpuImageKind.RenderNode),
        (ArchiveLayout.AmdgpuPagesPrefix, AmdGpuImageKind.Pages),
        (ArchiveLayout.AmdgpuDrmPagesPrefix, AmdGpuImageKind.DrmPages),
        (ArchiveLayout.AmdgpuDmabufPrefix, AmdGpuImageKind.Dmabuf),
    ];

    /// <summary>The kind of an image by its name inside <c>checkpoint/</c>, or null when it is not the plugin's.</summary>
    public static AmdGpuImageKind? KindOf(string imageName)
    {
        if (!imageName.StartsWith(ArchiveLayout.AmdgpuPrefix, StringComparison.Ordinal))
            return null;
        foreach (var (prefix, kind) in Prefixes)
        {
            if (imageName.StartsWith(prefix, StringComparison.Ordinal) && imageName.EndsWith(".img", StringComparison.Ordinal))
                return kind;
        }
        return AmdGpuImageKind.Other;
    }

    /// <summary>Checks an image's length header (its first bytes) against the bytes that follow it in the file.</summary>
    /// <exception cref="InvalidCheckpointException">The file is shorter than the header, or the header disagrees.</exception>
    public static void CheckHeader(string name, ReadOnlySpan<byte> header, long fileLength)
    {
        if (header.Length < HeaderLength || fileLength < HeaderLength)
            throw new InvalidCheckpointException($"{name}: image is too short to hold its {HeaderLength}-byte size ({fileLength} bytes)");
        var length = BinaryPrimitives.ReadUInt64LittleEndian(header);
        if (length != (ulong)(fileLength - HeaderLength))
            throw new InvalidCheckpointException($"{name}: size header says {length} bytes, the image holds {fileLength - HeaderLength}");
    }

    /// <summary>Decodes an <c>amdgpu-kfd-&lt;id&gt;.img</c>.</summary>
    /// <exception cref="InvalidCheckpointException">Bad length header or protobuf message.</exception>
    public static CriuKfd DecodeKfd(string name, ReadOnlyMemory<byte> image)
    {
        CheckHeader(name, image.Span, image.Length);
        try
        {
            return CriuKfd.Parser.ParseFrom(image.Span[HeaderLength..]);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidCheckpointException($"{name}: invalid protobuf message: {e.Message}", e);
        }
    }
}
