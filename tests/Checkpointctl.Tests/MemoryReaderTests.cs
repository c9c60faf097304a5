using System.Text;
using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Model;

namespace Checkpointctl.Tests;

/// <summary>Command lines and environments read by virtual address, compared with the facts in the fixtures' README.</summary>
public class MemoryReaderTests
{
    private const string PiggieEnv = "PATH=/usr/sbin:/usr/bin:/sbin:/bin\0HOME=/srv/fixture/home\0LANG=C.UTF-8\0TEST_ENV=BAR\0TEST_ENV_EMPTY=\0";

    private static (string Cmdline, string Env) ReadArgsAndEnv(CriuImages images, uint pid)
    {
        var mm = images.Mm(pid);
        var memory = images.Memory(pid);
        return (Encoding.UTF8.GetString(memory.Read(mm.MmArgStart, mm.MmArgEnd)), Encoding.UTF8.GetString(memory.Read(mm.MmEnvStart, mm.MmEnvEnd)));
    }

    private static CheckpointArchive OpenAll(string path) => CheckpointArchive.Open(path, new ArchiveRequest { Hold = [ArchiveLayout.Image("*")] });

    [Fact]
    public void Piggie_processes_have_the_documented_command_line_and_environment()
    {
        using var archive = OpenAll(TestPaths.Criu("piggie"));
        var images = new CriuImages(archive);
        var alive = ProcessTree.Build(images).DepthFirst().Where(n => n.HasImages).ToList();
        Assert.Equal([1u, 4, 9, 5, 7, 8], alive.Select(n => n.Pid));
        foreach (var node in alive)
        {
            var (cmdline, env) = ReadArgsAndEnv(images, node.Pid);
            Assert.Equal("piggie/piggie\0--tcp-socket\0--zombie\0", cmdline);
            Assert.Equal(PiggieEnv, env);
        }
    }

    [Theory]
    [InlineData("shell-loop", "/bin/sh\0-c\0while true; do date >> shell-loop.log; sleep 1; done\0")]
    [InlineData("py-tree", null)]
    public void Plain_criu_dumps_have_the_fixed_environment(string name, string? rootCmdline)
    {
        using var archive = OpenAll(TestPaths.Criu(name));
        var images = new CriuImages(archive);
        var root = ProcessTree.Build(images);
        var (cmdline, env) = ReadArgsAndEnv(images, root.Pid);
        if (rootCmdline != null)
            Assert.Equal(rootCmdline, cmdline);
        else
            Assert.Contains("/srv/fixture/workdir/pytree.py", cmdline);
        Assert.Equal($"PATH=/usr/sbin:/usr/bin:/sbin:/bin\0HOME=/srv/fixture/home\0LANG=C.UTF-8\0FIXTURE_NAME={name}\0", env);
    }

    [Theory]
    [InlineData("simple-none.tar")]
    [InlineData("simple-gzip.tar.gz")]
    [InlineData("simple-zstd.tar.zst")]
    [InlineData("piggie-podman.tar")]
    [InlineData("pytree-containerd.tar.gz")]
    public void Archive_memory_reads_the_same_in_place_and_from_a_held_member(string name)
    {
        var path = TestPaths.ArchiveByName(name);
        // Pages are held only when the archive is compressed; a plain tar serves them in place.
        using var inPlace = CheckpointArchive.Open(path, new ArchiveRequest { Hold = [.. CriuImages.ProcessTreeImages, .. CriuImages.MemoryMapImages, ArchiveLayout.Image("pages-*.img")] });
        using var streamed = CheckpointArchive.Read(path, new NonSeekableStream(File.OpenRead(path)), new ArchiveRequest { Hold = [ArchiveLayout.Image("*")] });
        var a = new CriuImages(inPlace);
        var b = new CriuImages(streamed);
        foreach (var node in ProcessTree.Build(a).DepthFirst().Where(n => n.HasImages))
        {
            var (cmdA, envA) = ReadArgsAndEnv(a, node.Pid);
            var (cmdB, envB) = ReadArgsAndEnv(b, node.Pid);
            Assert.Equal(cmdA, cmdB);
            Assert.Equal(envA, envB);
            Assert.Contains("PATH=", envA);
            Assert.NotEqual("", cmdA.TrimEnd('\0'));
        }
        if (name.StartsWith("simple", StringComparison.Ordinal))
            Assert.Contains("FIXTURE_ENV=simple\0", ReadArgsAndEnv(a, 1).Env);
    }

    [Fact]
    public void Reading_one_process_environment_in_place_reads_only_a_few_pages()
    {
        using var archive = CheckpointArchive.Open(TestPaths.Wrapped("piggie-podman.tar"), new ArchiveRequest { Hold = [.. CriuImages.ProcessTreeImages, .. CriuImages.MemoryMapImages] });
        var images = new CriuImages(archive);
        var before = archive.BytesRead.Bytes;
        var (_, env) = ReadArgsAndEnv(images, 1);
        Assert.Equal(PiggieEnv, env);
        // mm and pagemap (a few KiB) plus at most two pages for the argument and environment areas.
        Assert.InRange(archive.BytesRead.Bytes - before, 100, 64 * 1024);
    }

    [Fact]
    public void Unmapped_addresses_read_as_zeros()
    {
        using var archive = OpenAll(TestPaths.Criu("piggie"));
        var memory = new CriuImages(archive).Memory(1);
        Assert.All(memory.Read(0x1000, 0x3000), b => Assert.Equal(0, b));
    }
}
