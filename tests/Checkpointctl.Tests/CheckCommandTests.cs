using System.Text.Json;
using Checkpointctl.Core.Analysis;
using Checkpointctl.Core.Criu;
using Checkpointctl.Core.Criu.Images;
using Google.Protobuf;

namespace Checkpointctl.Tests;

/// <summary><c>check</c>: every intact fixture is clean; a broken copy per finding; host facts compared; exit codes 0, 1, 2.</summary>
public class CheckCommandTests
{
    private static readonly HostFacts SameHost = new("amd64", 4096, "4.2", "6.18.44", 1, _ => true);

    [Theory]
    [MemberData(nameof(ViewGoldenTests.FixtureNames), MemberType = typeof(ViewGoldenTests))]
    public void Intact_fixtures_are_clean(string fixture)
    {
        var path = ViewGoldenTests.Fixtures().Single(f => f.Name == fixture).Path;
        var text = CliRunner.Run("check", path, "--skip-host");
        Assert.Equal(0, text.ExitCode);
        Assert.Equal("", text.Stderr);
        GoldenFile.Assert(GoldenFile.Normalize(text.Stdout, path), $"check/{fixture}.txt");
        var json = CliRunner.Run("check", path, "--skip-host", "--format", "json");
        Assert.Equal(0, json.ExitCode);
        GoldenFile.Assert(GoldenFile.Normalize(json.Stdout, path), $"check/{fixture}.json");
        // On a host like the one it was made on, nothing blocks the restore either.
        var check = CheckpointCheck.Run(path, SameHost);
        Assert.True(check.IsClean, string.Join("\n", check.Findings));
    }

    /// <summary>A copy of a CRIU image directory with one change, and the finding it must produce (and no other).</summary>
    public static TheoryData<string, string, string, string> BrokenCopies() => new()
    {
        { "py-tree", "delete core-7038.img", "error images", "core-7038.img is missing (thread 7038 of process 7032 (python3))" },
        { "py-tree", "delete mm-7036.img", "error images", "mm-7036.img is missing (process 7036 (python3))" },
        { "shell-loop", "delete pagemap-6616.img", "error images", "pagemap-6616.img is missing (process 6616 (sleep))" },
        { "shell-loop", "delete fdinfo-3.img", "error images", "fdinfo-3.img is missing (the file descriptors of process 6616 (sleep))" },
        { "shell-loop", "delete files.img", "error images", "files.img is missing (the open files of every process)" },
        { "shell-loop", "truncate pages-2.img", "error pages", "pagemap-6616.img: pages-2.img is 118784 bytes, but the pagemap needs 122880 (30 pages of 4096 bytes)" },
        { "shell-loop", "delete pages-2.img", "error pages", "pagemap-6616.img: 30 pages are in pages-2.img, which is missing" },
        { "shell-loop", "add pages-9.img", "warning pages", "pages-9.img: no pagemap refers to it" },
        { "py-tree", "delete memfd.img", "error shmem", "mm-7032.img: mapping 7f93073dd000-7f93074dd000 maps memfd inode 1, which memfd.img does not have" },
        { "py-tree", "delete pagemap-shmem-394.img", "error shmem", "mm-7032.img: mapping 7f93073dd000-7f93074dd000: its shared memory 394 has no pagemap-shmem-394.img" },
        { "shell-loop", "delete inventory.img", "error images", "inventory.img is missing (CRIU's description of the dump)" },
        { "shell-loop", "delete pstree.img", "error images", "pstree.img is missing (the process tree)" },
        { "shell-loop", "truncate timens-0.img", "error decode", "timens-0.img: entry 0 at offset 0: entry size" },
        { "shell-loop", "truncate core-6616.img", "error pstree", "core-6616.img: entry 0 at offset 8: entry size" },
        { "shell-loop", "drop file 4", "error files", "fdinfo-2.img: fd 0 refers to file id 4, which files.img does not have" },
        { "shell-loop", "drop file 11", "error files", "mm-6616.img: mapping 7f64e910b000-7f64e910c000 maps file id 11, which files.img does not have" },
        { "shell-loop", "drop file 6", "error files", "fs-6580.img: cwd is file id 6, which files.img does not have" },
        { "shell-loop", "parent pages", "error parent", "pages are in a parent image set, but" },
        { "shell-loop", "pages outside mappings", "error bounds", "pagemap-6580.img: pages 1000-2000 lie outside the process's mappings" },
    };

    [Theory]
    [MemberData(nameof(BrokenCopies))]
    public void Broken_copy_gives_its_finding(string dump, string change, string expected, string message)
    {
        using var dir = new ScratchDir();
        var copy = Path.Combine(dir.Path, dump);
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.EnumerateFiles(TestPaths.Criu(dump)))
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        Apply(copy, change);
        var result = CliRunner.Run("check", copy, "--skip-host");
        Assert.Equal(2, result.ExitCode);
        var findings = result.Stdout.Split('\n').Skip(1).Where(l => l.Length > 0 && !l.StartsWith("Summary: ", StringComparison.Ordinal)).ToList();
        var (severity, check) = (expected.Split(' ')[0], expected.Split(' ')[1]);
        Assert.Contains(findings, f => f.StartsWith(severity, StringComparison.Ordinal) && f.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1] == check && f.Contains(message, StringComparison.Ordinal));
        // Only this kind of damage is found (a damaged image also fails to decode).
        Assert.All(findings, f => Assert.True(f.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1] is var c && (c == check || c == "decode"), f));
        Assert.Matches(severity == "warning" ? "^Summary: 0 errors, 0 blockers, 1 warning: complete; a restore may fail$" : "^Summary: [1-9][0-9]* errors?, 0 blockers, 0 warnings: damaged, it cannot be restored$",
            result.Stdout.Split('\n')[^2]);
    }

    [Fact]
    public void Findings_of_one_check_are_listed_up_to_a_limit_and_counted_in_full()
    {
        using var dir = new ScratchDir();
        var copy = Path.Combine(dir.Path, "shell-loop");
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.EnumerateFiles(TestPaths.Criu("shell-loop")))
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        // 250 threads without core images: 250 errors of the images check.
        var tree = ReadAll(copy, "pstree.img", PstreeEntry.Parser);
        tree[0].Threads.AddRange(Enumerable.Range(0, 250).Select(i => 100_000u + (uint)i));
        Replace(copy, "pstree.img", SyntheticCheckpoint.Frame(CriuMagic.Pstree, [.. tree]));
        var result = CliRunner.Run("check", copy, "--skip-host");
        Assert.Equal(2, result.ExitCode);
        var lines = result.Stdout.Split('\n');
        Assert.Equal(Core.Analysis.CheckpointCheck.MaxListedPerCheck, lines.Count(l => l.Contains("is missing (thread 1000", StringComparison.Ordinal)));
        Assert.Single(lines, l => l.EndsWith("150 more error findings of this check not listed", StringComparison.Ordinal));
        Assert.Equal("Summary: 250 errors, 0 blockers, 0 warnings: damaged, it cannot be restored", lines[^2]);
        var json = System.Text.Json.Nodes.JsonNode.Parse(CliRunner.Run("check", copy, "--skip-host", "--format", "json").Stdout)!;
        Assert.Equal(250, (int)json[0]!["errors"]!);
    }

    private static void Apply(string dir, string change)
    {
        var (verb, name) = (change.Split(' ')[0], change[(change.IndexOf(' ') + 1)..]);
        var path = Path.Combine(dir, name);
        switch (verb)
        {
            case "delete":
                File.Delete(path);
                break;
            case "truncate":
                var bytes = File.ReadAllBytes(path);
                File.Delete(path);
                File.WriteAllBytes(path, bytes[..^(name.StartsWith("pages", StringComparison.Ordinal) ? 4096 : 3)]);
                break;
            case "add":
                File.WriteAllBytes(path, new byte[4096]);
                break;
            case "drop":
                Replace(dir, "files.img", SyntheticCheckpoint.Frame(CriuMagic.Files, [.. ReadAll(dir, "files.img", FileEntry.Parser).Where(f => f.Id != uint.Parse(name.Split(' ')[1]))]));
                break;
            case "parent":
                var pagemap = ReadAll(dir, "pagemap-6616.img", PagemapEntry.Parser).Skip(1).ToList();
                var head = new PagemapHead { PagesId = 2 };
                var first = pagemap[0];
                first.Flags = 1;
                // The first run is now in the parent: its pages leave this dump's pages file.
                var pages = File.ReadAllBytes(Path.Combine(dir, "pages-2.img"));
                Replace(dir, "pages-2.img", pages[(int)(first.NrPages * 4096)..]);
                Replace(dir, "pagemap-6616.img", SyntheticCheckpoint.Frame(CriuMagic.Pagemap, [head, .. pagemap]));
                break;
            case "pages":
                var own = ReadAll(dir, "pagemap-6580.img", PagemapEntry.Parser).Skip(1).ToList();
                own[0].Vaddr = 0x1000;
                Replace(dir, "pagemap-6580.img", SyntheticCheckpoint.Frame(CriuMagic.Pagemap, [new PagemapHead { PagesId = 1 }, .. own]));
                break;
        }
    }

    private static List<T> ReadAll<T>(string dir, string image, MessageParser<T> parser) where T : IMessage<T>
    {
        var data = File.ReadAllBytes(Path.Combine(dir, image));
        var list = new List<T>();
        for (var offset = 8; offset < data.Length;)
        {
            var size = BitConverter.ToInt32(data, offset);
            list.Add(parser.ParseFrom(data, offset + 4, size));
            offset += 4 + size;
        }
        return list;
    }

    private static void Replace(string dir, string image, byte[] data)
    {
        File.Delete(Path.Combine(dir, image));
        File.WriteAllBytes(Path.Combine(dir, image), data);
    }

    [Fact]
    public void Broken_archive_member_and_metadata()
    {
        using var dir = new ScratchDir();
        var target = Path.Combine(dir.Path, "broken.tar");
        TestArchive.Rewrite(TestPaths.Archive("simple-none.tar"), target, (name, data) => name switch
        {
            "checkpoint/seccomp.img" => [],
            "config.dump" => [(name, "{not json"u8.ToArray())],
            _ => [(name, data)],
        });
        var result = CliRunner.Run("check", target, "--skip-host", "--format", "json");
        Assert.Equal(2, result.ExitCode);
        var findings = JsonDocument.Parse(result.Stdout).RootElement[0].GetProperty("findings").EnumerateArray()
            .Select(f => $"{f.GetProperty("severity").GetString()} {f.GetProperty("check").GetString()}: {f.GetProperty("message").GetString()}").ToList();
        Assert.Contains(findings, f => f.StartsWith("error metadata: failed to unmarshal config.dump: invalid character", StringComparison.Ordinal));
        Assert.Contains("error seccomp: thread 1 has seccomp filters, but seccomp.img is missing", findings);
    }

    [Fact]
    public void Host_facts_that_block_or_warn()
    {
        var other = new HostFacts("arm64", 16384, "4.1", "6.1.0", 2, p => p != "runc");
        var check = CheckpointCheck.Run(TestPaths.Wrapped("piggie-podman.tar"), other);
        var lines = check.Findings.Select(f => $"{f.Severity} {f.Check}: {f.Message}").ToList();
        Assert.Contains("Blocker host.arch: dumped on amd64, this host is arm64: the processes can only be restored on amd64", lines);
        Assert.Contains("Blocker host.pagesize: dumped with 4096-byte pages, this host uses 16384", lines);
        Assert.Contains("Warning host.criu: dumped with CRIU 4.2 (gitid 0), this host has the older 4.1, which may not read newer images", lines);
        Assert.Contains("Warning host.kernel: dumped on kernel 6.18.44-fc-v657, this host runs the older 6.1.0: features the processes use may be missing", lines);
        Assert.Contains("Blocker host.runtime: the container ran under runc, but runc is not on this host's PATH", lines);
        Assert.Equal(0, check.Errors);
        var simple = CheckpointCheck.Run(TestPaths.Archive("simple-none.tar"), other with { CriuVersion = null });
        Assert.Contains(simple.Findings, f => f is { Severity: CheckSeverity.Blocker, Check: "host.criu" } && f.Message == "criu is not installed on this host (dumped with an unrecorded version)");
        // cgroup.img of a v1 host (named hierarchies) against a v2 host.
        Assert.Contains(simple.Findings, f => f is { Severity: CheckSeverity.Warning, Check: "host.cgroup" });
        var containerd = CheckpointCheck.Run(TestPaths.Wrapped("pytree-containerd.tar.gz"), SameHost with { HasProgram = p => p == "containerd-shim-runc-v2" });
        Assert.Contains(containerd.Findings, f => f.Check == "host.runtime" && f.Message == "containerd-shim-runc-v2 is installed");
    }

    [Fact]
    public void Exit_codes()
    {
        Assert.Equal("stat /nonexistent: no such file or directory", CliRunner.AssertError(CliRunner.Run("check", "/nonexistent")));
        Assert.Equal("invalid output format: x", CliRunner.AssertError(CliRunner.Run("check", "/nonexistent", "--format", "x")));
        Assert.Equal("requires at least 1 arg(s), only received 0", CliRunner.AssertError(CliRunner.Run("check")));
        Assert.Equal(0, CliRunner.Run("check", TestPaths.Criu("shell-loop"), TestPaths.Criu("py-tree"), "--skip-host").ExitCode);
    }
}
