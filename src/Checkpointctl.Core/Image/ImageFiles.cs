using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Checkpointctl.Core.Archive;

namespace Checkpointctl.Core.Image;

/// <summary>
/// The files of an image container (an OCI layout or docker-archive, in a tar or a directory) by their names in the
/// layout, each served as random-access data. Only regular files are served: a name that is a link is an error,
/// never followed.
/// </summary>
internal abstract class ImageFiles(string path, bool isDirectory) : IDisposable
{
    /// <summary>The image as the user named it (for messages).</summary>
    public string Path { get; } = path;

    /// <summary>
    /// The image the user named in an archive or layout of several (<c>PATH:NAME</c>, as skopeo's <c>oci:PATH:NAME</c>):
    /// its reference name, tag or manifest digest; null when none was named.
    /// </summary>
    public string? Reference { get; set; }

    /// <summary>The image is a directory (an OCI layout directory), not a tar.</summary>
    public bool IsDirectory { get; } = isDirectory;

    /// <summary>Bytes read from the input for the image's own files (its tar headers, index, manifests, config).</summary>
    public ReadCounter BytesRead { get; } = new();

    /// <summary>True for a regular file of that name.</summary>
    public abstract bool Exists(string name);

    /// <summary>Size of a regular file.</summary>
    /// <exception cref="CheckpointException">There is no such regular file.</exception>
    public abstract long SizeOf(string name);

    /// <summary>A regular file's data in place; reads count in <see cref="BytesRead"/>.</summary>
    /// <exception cref="CheckpointException">There is no such regular file, or it is a link.</exception>
    public abstract RandomAccessData Open(string name);

    /// <summary>A small file read whole (JSON, protobuf), with its size limited; a digest, when given, is checked.</summary>
    public byte[] ReadAll(string name, string? digest = null)
    {
        var data = Open(name);
        if (data.Length > ImageLayout.MaxMetadataBlobBytes)
            throw new InvalidCheckpointException($"{Path}: {name} is {data.Length} bytes, larger than the {ImageLayout.MaxMetadataBlobBytes >> 20} MiB limit for image metadata");
        var bytes = new byte[data.Length];
        data.ReadExactlyAt(0, bytes);
        if (digest != null && Digest(digest, bytes) != digest)
            throw new InvalidCheckpointException($"{Path}: {name} does not match its digest {digest}");
        return bytes;
    }

    /// <summary>The digest of <paramref name="bytes"/> with the algorithm <paramref name="like"/> names (sha256, or the rare sha512).</summary>
    /// <remarks>
    /// Metadata blobs are a few KiB: BouncyCastle's managed digests hash them in microseconds, where the platform's
    /// would first load OpenSSL (6 ms and 4 MiB, a sixth of a <c>show</c> of an image).
    /// </remarks>
    public static string Digest(string like, ReadOnlySpan<byte> bytes)
    {
        var sha512 = like.StartsWith("sha512:", StringComparison.Ordinal);
        IDigest digest = sha512 ? new Sha512Digest() : new Sha256Digest();
        digest.BlockUpdate(bytes);
        Span<byte> hash = stackalloc byte[digest.GetDigestSize()];
        digest.DoFinal(hash);
        return (sha512 ? "sha512:" : "sha256:") + Convert.ToHexStringLower(hash);
    }

    protected CheckpointException Missing(string name) =>
        new MissingCheckpointDataException($"{Path}: {name}: no such file in the image");

    protected CheckpointException Link(string name) =>
        new InvalidCheckpointException($"{Path}: {name} is a link; links in an image are not followed");

    public virtual void Dispose()
    {
    }
}
