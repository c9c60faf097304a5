using Checkpointctl.Core.Analysis;
using Checkpointctl.Core.Archive;

namespace Checkpointctl.Tests;

public class ShowTests
{
    public static TheoryData<string> Archives => TestPaths.AllArchiveNames();

    [Theory]
    [MemberData(nameof(Archives))]
    public void Show_matches_upstream_byte_for_byte(string name)
    {
        var path = TestPaths.ArchiveByName(name);
        var result = CliRunner.Run("show", path);
        Assert.Equal("", result.Stderr);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(File.ReadAllText(TestPaths.UpstreamOutput(name, "show.out")), GoldenFile.Normalize(result.Stdout, path));
    }

    [Theory]
    [MemberData(nameof(Archives))]
    public void Unseekable_stream_gives_the_same_overview(string name)
    {
        var path = TestPaths.ArchiveByName(name);
        var seekable = CheckpointOverview.Read(path);
        using var archive = CheckpointArchive.Read(path, new NonSeekableStream(File.OpenRead(path)), CheckpointOverview.Request);
        Assert.False(archive.SupportsRandomAccess);
        var streamed = CheckpointOverview.FromArchive(archive);
        Assert.Equal(seekable.Sizes, streamed.Sizes);
        Assert.Equal(seekable.Container.Name, streamed.Container.Name);
        Assert.Equal(seekable.Container.Created, streamed.Container.Created);
        Assert.Equal(seekable.Container.Config.Id, streamed.Container.Config.Id);
    }

    [Fact]
    public void Several_archives_make_one_table_with_both_size_columns()
    {
        var paths = new[] { TestPaths.Archive("simple-ignore-rootfs.tar.zst"), TestPaths.Wrapped("piggie-crio.tar"), TestPaths.Wrapped("pytree-containerd.tar.gz") };
        var result = CliRunner.Run(["show", .. paths]);
        Assert.Equal(0, result.ExitCode);
        GoldenFile.Assert(result.Stdout, "show/three-archives.txt");
    }

    [Fact]
    public void Unpacked_checkpoint_directory_is_accepted()
    {
        // The .extracted folder lacks pages-*.img, so its checkpoint size is smaller than the archive's.
        var result = CliRunner.Run("show", TestPaths.Archive("simple-none.tar.extracted"));
        Assert.Equal(0, result.ExitCode);
        GoldenFile.Assert(GoldenFile.Normalize(result.Stdout, TestPaths.Archive("simple-none.tar.extracted")), "show/simple-none-extracted-dir.txt");
    }
}
