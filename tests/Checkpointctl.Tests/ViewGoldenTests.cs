using System.Text.Json.Nodes;

namespace Checkpointctl.Tests;

/// <summary>
/// The views this tool adds to <c>inspect</c>, over every shared fixture (CRIU image directories, Podman archives,
/// wrapped archives of each engine), tree and JSON, byte for byte against committed golden files.
/// </summary>
public class ViewGoldenTests
{
    /// <summary>Case name → inspect flags; each case runs in tree and JSON format.</summary>
    private static readonly (string Name, string[] Flags)[] Cases =
    [
        ("threads", ["--threads"]),
        ("registers", ["--registers"]),
        ("memory-map", ["--memory-map"]),
        ("namespaces", ["--namespaces"]),
        ("security", ["--security"]),
        ("cgroups", ["--cgroups"]),
        ("inventory", ["--inventory"]),
        ("rootfs-diff", ["--rootfs-diff"]),
        ("logs", ["--logs"]),
    ];

    /// <summary>Every fixture the views run on: name → path.</summary>
    public static IEnumerable<(string Name, string Path)> Fixtures() =>
        new[] { "piggie", "py-tree", "shell-loop" }.Select(n => (n, TestPaths.Criu(n)))
            .Concat(TestPaths.AllArchives().Select(a => (Path.GetFileName(a), a)));

    public static TheoryData<string, string, string> AllCases()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var (name, _) in Fixtures())
        {
            foreach (var (c, _) in Cases)
            {
                data.Add(name, c, "tree");
                data.Add(name, c, "json");
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void View_matches_golden(string fixture, string @case, string format)
    {
        var path = Fixtures().Single(f => f.Name == fixture).Path;
        var flags = Cases.Single(c => c.Name == @case).Flags;
        var result = CliRunner.Run(["inspect", path, .. flags, "--format", format]);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("", result.Stderr);
        var output = GoldenFile.Normalize(result.Stdout, path);
        GoldenFile.Assert(output, $"views/{fixture}.{@case}.{(format == "tree" ? "txt" : "json")}");
    }

    /// <summary>The views' JSON keys, added after upstream's.</summary>
    public static readonly string[] ViewKeys = ["threads", "memory_map", "namespaces", "security", "cgroups", "inventory", "rootfs_diff", "logs"];

    /// <summary><c>--everything</c> is <c>--all</c> plus the views: removing their keys gives <c>--all</c>'s JSON.</summary>
    [Theory]
    [MemberData(nameof(FixtureNames))]
    public void Everything_is_all_plus_the_views(string fixture)
    {
        var path = Fixtures().Single(f => f.Name == fixture).Path;
        var all = JsonNode.Parse(CliRunner.Run("inspect", path, "--all", "--format", "json").Stdout)!.AsArray()[0]!.AsObject();
        var everything = JsonNode.Parse(CliRunner.Run("inspect", path, "--everything", "--format", "json").Stdout)!.AsArray()[0]!.AsObject();
        foreach (var key in ViewKeys)
            Assert.True(everything.Remove(key), $"--everything has no {key}");
        Assert.True(JsonNode.DeepEquals(all, everything));
        Assert.Equal(all.Select(p => p.Key), everything.Select(p => p.Key));
    }

    /// <summary>Views that need only small images never ask for a pages file (nor any member to be streamed to them).</summary>
    [Fact]
    public void Views_never_request_pages()
    {
        var options = new Checkpointctl.Core.Analysis.InspectOptions
        {
            Threads = true, Registers = true, MemoryMap = true, Namespaces = true, Security = true, Cgroups = true, Inventory = true, RootfsDiff = true, Logs = true,
        }.Normalize();
        Assert.False(options.NeedsMemory);
        var request = options.ToRequest(null, new Checkpointctl.Core.Metadata.LogCapture(), new Checkpointctl.Core.Metadata.RootfsChanges());
        // Only the logs and rootfs-diff.tar are streamed to the views (read line by line, headers only).
        Assert.All(request.Consumers, c => Assert.Contains(c.Pattern.Text, new[] { "dump.log", "checkpoint/dump.log", "ctr.log", "container.log", "io.kubernetes.cri-o.LogPath", "rootfs-diff.tar" }));
        foreach (var member in new[] { "checkpoint/pages-1.img", "checkpoint/pages-12.img", "checkpoint/amdgpu-pages-1-0.img" })
            Assert.DoesNotContain(request.Hold, p => p.Matches(member));
        Assert.Contains(request.Hold, p => p.Matches("checkpoint/pagemap-1.img"));
    }

    /// <summary>
    /// <c>--cgroups</c> against crit's own rendering of the images (<c>image</c>, byte-identical to <c>crit show</c>):
    /// each process's set from its core, each member's path and every property of the directory of that path.
    /// </summary>
    [Theory]
    [MemberData(nameof(FixtureNames))]
    public void Cgroups_agree_with_crit_show_of_the_images(string fixture)
    {
        var path = Fixtures().Single(f => f.Name == fixture).Path;
        var view = JsonNode.Parse(CliRunner.Run("inspect", path, "--cgroups", "--format", "json").Stdout)!.AsArray()[0]!["cgroups"]!;
        var hasImage = CliRunner.Run("image", path, "--list").Stdout.Contains("cgroup.img", StringComparison.Ordinal);
        Assert.Equal(hasImage, view["sets"]!.AsArray().Count > 0);
        foreach (var p in view["processes"]!.AsArray())
        {
            var core = JsonNode.Parse(CliRunner.Run("image", path, $"core-{(uint)p!["pid"]!}.img").Stdout)!["entries"]![0]!;
            Assert.Equal((uint?)core["tc"]!["cg_set"] ?? (uint?)core["thread_core"]!["cg_set"] ?? 0, (uint)p["set"]!);
        }
        if (!hasImage)
            return;
        var crit = JsonNode.Parse(CliRunner.Run("image", path, "cgroup.img").Stdout)!["entries"]![0]!;
        foreach (var set in view["sets"]!.AsArray())
        {
            var critSet = crit["sets"]!.AsArray().First(s => (uint)s!["id"]! == (uint)set!["id"]!)!;
            var members = set!["cgroups"]!.AsArray();
            Assert.Equal(critSet["ctls"]!.AsArray().Count, members.Count);
            for (var i = 0; i < members.Count; i++)
            {
                var ctl = critSet["ctls"]![i]!;
                Assert.Equal((string)ctl["path"]!, (string)members[i]!["path"]!);
                var name = (string?)ctl["name"] ?? "";
                Assert.Equal(name.Length == 0 ? "v2" : name, (string)members[i]!["hierarchy"]!);
                var controller = crit["controllers"]!.AsArray().First(c => string.Join(",", c!["cnames"]!.AsArray().Select(n => (string?)n ?? "")) == name)!;
                var dir = controller["dirs"]!.AsArray().Single(d => ((string)d!["dir_name"]!).Trim('/') == ((string)ctl["path"]!).Trim('/'))!;
                var expected = new JsonObject();
                foreach (var prop in dir["properties"]?.AsArray() ?? [])
                    expected[(string)prop!["name"]!] = (string?)prop["value"] ?? "";
                Assert.True(JsonNode.DeepEquals(expected, members[i]!["properties"]), $"set {set["id"]} {name}");
            }
        }
    }

    public static TheoryData<string> FixtureNames()
    {
        var data = new TheoryData<string>();
        foreach (var (name, _) in Fixtures())
            data.Add(name);
        return data;
    }
}

/// <summary>The views read older CRIU layouts (4.1 pagemaps, 3.3 per-type file images, 2.x vmas images) as the originals.</summary>
public class ViewOlderImagesTests
{
    public static TheoryData<string, string> Variants()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in new[] { "piggie-podman.tar", "simple-final.tar.zst" })
        {
            foreach (var variant in (string[])["criu-4.1", "criu-3.3", "criu-2"])
                data.Add(name, variant);
        }
        // py-tree maps a memfd, which CRIU 3.3 and older could not dump (the re-encoding has no image for it).
        data.Add("pytree-containerd.tar.gz", "criu-4.1");
        return data;
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Older_layout_gives_the_same_views(string name, string variant)
    {
        var original = TestPaths.ArchiveByName(name);
        using var dir = new ScratchDir();
        var older = Path.Combine(dir.Path, name);
        TestArchive.Rewrite(original, older, (member, data) => OlderImagesTests.Rewrite(variant, member, data));
        string[] views = ["--registers", "--memory-map", "--namespaces", "--security", "--rootfs-diff", "--logs"];
        foreach (var format in new[] { "tree", "json" })
        {
            var expected = CliRunner.Run(["inspect", original, .. views, "--format", format]).Stdout.Replace(original, "X");
            var actual = CliRunner.Run(["inspect", older, .. views, "--format", format]);
            Assert.Equal("", actual.Stderr);
            Assert.Equal(expected, actual.Stdout.Replace(older, "X"));
        }
        Assert.Equal(0, CliRunner.Run("check", older, "--skip-host").ExitCode);
    }
}
