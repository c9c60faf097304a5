using System.Formats.Tar;
using System.IO.Compression;
using System.Text;

namespace Checkpointctl.Tests;

/// <summary>Builds small checkpoint archives in tests (never committed as binaries).</summary>
public sealed class TestArchive
{
    public const string Config = """{"id":"0123456789abcdef0123","name":"test-ctr","rootfsImageName":"localhost/test:latest","runtime":"runc","createdTime":"2026-01-02T03:04:05.123+01:00"}""";
    public const string Spec = """{"annotations":{"io.container.manager":"libpod"}}""";

    private readonly List<(string Name, TarEntryType Type, byte[] Data, string? Link)> _entries = [];

    /// <summary>A valid minimal Podman checkpoint: config.dump, spec.dump and one image below checkpoint/.</summary>
    public static TestArchive Minimal() => new TestArchive()
        .File("config.dump", Config)
        .File("spec.dump", Spec)
        .Directory("checkpoint/")
        .File("checkpoint/pstree.img", new byte[] { 0x19, 0x43, 0x56, 0x54, 0x30, 0x30, 0x27, 0x50 });

    public TestArchive File(string name, string text) => File(name, Encoding.UTF8.GetBytes(text));

    public TestArchive File(string name, byte[] data)
    {
        _entries.Add((name, TarEntryType.RegularFile, data, null));
        return this;
    }

    public TestArchive Directory(string name)
    {
        _entries.Add((name, TarEntryType.Directory, [], null));
        return this;
    }

    public TestArchive Link(string name, TarEntryType type, string target)
    {
        _entries.Add((name, type, [], target));
        return this;
    }

    public TestArchive Without(string name)
    {
        _entries.RemoveAll(e => e.Name == name);
        return this;
    }

    public byte[] ToTar()
    {
        var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (name, type, data, link) in _entries)
            {
                var entry = new PaxTarEntry(type, name);
                if (link != null)
                    entry.LinkName = link;
                if (type == TarEntryType.RegularFile)
                    entry.DataStream = new MemoryStream(data);
                writer.WriteEntry(entry);
            }
        }
        return output.ToArray();
    }

    public static byte[] Gzip(byte[] data)
    {
        var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
            gz.Write(data);
        return output.ToArray();
    }

    public static byte[] Zstd(byte[] data)
    {
        using var compressor = new ZstdSharp.Compressor(3);
        return compressor.Wrap(data).ToArray();
    }

    /// <summary>
    /// Copies a checkpoint archive (plain, gzip or zstd, by its name) with its members rewritten: each member maps to
    /// the members that replace it (itself unchanged, other bytes, several members, or none). With
    /// <paramref name="keepCheckpointSize"/> a filler member below <c>checkpoint/</c> keeps the checkpoint size as it
    /// was, so size lines compare equal.
    /// </summary>
    public static void Rewrite(string source, string target, Func<string, byte[], IEnumerable<(string Name, byte[] Data)>> rewrite,
        bool keepCheckpointSize = true)
    {
        var tar = Decompress(source);
        var entries = new List<TarEntry>();
        long before = 0, after = 0;
        using (var reader = new TarReader(new MemoryStream(tar)))
        {
            while (reader.GetNextEntry(copyData: true) is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream == null)
                {
                    entries.Add(entry);
                    continue;
                }
                var name = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name;
                var data = new MemoryStream();
                entry.DataStream.CopyTo(data);
                if (name.StartsWith("checkpoint/", StringComparison.Ordinal))
                    before += data.Length;
                foreach (var (newName, newData) in rewrite(name, data.ToArray()))
                {
                    if (newName.StartsWith("checkpoint/", StringComparison.Ordinal))
                        after += newData.Length;
                    entries.Add(new PaxTarEntry(TarEntryType.RegularFile, newName) { DataStream = new MemoryStream(newData) });
                }
            }
        }
        if (keepCheckpointSize)
            Assert.True(after <= before, $"the rewritten images are larger ({after} > {before} bytes)");
        if (keepCheckpointSize && after < before)
            entries.Add(new PaxTarEntry(TarEntryType.RegularFile, "checkpoint/zz-size-filler") { DataStream = new MemoryStream(new byte[before - after]) });
        var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var entry in entries)
                writer.WriteEntry(entry);
        }
        var bytes = output.ToArray();
        System.IO.File.WriteAllBytes(target, source.EndsWith(".gz", StringComparison.Ordinal) ? Gzip(bytes)
            : source.EndsWith(".zst", StringComparison.Ordinal) ? Zstd(bytes) : bytes);
    }

    private static byte[] Decompress(string path)
    {
        using var file = System.IO.File.OpenRead(path);
        using Stream input = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress)
            : path.EndsWith(".zst", StringComparison.Ordinal) ? new ZstdSharp.DecompressionStream(file) : file;
        var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    /// <summary>Writes the archive into <paramref name="dir"/> and returns its path.</summary>
    public string WriteTo(string dir, string name, Func<byte[], byte[]>? compress = null)
    {
        var path = Path.Combine(dir, name);
        System.IO.File.WriteAllBytes(path, (compress ?? (b => b))(ToTar()));
        return path;
    }
}

/// <summary>A fresh empty directory per test, removed afterwards; tests also check nothing else appears in it.</summary>
public sealed class ScratchDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("checkpointctl-test-").FullName;

    public string[] Files() => Directory.EnumerateFileSystemEntries(Path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
