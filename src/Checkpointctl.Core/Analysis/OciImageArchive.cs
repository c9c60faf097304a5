using System.Buffers.Binary;
using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Image;
using Checkpointctl.Core.Pod;

namespace Checkpointctl.Core.Analysis;

/// <summary>A content descriptor of an OCI image: what a blob is, its digest and size.</summary>
public sealed record OciDescriptor(string MediaType, string Digest, long Size);

/// <summary>What <see cref="OciImageArchive.Write"/> wrote.</summary>
/// <param name="DiffId">Digest of the uncompressed layer (the image config's <c>rootfs.diff_ids</c>).</param>
/// <param name="Image">The image's name, annotations and labels.</param>
/// <param name="Manifest">The manifest's descriptor.</param>
/// <param name="Layer">The layer's descriptor.</param>
public sealed record OciImageResult(CheckpointImage Image, OciDescriptor Manifest, OciDescriptor Layer, string DiffId);

/// <summary>
/// Makes an OCI image archive (an OCI image layout in a tar, as <c>podman load</c>, <c>skopeo copy oci-archive:</c>
/// and <c>ctr images import</c> read it) from a checkpoint, in-process and in one pass over the checkpoint.
/// </summary>
/// <remarks>
/// The image has one layer holding the checkpoint's files at <c>/</c>, as upstream's <c>buildah add</c> makes it. A
/// plain, gzip or zstd archive becomes the layer byte for byte (those are OCI layer formats); bzip2 and xz archives are
/// stored decompressed. While the bytes are copied into the output, they are hashed, decompressed and read as a
/// checkpoint, which is validated (metadata, process tree) before anything is committed. The checkpoint annotations
/// go on the manifest, on its descriptor in the index and on the index itself (containerd looks there; upstream's
/// open defect #174). Every field is fixed or taken from the checkpoint, so the same input gives the same bytes.
/// </remarks>
public static class OciImageArchive
{
    /// <summary>Media type of the image index.</summary>
    public const string IndexMediaType = ImageLayout.OciIndex;
    /// <summary>Media type of the image manifest.</summary>
    public const string ManifestMediaType = ImageLayout.OciManifest;
    /// <summary>Media type of the image config.</summary>
    public const string ConfigMediaType = "application/vnd.oci.image.config.v1+json";
    /// <summary>Media type of the (uncompressed) layer.</summary>
    public const string LayerMediaType = ImageLayout.OciLayer;

    /// <summary>Writes the image archive to <paramref name="output"/>, which must be seekable and empty.</summary>
    /// <exception cref="CheckpointException">The name is invalid or the checkpoint cannot be read or is not one.</exception>
    public static OciImageResult Write(string checkpointPath, string imageName, Stream output)
    {
        CheckpointImage.CheckImageName(imageName);
        var tar = new OciTarWriter(output);
        tar.Directory("blobs/");
        tar.Directory("blobs/sha256/");
        tar.File("oci-layout", """{"imageLayoutVersion":"1.0.0"}"""u8);
        var sink = tar.BeginBlob();
        var (image, mediaType, diffId) = CheckpointImageReader.IsImage(checkpointPath) ? LayerFromImage(checkpointPath, sink)
            : Directory.Exists(checkpointPath) ? LayerFromDirectory(checkpointPath, sink)
            : LayerFromArchive(checkpointPath, sink);
        var layer = tar.EndBlob(sink, mediaType);
        var config = tar.Blob(ConfigMediaType, Json(w => WriteConfig(w, image, diffId)));
        var manifest = tar.Blob(ManifestMediaType, Json(w => WriteManifest(w, config, layer, image)));
        tar.File("index.json", Json(w => WriteIndex(w, manifest, image, imageName)));
        tar.End();
        return new OciImageResult(image, manifest, layer, diffId);
    }

    // One pass over the archive file: its bytes (or, for bzip2/xz, the decompressed tar) go into the layer blob while
    // the decompressed tar is hashed and read as a checkpoint; the rest is drained so that the whole stream is checked.
    private static (CheckpointImage, string MediaType, string DiffId) LayerFromArchive(string path, BlobSink sink)
    {
        if (!File.Exists(path))
            throw new CheckpointException($"stat {path}: no such file or directory");
        if (!FileKind.IsRegularFileOrDirectory(path))
            throw new CheckpointException($"input {path} not a regular file");
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException(SystemErrors.Describe("open", path, e), e);
        }
        using var _ = file;
        return LayerFromStream(path, file, sink);
    }

    // A checkpoint image: its layer copied as it is (re-tag), or containerd's checkpoint as a container archive
    // (convert); the annotations are made anew from the checkpoint, over those the image had.
    private static (CheckpointImage, string MediaType, string DiffId) LayerFromImage(string path, BlobSink sink)
    {
        var (files, resolved) = CheckpointImageReader.Resolve(path);
        using var _ = files;
        var (image, mediaType, diffId) = resolved.Description.IsContainerdCheckpoint
            ? LayerFromContainerd(files, resolved, sink)
            : LayerFromStream(path, new RandomAccessStream(files.Open(resolved.CheckpointBlob)), sink);
        if (resolved.Description.IsContainerdCheckpoint)
            return (image, mediaType, diffId);
        var merged = resolved.Description.Annotations.Where(a => a.Key is not (ImageLayout.RefNameAnnotation or ImageLayout.ContainerdImageNameAnnotation))
            .Concat(image.Annotations).GroupBy(a => a.Key, StringComparer.Ordinal).Select(g => g.Last())
            .OrderBy(a => a.Key, StringComparer.Ordinal).ToList();
        return (image with { Annotations = CheckpointImage.CheckAnnotationSize(merged) }, mediaType, diffId);
    }

    // containerd's checkpoint image as the container archive its CRI makes of it: checkpoint/, spec.dump,
    // rootfs-diff.tar, and a config.dump of what the image records (base image, runtime).
    private static (CheckpointImage, string MediaType, string DiffId) LayerFromContainerd(ImageFiles files, ResolvedImage resolved, BlobSink sink)
    {
        using var archive = CheckpointRootOpener.Open(files, resolved, CheckpointImage.Request);
        var image = CheckpointImage.FromArchive(archive);
        var config = Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("rootfsImageName", resolved.Description.BaseImage);
            w.WriteString("runtime", resolved.Description.Runtime);
            w.WriteEndObject();
        });
        WriteLayer(archive, files.Path, sink, (ArchiveLayout.ConfigDump, config));
        return (image, LayerMediaType, sink.Digest);
    }

    // The bytes of an archive (or an image's layer) become the layer; see LayerFromArchive.
    private static (CheckpointImage, string MediaType, string DiffId) LayerFromStream(string path, Stream file, BlobSink sink)
    {
        Span<byte> head = stackalloc byte[Compression.MagicLength];
        var kind = Compression.Detect(head[..file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false)]);
        file.Position = 0;
        var layerIsFile = kind is CompressionKind.None or CompressionKind.Gzip or CompressionKind.Zstd;
        Stream raw = layerIsFile ? new ObservedStream(file, sink.Write) : file;
        IncrementalHash? tarHash = null;
        Stream tar = raw;
        if (kind != CompressionKind.None)
        {
            // Some decompressors close their input at its end; the input is drained and closed here.
            var decompressed = Guarded(path, () => DecompressionErrorStream.Open(new NonSeekable(raw), kind));
            if (layerIsFile)
                tarHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            tar = new ObservedStream(decompressed, layerIsFile ? tarHash!.AppendData : sink.Write);
        }
        using var __ = tar;
        // Not seekable for the reader, so it streams (and its first bytes are still copied and hashed).
        using var archive = CheckpointArchive.Read(path, new NonSeekable(tar), CheckpointSet.ForAnyLayout(CheckpointImage.Request));
        using var set = CheckpointSet.Of(archive, CheckpointImage.Request);
        var image = CheckpointImage.FromSet(set);
        Guarded(path, () => Drain(tar));
        Guarded(path, () => Drain(raw));
        var diffId = tarHash != null ? Sha256Digest(tarHash.GetCurrentHash()) : sink.Digest;
        var mediaType = kind switch
        {
            CompressionKind.Gzip => LayerMediaType + "+gzip",
            CompressionKind.Zstd => LayerMediaType + "+zstd",
            _ => LayerMediaType,
        };
        return (image, mediaType, diffId);
    }

    // An unpacked checkpoint (or pod checkpoint) directory: its regular files (never links) as a fresh tar in name order.
    private static (CheckpointImage, string MediaType, string DiffId) LayerFromDirectory(string path, BlobSink sink)
    {
        var image = CheckpointImage.Read(path);
        using var archive = CheckpointArchive.Open(path, new ArchiveRequest { RequireCheckpointDirectory = false });
        WriteLayer(archive, path, sink);
        return (image, LayerMediaType, sink.Digest);
    }

    // The archive's files (read in place), and any extra ones, as a fresh tar in name order.
    private static void WriteLayer(CheckpointArchive archive, string path, BlobSink sink, params (string Name, byte[] Data)[] extra)
    {
        var members = archive.Members.Select(m => (m.Name, Data: archive.TryOpenRandomAccess(m.Name)!))
            .Concat(extra.Select(e => (e.Name, Data: RandomAccessData.FromMemory(e.Data))));
        using (var writer = new TarWriter(sink, TarEntryFormat.Gnu, leaveOpen: true))
        {
            var directories = new HashSet<string>(StringComparer.Ordinal);
            foreach (var member in members.OrderBy(m => m.Name, StringComparer.Ordinal))
            {
                for (var slash = member.Name.IndexOf('/'); slash > 0; slash = member.Name.IndexOf('/', slash + 1))
                {
                    var dir = member.Name[..(slash + 1)];
                    if (directories.Add(dir))
                        writer.WriteEntry(Entry(TarEntryType.Directory, dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute));
                }
                var entry = Entry(TarEntryType.RegularFile, member.Name, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
                entry.DataStream = new RandomAccessStream(member.Data);
                Guarded(path, () => writer.WriteEntry(entry));
            }
        }
    }

    private static GnuTarEntry Entry(TarEntryType type, string name, UnixFileMode mode) => new(type, name)
    {
        Mode = mode,
        ModificationTime = DateTimeOffset.UnixEpoch,
        AccessTime = DateTimeOffset.UnixEpoch,
        ChangeTime = DateTimeOffset.UnixEpoch,
    };

    private static void Drain(Stream stream)
    {
        var buffer = new byte[1 << 20];
        while (stream.Read(buffer) > 0)
        {
        }
    }

    // Errors outside the archive reader's own pass, in its words.
    private static void Guarded(string path, Action action) => Guarded(path, () => { action(); return 0; });

    private static T Guarded<T>(string path, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (DecompressionException e)
        {
            throw ArchiveErrors.Decompression(path, e);
        }
        catch (EndOfStreamException e)
        {
            throw ArchiveErrors.UnexpectedEof(path, e);
        }
        catch (IOException e)
        {
            throw new CheckpointException(SystemErrors.Describe("read", path, e), e);
        }
    }

    private static void WriteConfig(Utf8JsonWriter w, CheckpointImage image, string diffId)
    {
        w.WriteStartObject();
        var created = image.Checkpointed.IsZero ? null : image.Checkpointed.Value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        if (created != null)
            w.WriteString("created", created);
        w.WriteString("architecture", image.Platform.Architecture);
        if (image.Platform.Variant != null)
            w.WriteString("variant", image.Platform.Variant);
        w.WriteString("os", image.Platform.Os);
        // The annotations again as labels: a docker-archive copy (which drops manifest annotations) still says what it
        // is, and images with other annotations get other IDs.
        w.WriteStartObject("config");
        w.WriteStartObject("Labels");
        foreach (var (key, value) in image.Annotations)
            w.WriteString(key, value);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteStartObject("rootfs");
        w.WriteString("type", "layers");
        w.WriteStartArray("diff_ids");
        w.WriteStringValue(diffId);
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteStartArray("history");
        w.WriteStartObject();
        if (created != null)
            w.WriteString("created", created);
        w.WriteString("created_by", "checkpointctl build");
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteManifest(Utf8JsonWriter w, OciDescriptor config, OciDescriptor layer, CheckpointImage image)
    {
        w.WriteStartObject();
        w.WriteNumber("schemaVersion", 2);
        w.WriteString("mediaType", ManifestMediaType);
        w.WritePropertyName("config");
        WriteDescriptor(w, config);
        w.WriteStartArray("layers");
        WriteDescriptor(w, layer);
        w.WriteEndArray();
        WriteAnnotations(w, image.Annotations);
        w.WriteEndObject();
    }

    private static void WriteIndex(Utf8JsonWriter w, OciDescriptor manifest, CheckpointImage image, string imageName)
    {
        w.WriteStartObject();
        w.WriteNumber("schemaVersion", 2);
        w.WriteString("mediaType", IndexMediaType);
        w.WriteStartArray("manifests");
        // The name under both keys readers look for: containerd's own, and the OCI layout's.
        var named = image.Annotations
            .Append(new("io.containerd.image.name", imageName))
            .Append(new("org.opencontainers.image.ref.name", imageName))
            .OrderBy(a => a.Key, StringComparer.Ordinal).ToList();
        WriteDescriptor(w, manifest, named, image.Platform);
        w.WriteEndArray();
        WriteAnnotations(w, image.Annotations);
        w.WriteEndObject();
    }

    private static void WriteDescriptor(Utf8JsonWriter w, OciDescriptor d, IReadOnlyList<KeyValuePair<string, string>>? annotations = null, OciPlatform? platform = null)
    {
        w.WriteStartObject();
        w.WriteString("mediaType", d.MediaType);
        w.WriteString("digest", d.Digest);
        w.WriteNumber("size", d.Size);
        if (annotations != null)
            WriteAnnotations(w, annotations);
        if (platform != null)
        {
            w.WriteStartObject("platform");
            w.WriteString("architecture", platform.Architecture);
            w.WriteString("os", platform.Os);
            if (platform.Variant != null)
                w.WriteString("variant", platform.Variant);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    private static void WriteAnnotations(Utf8JsonWriter w, IReadOnlyList<KeyValuePair<string, string>> annotations)
    {
        w.WriteStartObject("annotations");
        foreach (var (key, value) in annotations)
            w.WriteString(key, value);
        w.WriteEndObject();
    }

    private static byte[] Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            write(w);
        return buffer.ToArray();
    }

    internal static string Sha256Digest(ReadOnlySpan<byte> hash) => "sha256:" + Convert.ToHexStringLower(hash);

    /// <summary>A GNU tar header (fixed owner, mode and time); sizes of 8 GiB and more in base-256.</summary>
    internal static byte[] TarHeader(string name, long size, TarEntryType type)
    {
        var h = new byte[512];
        Encoding.ASCII.GetBytes(name, h.AsSpan(0, 100));
        Octal(h.AsSpan(100, 8), type == TarEntryType.Directory ? 0b111_101_101 : 0b110_100_100);
        Octal(h.AsSpan(108, 8), 0);
        Octal(h.AsSpan(116, 8), 0);
        if (size < 1L << 33)
        {
            Octal(h.AsSpan(124, 12), size);
        }
        else
        {
            // GNU base-256: the high bit of the first byte set, the size big-endian in the rest.
            h[124] = 0x80;
            BinaryPrimitives.WriteInt64BigEndian(h.AsSpan(128, 8), size);
        }
        Octal(h.AsSpan(136, 12), 0);
        h[156] = (byte)type;
        "ustar  \0"u8.CopyTo(h.AsSpan(257));
        "        "u8.CopyTo(h.AsSpan(148));
        var sum = 0;
        foreach (var b in h)
            sum += b;
        Octal(h.AsSpan(148, 7), sum);
        return h;
    }

    // A zero-padded octal number filling the field but its last byte, which stays NUL.
    private static void Octal(Span<byte> field, long value)
    {
        for (var i = field.Length - 2; i >= 0; i--, value >>= 3)
            field[i] = (byte)('0' + (value & 7));
    }

    /// <summary>Reads through to another stream's reader and shows every byte read to an observer.</summary>
    private sealed class ObservedStream(Stream inner, Action<ReadOnlySpan<byte>> observe) : ForwardReadStream
    {
        public override int Read(Span<byte> buffer)
        {
            var n = inner.Read(buffer);
            observe(buffer[..n]);
            return n;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                inner.Dispose();
            base.Dispose(disposing);
        }
    }

    private sealed class NonSeekable(Stream inner) : ForwardReadStream
    {
        public override int Read(Span<byte> buffer) => inner.Read(buffer);
    }

    /// <summary>Where a blob's bytes go while they are written: the output, a SHA-256 and a count.</summary>
    internal sealed class BlobSink(Stream output) : Stream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public long Written { get; private set; }
        public string Digest => Sha256Digest(_hash.GetCurrentHash());

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => Written;
        public override long Position { get => Written; set => throw new NotSupportedException(); }
        public override void Flush() => output.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _hash.AppendData(buffer);
            output.Write(buffer);
            Written += buffer.Length;
        }
    }

    /// <summary>
    /// The outer tar of the archive, in GNU format with fixed owners and times. A blob is named by its digest, known only
    /// after its data: its header is reserved, and written in place once the data is complete (hence a seekable output).
    /// </summary>
    private sealed class OciTarWriter(Stream output)
    {
        private const int Block = 512;
        private long _reserved = -1;

        public void Directory(string name) => output.Write(TarHeader(name, 0, TarEntryType.Directory));

        public void File(string name, ReadOnlySpan<byte> data)
        {
            output.Write(TarHeader(name, data.Length, TarEntryType.RegularFile));
            output.Write(data);
            Pad(data.Length);
        }

        public OciDescriptor Blob(string mediaType, byte[] data)
        {
            var digest = Sha256Digest(SHA256.HashData(data));
            File("blobs/sha256/" + digest["sha256:".Length..], data);
            return new OciDescriptor(mediaType, digest, data.Length);
        }

        public BlobSink BeginBlob()
        {
            _reserved = output.Position;
            output.Write(new byte[Block]);
            return new BlobSink(output);
        }

        public OciDescriptor EndBlob(BlobSink sink, string mediaType)
        {
            Pad(sink.Written);
            var end = output.Position;
            output.Position = _reserved;
            output.Write(TarHeader("blobs/sha256/" + sink.Digest["sha256:".Length..], sink.Written, TarEntryType.RegularFile));
            output.Position = end;
            return new OciDescriptor(mediaType, sink.Digest, sink.Written);
        }

        /// <summary>The end-of-archive marker: two zero blocks.</summary>
        public void End()
        {
            output.Write(new byte[2 * Block]);
            output.Flush();
        }

        private void Pad(long length)
        {
            if (length % Block != 0)
                output.Write(new byte[Block - length % Block]);
        }
    }
}
