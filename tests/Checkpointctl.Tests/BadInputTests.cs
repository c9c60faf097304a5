using System.Buffers.Binary;
using Checkpointctl.Core;
using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Criu;
using Checkpointctl.Core.Model;

namespace Checkpointctl.Tests;

/// <summary>Broken and hostile input: one <c>Error:</c> line, exit 1, nothing written anywhere.</summary>
public class BadInputTests
{
    private static string ShowError(ScratchDir dir, string path)
    {
        var before = dir.Files();
        var message = CliRunner.AssertError(CliRunner.Run("show", path));
        Assert.Equal(before, dir.Files());
        return message;
    }

    [Fact]
    public void Missing_path()
    {
        using var dir = new ScratchDir();
        var path = Path.Combine(dir.Path, "nope.tar");
        Assert.Equal($"stat {path}: no such file or directory", ShowError(dir, path));
    }

    [Fact]
    public void Directory_without_checkpoint()
    {
        using var dir = new ScratchDir();
        File.WriteAllText(Path.Combine(dir.Path, "config.dump"), TestArchive.Config);
        Assert.Equal($"checkpoint directory is missing in the checkpoint directory: {dir.Path}", ShowError(dir, dir.Path));
    }

    [Fact]
    public void Empty_file()
    {
        using var dir = new ScratchDir();
        var path = Path.Combine(dir.Path, "empty.tar");
        File.WriteAllBytes(path, []);
        Assert.Equal($"checkpoint directory is missing in the archive file: {path}", ShowError(dir, path));
    }

    [Fact]
    public void Random_bytes()
    {
        using var dir = new ScratchDir();
        var path = Path.Combine(dir.Path, "random.tar");
        var bytes = new byte[64 * 1024];
        new Random(42).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        Assert.Equal($"archive/tar: invalid tar header ({path}, header at offset 0)", ShowError(dir, path));
    }

    [Fact]
    public void Short_garbage_is_unexpected_eof()
    {
        using var dir = new ScratchDir();
        var path = Path.Combine(dir.Path, "short.tar");
        File.WriteAllText(path, "hello world");
        Assert.Equal($"unexpected EOF ({path})", ShowError(dir, path));
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("zstd")]
    public void Truncated_compressed_archive(string kind)
    {
        using var dir = new ScratchDir();
        var full = kind == "gzip" ? TestArchive.Gzip(TestArchive.Minimal().ToTar()) : TestArchive.Zstd(TestArchive.Minimal().ToTar());
        var path = Path.Combine(dir.Path, "truncated");
        File.WriteAllBytes(path, full[..(full.Length / 2)]);
        Assert.Equal($"unexpected EOF ({path})", ShowError(dir, path));
    }

    [Fact]
    public void Corrupt_gzip_data()
    {
        using var dir = new ScratchDir();
        var full = TestArchive.Gzip(TestArchive.Minimal().File("filler", new string('x', 5000)).ToTar());
        for (var i = 12; i < 40; i++)
            full[i] ^= 0x5A;
        var path = Path.Combine(dir.Path, "corrupt.tar.gz");
        File.WriteAllBytes(path, full);
        Assert.Equal($"unexpected EOF ({path}: gzip: invalid compressed data)", ShowError(dir, path));
    }

    [Theory]
    [InlineData("../../evil-spec.dump")]
    [InlineData("/etc/spec.dump")]
    [InlineData("checkpoint/../../x")]
    public void Unsafe_member_names_are_refused(string name)
    {
        using var dir = new ScratchDir();
        var path = TestArchive.Minimal().File(name, "{}").WriteTo(dir.Path, "slip.tar");
        Assert.Equal($"{path}: unsafe member name in archive: \"{name}\"", ShowError(dir, path));
        Assert.False(File.Exists(Path.Combine(dir.Path, "..", "..", "evil-spec.dump")));
    }

    [Theory]
    [InlineData("config.dump", "open config.dump: no such file or directory")]
    [InlineData("spec.dump", "open spec.dump: no such file or directory")]
    public void Missing_metadata(string member, string expected)
    {
        using var dir = new ScratchDir();
        var path = TestArchive.Minimal().Without(member).WriteTo(dir.Path, "m.tar.zst", TestArchive.Zstd);
        Assert.Equal(expected, ShowError(dir, path));
    }

    [Theory]
    [InlineData("config.dump", "", "failed to unmarshal config.dump: unexpected end of JSON input")]
    [InlineData("spec.dump", "", "failed to unmarshal spec.dump: unexpected end of JSON input")]
    [InlineData("config.dump", "{\"id\": \"x\"", "failed to unmarshal config.dump: unexpected end of JSON input")]
    [InlineData("spec.dump", "{\"annotations\": [1]}", "failed to unmarshal spec.dump: json: cannot unmarshal array into Go struct field annotations (line 1, byte 18)")]
    [InlineData("spec.dump", "{\"annotations\": {\"a\": 1}}", "failed to unmarshal spec.dump: json: cannot unmarshal number into Go struct field annotations.a (line 1, byte 24)")]
    [InlineData("config.dump", "{x}", "failed to unmarshal config.dump: invalid character 'x' looking for beginning of object key string (line 1, byte 2)")]
    [InlineData("config.dump", "{\"id\" 1}", "failed to unmarshal config.dump: invalid character '1' after object key (line 1, byte 7)")]
    [InlineData("config.dump", "[1]", "failed to unmarshal config.dump: json: cannot unmarshal array into Go value (line 1, byte 2)")]
    [InlineData("config.dump", "{\"id\": }", "failed to unmarshal config.dump: invalid character '}' looking for beginning of value (line 1, byte 8)")]
    [InlineData("config.dump", "{\"createdTime\": \"bad\"}", "failed to unmarshal config.dump: parsing time \"bad\"")]
    public void Malformed_metadata(string member, string content, string expectedStart)
    {
        using var dir = new ScratchDir();
        var path = TestArchive.Minimal().Without(member).File(member, content).WriteTo(dir.Path, "m.tar");
        Assert.StartsWith(expectedStart, ShowError(dir, path));
    }

    [Fact]
    public void Crio_metadata_annotation_must_be_json()
    {
        using var dir = new ScratchDir();
        var path = TestArchive.Minimal().Without("spec.dump")
            .File("spec.dump", """{"annotations":{"io.container.manager":"cri-o","io.kubernetes.cri-o.Metadata":""}}""")
            .WriteTo(dir.Path, "crio.tar");
        Assert.Equal("getting container checkpoint information failed: failed to read io.kubernetes.cri-o.Metadata: unexpected end of JSON input", ShowError(dir, path));
    }

    [Fact]
    public void Unknown_criu_magic()
    {
        var image = new byte[12];
        BinaryPrimitives.WriteUInt32LittleEndian(image, 0x20200a7b);
        var e = Assert.Throws<InvalidCheckpointException>(() => CriuImageReader.Open("stats-dump", image, CriuMagic.Stats));
        Assert.Equal("unknown magic 0x20200a7b", e.Message);
    }

    [Fact]
    public void Entry_length_past_the_end_names_image_entry_and_offset()
    {
        var image = new byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(image, CriuMagic.ImgCommon);
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(4), CriuMagic.Pstree);
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(8), 1000);
        var reader = CriuImageReader.Open("pstree.img", image, CriuMagic.Pstree);
        var e = Assert.Throws<InvalidCheckpointException>(() => reader.ReadAll(Checkpointctl.Core.Criu.Images.PstreeEntry.Parser));
        Assert.Equal("pstree.img: entry 0 at offset 8: entry size 1000 exceeds the 4 bytes left", e.Message);
    }

    [Fact]
    public void Pstree_cycles_and_missing_images_are_errors_not_hangs()
    {
        using var dir = new ScratchDir();
        var pstree = SyntheticCheckpoint.Frame(CriuMagic.Pstree, new Checkpointctl.Core.Criu.Images.PstreeEntry { Pid = 1, Ppid = 2 }, new Checkpointctl.Core.Criu.Images.PstreeEntry { Pid = 2, Ppid = 1 });
        var path = TestArchive.Minimal().Without("checkpoint/pstree.img").File("checkpoint/pstree.img", pstree).WriteTo(dir.Path, "cycle.tar");
        using var archive = CheckpointArchive.Open(path, new ArchiveRequest { Hold = CriuImages.ProcessTreeImages });
        var e = Assert.Throws<MissingCheckpointDataException>(() => ProcessTree.Build(new CriuImages(archive)));
        Assert.Equal("error opening binary file: open checkpoint/core-1.img: no such file or directory", e.Message);
    }

    [Theory]
    [InlineData(new uint[] { 1, 2, 2, 1 }, "failed to get process tree: pstree.img: no root process (ppid 0)")]
    [InlineData(new uint[] { 1, 0, 2, 3, 3, 2 }, "failed to get process tree: pstree.img: parent links form a cycle")]
    [InlineData(new uint[] { 1, 0, 1, 0 }, "failed to get process tree: pstree.img: PID 1 appears more than once")]
    [InlineData(new uint[] { 1, 0, 2, 9 }, "failed to get process tree: pstree.img: parent 9 of PID 2 is not in the tree")]
    public void Broken_process_trees_are_errors_not_hangs(uint[] pidPpid, string expected)
    {
        using var dir = new ScratchDir();
        var checkpoint = new SyntheticCheckpoint();
        for (var i = 0; i < pidPpid.Length; i += 2)
            checkpoint.Process(pidPpid[i], pidPpid[i + 1], "p");
        var path = checkpoint.WriteTo(dir.Path);
        Assert.Equal(expected, CliRunner.AssertError(CliRunner.Run("inspect", path, "--ps-tree")));
    }

    [Fact]
    public void Fifos_and_devices_are_refused_without_blocking()
    {
        using var dir = new ScratchDir();
        var fifo = Path.Combine(dir.Path, "fifo.tar");
        System.Diagnostics.Process.Start("mkfifo", [fifo])!.WaitForExit();
        Assert.Equal($"input {fifo} not a regular file", ShowError(dir, fifo));
        Assert.Equal("input /dev/zero not a regular file", CliRunner.AssertError(CliRunner.Run("show", "/dev/zero")));
    }

    [Fact]
    public void A_fifo_inside_an_unpacked_checkpoint_is_not_read()
    {
        using var dir = new ScratchDir();
        Directory.CreateDirectory(Path.Combine(dir.Path, "checkpoint"));
        File.WriteAllText(Path.Combine(dir.Path, "spec.dump"), TestArchive.Spec);
        System.Diagnostics.Process.Start("mkfifo", [Path.Combine(dir.Path, "config.dump")])!.WaitForExit();
        Assert.Equal("open config.dump: no such file or directory", ShowError(dir, dir.Path));
    }
}
