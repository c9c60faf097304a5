using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Checkpointctl.Bench;

/// <summary>
/// <c>gen-pod</c>: from one container archive (plain tar, e.g. <c>gen</c>'s big.tar), N containers that differ only
/// in config.dump's ID and name: each as its own archive (<c>c1.tar</c> …, the plain form), together as a CRI-O
/// generation-1 pod tar in walk order (<c>pod.tar</c>: <c>./&lt;id&gt;-k8s_ctrN_bench-pod_default_&lt;uid&gt;_0/</c> per
/// container, then <c>pod.options</c>), and the manifest of a generation-2 directory (<c>pod-gen2/</c>, whose
/// <c>container-&lt;sha256(id)&gt;.tar</c> the caller links to the container archives). Everything is streamed.
/// </summary>
internal static partial class PodGenerator
{
    private const string Pod = "bench-pod";
    private const string Uid = "3c0b8d2e-5e8d-4d0f-9a1d-77e1c0b8d2e5";

    public static void Run(string archive, int containers, string outDir)
    {
        Directory.CreateDirectory(Path.Combine(outDir, "pod-gen2"));
        var config = ReadMember(archive, "config.dump");
        var oldId = JsonDocument.Parse(config).RootElement.GetProperty("id").GetString()!;
        var ids = Enumerable.Range(1, containers).Select(i => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{oldId}-{i}")))).ToList();
        var map = new SortedDictionary<string, string>(StringComparer.Ordinal);
        using (var pod = new TarWriter(File.Create(Path.Combine(outDir, "pod.tar")), TarEntryFormat.Pax))
        {
            pod.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "./") { Mode = (UnixFileMode)0x1ed });
            // Walk order: the containers' directories (hex IDs) sort before pod.options.
            foreach (var (id, i) in ids.Select((id, i) => (id, i + 1)).OrderBy(c => c.id, StringComparer.Ordinal))
            {
                var dir = $"{id}-k8s_ctr{i}_{Pod}_default_{Uid}_0";
                map[$"ctr{i}"] = dir;
                pod.WriteEntry(new PaxTarEntry(TarEntryType.Directory, $"./{dir}/") { Mode = (UnixFileMode)0x1ed });
                using var own = new TarWriter(File.Create(Path.Combine(outDir, $"c{i}.tar")), TarEntryFormat.Pax);
                Copy(archive, oldId, id, $"ctr{i}", [(own, ""), (pod, $"./{dir}/")]);
            }
            var options = new Dictionary<string, object>
            {
                ["version"] = 1,
                ["containers"] = map,
                ["annotations"] = new Dictionary<string, string>
                {
                    ["org.criu.checkpoint.engine.name"] = "cri-o",
                    ["org.criu.checkpoint.pod.name"] = Pod,
                    ["org.criu.checkpoint.pod.namespace"] = "default",
                    ["org.criu.checkpoint.pod.uid"] = Uid,
                },
            };
            pod.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "./pod.options")
            {
                Mode = (UnixFileMode)0x180,
                DataStream = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(options, new JsonSerializerOptions { WriteIndented = true })),
            });
        }
        var manifest = new Dictionary<string, object>
        {
            ["version"] = 1,
            ["sandboxId"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Pod))),
            ["containers"] = ids.Select((id, i) => new Dictionary<string, string> { ["name"] = $"ctr{i + 1}", ["id"] = id, ["archive"] = ArchiveName(id) }).ToList(),
        };
        File.WriteAllBytes(Path.Combine(outDir, "pod-gen2", "checkpoint-manifest.json"), JsonSerializer.SerializeToUtf8Bytes(manifest));
        var podConfig = new Dictionary<string, object> { ["metadata"] = new Dictionary<string, string> { ["name"] = Pod, ["uid"] = Uid, ["namespace"] = "default" } };
        File.WriteAllBytes(Path.Combine(outDir, "pod-gen2", "pod-config.json"), JsonSerializer.SerializeToUtf8Bytes(podConfig));
        foreach (var (id, i) in ids.Select((id, i) => (id, i + 1)))
            Console.WriteLine($"c{i}.tar {ArchiveName(id)}");
    }

    private static string ArchiveName(string id) => $"container-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id)))}.tar";

    // Every member of the archive into each writer (names prefixed), config.dump and spec.dump as the new container.
    private static void Copy(string archive, string oldId, string id, string name, (TarWriter Writer, string Prefix)[] targets)
    {
        using var reader = new TarReader(File.OpenRead(archive));
        while (reader.GetNextEntry(copyData: false) is { } entry)
        {
            var member = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name;
            byte[]? replaced = null;
            if (member is "config.dump" or "spec.dump" && entry.DataStream is { } metadata)
            {
                var text = new StreamReader(metadata).ReadToEnd().Replace(oldId, id, StringComparison.Ordinal);
                replaced = Encoding.UTF8.GetBytes(member == "config.dump" ? NameField().Replace(text, $"\"name\":\"{name}\"", 1) : text);
            }
            foreach (var (writer, prefix) in targets)
            {
                var copy = new PaxTarEntry(entry.EntryType, prefix + member) { Mode = entry.Mode, ModificationTime = entry.ModificationTime };
                if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile)
                {
                    // Each copy reads the member in place.
                    copy.DataStream = replaced != null ? new MemoryStream(replaced) : Reopen(archive, entry.DataOffset, entry.Length);
                }
                writer.WriteEntry(copy);
            }
        }
    }

    private static Stream Reopen(string archive, long offset, long length)
    {
        var file = new FileStream(archive, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        file.Position = offset;
        return new LimitedStream(file, length);
    }

    private static byte[] ReadMember(string archive, string name)
    {
        using var reader = new TarReader(File.OpenRead(archive));
        while (reader.GetNextEntry(copyData: false) is { } entry)
        {
            if ((entry.Name == name || entry.Name == "./" + name) && entry.DataStream is { } data)
            {
                var bytes = new MemoryStream();
                data.CopyTo(bytes);
                return bytes.ToArray();
            }
        }
        throw new InvalidDataException($"{archive} has no {name}");
    }

    [GeneratedRegex("\"name\"\\s*:\\s*\"[^\"]*\"")]
    private static partial Regex NameField();

    // A member's bytes in place: TarWriter takes the length from a seekable stream, so it needs no buffering.
    private sealed class LimitedStream : Stream
    {
        private readonly Stream _inner;
        private readonly long _start;
        private readonly long _length;

        public LimitedStream(Stream inner, long length)
        {
            _inner = inner;
            _start = inner.Position;
            _length = length;
        }

        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => _length;
        public override long Position { get => _inner.Position - _start; set => _inner.Position = _start + value; }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => Position + offset,
            _ => _length + offset,
        };
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count) =>
            _inner.Read(buffer, offset, (int)Math.Max(0, Math.Min(count, _length - Position)));

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                _inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
