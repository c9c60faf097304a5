using System.Text.Json;
using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Criu;
using Checkpointctl.Core.Criu.Images;
using Checkpointctl.Core.Model;
using Google.Protobuf;

namespace Checkpointctl.Tests;

/// <summary>Our decoding of every fixture dump against crit's (<c>*.decode.json</c>: raw values, every field present on the wire).</summary>
public class CriuDecodeTests
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithPreserveProtoFieldNames(true));

    /// <summary>Image directories that have a crit oracle: (folder to open, oracle folder).</summary>
    public static TheoryData<string, string> Dumps()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in new[] { "piggie", "py-tree", "shell-loop" })
            data.Add(TestPaths.Criu(name), TestPaths.Criu(name + ".crit"));
        foreach (var extracted in Directory.EnumerateDirectories(Path.Combine(TestPaths.Fixtures, "archives"), "*.extracted").Order(StringComparer.Ordinal))
            data.Add(extracted, Path.Combine(extracted, "checkpoint.crit"));
        return data;
    }

    [Theory]
    [MemberData(nameof(Dumps))]
    public void Every_message_matches_crit(string dump, string oracle)
    {
        using var archive = CheckpointArchive.Open(dump, new ArchiveRequest { Hold = [ArchiveLayout.Image("*")] });
        var images = new CriuImages(archive);
        var compared = 0;
        foreach (var decodeJson in Directory.EnumerateFiles(oracle, "*.decode.json").Order(StringComparer.Ordinal))
        {
            var image = Path.GetFileName(decodeJson)[..^".decode.json".Length];
            List<IMessage>? ours = Decode(images, image);
            if (ours == null)
                continue;
            using var crit = JsonDocument.Parse(File.ReadAllText(decodeJson));
            var entries = crit.RootElement.GetProperty("entries").EnumerateArray().ToList();
            Assert.True(entries.Count == ours.Count, $"{image}: {ours.Count} entries, crit has {entries.Count}");
            for (var i = 0; i < entries.Count; i++)
            {
                using var mine = JsonDocument.Parse(Formatter.Format(ours[i]));
                AssertSameJson(entries[i], mine.RootElement, $"{image}[{i}]");
            }
            compared++;
        }
        Assert.True(compared >= 8, $"only {compared} images compared in {oracle}");
    }

    [Theory]
    [MemberData(nameof(Dumps))]
    public void Process_tree_states_and_page_counts_match_crit(string dump, string oracle)
    {
        using var archive = CheckpointArchive.Open(dump, new ArchiveRequest { Hold = [ArchiveLayout.Image("*")] });
        var images = new CriuImages(archive);
        var root = ProcessTree.Build(images);
        var pstree = JsonDocument.Parse(File.ReadAllText(Path.Combine(oracle, "pstree.img.decode.json"))).RootElement.GetProperty("entries");
        Assert.Equal(pstree.GetArrayLength(), root.DepthFirst().Count());
        foreach (var entry in pstree.EnumerateArray())
        {
            var pid = entry.GetProperty("pid").GetUInt32();
            var node = root.Find(pid)!;
            Assert.Equal(entry.GetProperty("ppid").GetUInt32(), node.Ppid);
            var tc = JsonDocument.Parse(File.ReadAllText(Path.Combine(oracle, $"core-{pid}.img.decode.json"))).RootElement
                .GetProperty("entries")[0].GetProperty("tc");
            Assert.Equal(tc.GetProperty("comm").GetString(), node.Comm);
            Assert.Equal(tc.GetProperty("task_state").GetUInt32(), (uint)node.State);
            if (!node.HasImages)
                continue;
            var pagemap = JsonDocument.Parse(File.ReadAllText(Path.Combine(oracle, $"pagemap-{pid}.img.decode.json"))).RootElement
                .GetProperty("entries").EnumerateArray().Skip(1).ToList();
            var ours = images.Pagemap(pid);
            Assert.Equal(pagemap.Count, ours.Runs.Count);
            Assert.Equal(pagemap.Sum(e => e.GetProperty("nr_pages").GetInt64()), (long)ours.TotalPages);
            for (var i = 0; i < pagemap.Count; i++)
            {
                Assert.Equal(pagemap[i].GetProperty("vaddr").GetUInt64(), ours.Runs[i].Address);
                Assert.Equal(pagemap[i].GetProperty("flags").GetUInt32(), (uint)ours.Runs[i].Flags);
            }
        }
    }

    [Fact]
    public void Children_are_sorted_by_pid_and_dead_tasks_have_no_images()
    {
        using var archive = CheckpointArchive.Open(TestPaths.Criu("piggie"), new ArchiveRequest { Hold = CriuImages.ProcessTreeImages });
        var root = ProcessTree.Build(new CriuImages(archive));
        Assert.Equal([1u, 4, 9, 5, 6, 7, 8], root.DepthFirst().Select(n => n.Pid));
        Assert.Equal(TaskState.Dead, root.Find(6)!.State);
        Assert.Equal(TaskState.Stopped, root.Find(7)!.State);
        Assert.Equal("piggie-zombie", root.Find(6)!.Comm);
        Assert.False(root.Find(6)!.HasImages);
    }

    // Decodes an image the way the model does; null for image kinds this test does not cover.
    private static List<IMessage>? Decode(CriuImages images, string image)
    {
        // A bare dump's statistics are served beside checkpoint/, where an engine's archive keeps them.
        if (image == ArchiveLayout.StatsDump)
            return [CriuImages.ReadSingle(image, images.Archive.TryGetBytes(image)!.Value, CriuMagic.Stats, StatsEntry.Parser)];
        var bytes = images.Image(image);
        var kind = image.Split('-', '.')[0];
        return kind switch
        {
            "pstree" => [.. images.Pstree()],
            "core" => [images.Core(Id(image))],
            "mm" => [images.Mm(Id(image))],
            "ids" => [images.Ids(Id(image))],
            "fs" => [images.Fs(Id(image))],
            "fdinfo" => [.. images.Fdinfo(Id(image))],
            "inventory" => [images.Inventory()],
            "files" => ReadAll(image, bytes, CriuMagic.Files, FileEntry.Parser),
            "pagemap" when !image.StartsWith("pagemap-shmem", StringComparison.Ordinal) => ReadPagemap(image, bytes),
            "pagemap" => ReadPagemap(image, bytes),
            "cgroup" => ReadAll(image, bytes, CriuMagic.Cgroup, CgroupEntry.Parser),
            "mountpoints" => ReadAll(image, bytes, CriuMagic.Mnts, MntEntry.Parser),
            "seccomp" => ReadAll(image, bytes, CriuMagic.Seccomp, SeccompEntry.Parser),
            "utsns" => ReadAll(image, bytes, CriuMagic.Utsns, UtsnsEntry.Parser),
            "timens" => ReadAll(image, bytes, CriuMagic.Timens, TimensEntry.Parser),
            "netdev" => ReadAll(image, bytes, CriuMagic.Netdev, NetDeviceEntry.Parser),
            _ => null,
        };
    }

    private static List<IMessage> ReadAll<T>(string image, ReadOnlyMemory<byte> bytes, uint magic, MessageParser<T> parser) where T : IMessage<T> =>
        [.. CriuImageReader.Open(image, bytes, magic).ReadAll(parser).Cast<IMessage>()];

    private static List<IMessage> ReadPagemap(string image, ReadOnlyMemory<byte> bytes)
    {
        var reader = CriuImageReader.Open(image, bytes, CriuMagic.Pagemap);
        return [reader.Read(PagemapHead.Parser), .. reader.ReadAll(PagemapEntry.Parser).Cast<IMessage>()];
    }

    private static uint Id(string image) => uint.Parse(image.Split('-', '.')[1]);

    // Same keys and values; 64-bit numbers may be strings on our side (protobuf JSON), numbers on crit's.
    private static void AssertSameJson(JsonElement crit, JsonElement ours, string where)
    {
        if (crit.ValueKind == JsonValueKind.Object)
        {
            Assert.True(ours.ValueKind == JsonValueKind.Object, $"{where}: expected an object");
            var critKeys = crit.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
            var ourKeys = ours.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
            Assert.True(critKeys.SequenceEqual(ourKeys), $"{where}: fields differ: crit [{string.Join(",", critKeys)}] ours [{string.Join(",", ourKeys)}]");
            foreach (var p in crit.EnumerateObject())
                AssertSameJson(p.Value, ours.GetProperty(p.Name), $"{where}.{p.Name}");
        }
        else if (crit.ValueKind == JsonValueKind.Array)
        {
            Assert.True(ours.ValueKind == JsonValueKind.Array && ours.GetArrayLength() == crit.GetArrayLength(), $"{where}: array length differs");
            for (var i = 0; i < crit.GetArrayLength(); i++)
                AssertSameJson(crit[i], ours[i], $"{where}[{i}]");
        }
        else
        {
            var a = crit.ValueKind == JsonValueKind.String ? crit.GetString() : crit.GetRawText();
            var b = ours.ValueKind == JsonValueKind.String ? ours.GetString() : ours.GetRawText();
            // crit wraps base64 of bytes fields every 76 characters.
            Assert.True(a == b || a?.Replace("\n", "") == b, $"{where}: crit {a}, ours {b}");
        }
    }
}

/// <summary>Images whose entries are followed by raw payload are walked correctly (format doc §1.5).</summary>
public class CriuPayloadTests
{
    [Fact]
    public void Pipe_data_payloads_are_skipped_to_the_next_entry()
    {
        using var archive = CheckpointArchive.Open(TestPaths.Criu("py-tree"), new ArchiveRequest { Hold = [ArchiveLayout.Image("*")] });
        var pipes = new CriuImages(archive).PipesData();
        var oracle = JsonDocument.Parse(File.ReadAllText(TestPaths.Criu("py-tree.crit") + "/pipes-data.img.decode.json")).RootElement.GetProperty("entries");
        Assert.Equal(oracle.GetArrayLength(), pipes.Count);
        for (var i = 0; i < pipes.Count; i++)
        {
            Assert.Equal(oracle[i].GetProperty("pipe_id").GetUInt32(), pipes[i].Entry.PipeId);
            Assert.Equal((int)oracle[i].GetProperty("bytes").GetUInt32(), pipes[i].Data.Length);
        }
    }

    [Fact]
    public void Payload_bytes_are_returned_and_the_next_entry_found()
    {
        using var dir = new ScratchDir();
        var image = new MemoryStream();
        image.Write(BitConverter.GetBytes(CriuMagic.ImgCommon));
        image.Write(BitConverter.GetBytes(CriuMagic.PipesData));
        foreach (var (id, data) in new[] { (7u, "abc"), (9u, ""), (11u, "hello") })
        {
            var entry = new PipeDataEntry { PipeId = id, Bytes = (uint)data.Length, Size = 4096 }.ToByteArray();
            image.Write(BitConverter.GetBytes((uint)entry.Length));
            image.Write(entry);
            image.Write(System.Text.Encoding.ASCII.GetBytes(data));
        }
        File.WriteAllBytes(Path.Combine(dir.Path, "pstree.img"), []);
        File.WriteAllBytes(Path.Combine(dir.Path, "pipes-data.img"), image.ToArray());
        using var archive = CheckpointArchive.Open(dir.Path, new ArchiveRequest { Hold = [ArchiveLayout.Image("*")] });
        var pipes = new CriuImages(archive).PipesData();
        Assert.Equal(["7:abc", "9:", "11:hello"], pipes.Select(p => $"{p.Entry.PipeId}:{System.Text.Encoding.ASCII.GetString(p.Data.Span)}"));
    }

    [Theory]
    [InlineData(0x28e0cu)]
    [InlineData(0x29229u)]
    public void Tcp_stream_queues_follow_the_entry(uint inode)
    {
        using var archive = CheckpointArchive.Open(TestPaths.Criu("piggie"), new ArchiveRequest { Hold = [ArchiveLayout.Image("*")] });
        var (entry, inq, outq) = new CriuImages(archive).TcpStream(inode);
        var oracle = JsonDocument.Parse(File.ReadAllText(TestPaths.Criu("piggie.crit") + $"/tcp-stream-{inode:x}.img.decode.json")).RootElement.GetProperty("entries")[0];
        Assert.Equal(oracle.GetProperty("inq_len").GetUInt32(), entry.InqLen);
        Assert.Equal(oracle.GetProperty("outq_len").GetUInt32(), entry.OutqLen);
        Assert.Equal((int)entry.InqLen, inq.Length);
        Assert.Equal((int)entry.OutqLen, outq.Length);
    }
}
