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
