using System.Text.RegularExpressions;
using Checkpointctl.Core.Analysis;

namespace Checkpointctl.Tests;

/// <summary>Runs <c>report</c> and reads what the page must hold.</summary>
internal static partial class ReportFiles
{
    /// <summary>Every archive of the shared fixtures and the plain CRIU image directories.</summary>
    public static TheoryData<string> Fixtures()
    {
        var data = new TheoryData<string>();
        foreach (var a in TestPaths.AllArchives())
            data.Add(Path.GetFileName(a));
        foreach (var dir in new[] { "criu/piggie", "criu/py-tree", "criu/shell-loop" })
            data.Add(dir);
        return data;
    }

    public static string PathOf(string fixture) =>
        fixture.StartsWith("criu/", StringComparison.Ordinal) ? TestPaths.Criu(fixture[5..]) : TestPaths.ArchiveByName(fixture);

    /// <summary>Writes the report of <paramref name="inputs"/> to <paramref name="output"/> and returns its text.</summary>
    public static string Write(string output, params string[] inputs)
    {
        var result = CliRunner.Run(["report", .. inputs, "-o", output]);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("", result.Stderr);
        return File.ReadAllText(output);
    }

    /// <summary>The PIDs of the process tree and the mapping starts of each memory map, as the core library reads them.</summary>
    public static (IReadOnlyList<uint> Pids, IReadOnlyList<(uint Pid, ulong Start)> Mappings) Expected(string path)
    {
        var i = Inspection.Read(path, new InspectOptions { PsTree = true, MemoryMap = true });
        var pids = new List<uint>();
        var stack = new Stack<ProcessView>([i.ProcessTree!]);
        while (stack.Count > 0)
        {
            var p = stack.Pop();
            pids.Add(p.Pid);
            foreach (var c in p.Children)
                stack.Push(c);
        }
        return (pids, i.MemoryMaps!.SelectMany(m => m.Mappings.Select(v => (m.Pid, v.Start))).ToList());
    }

    /// <summary>Asserts that every process and mapping has its element in <paramref name="html"/> (a page or a DOM dump).</summary>
    public static void AssertComplete(string html, string path, string key = "cp")
    {
        var (pids, mappings) = Expected(path);
        Assert.NotEmpty(pids);
        foreach (var pid in pids)
            Assert.Contains($"id=\"{key}-p-{pid}\"", html);
        foreach (var (pid, start) in mappings)
            Assert.Contains($"data-mapping=\"{pid}:{start:x}\"", html);
        Assert.Equal(mappings.Count, MappingRow().Matches(html).Count(m => m.Groups[1].Value == key));
    }

    /// <summary>Nothing in the page can make a request: no URL scheme, links only within the page, no sources or imports.</summary>
    public static void AssertNoUrl(string html)
    {
        Assert.DoesNotContain("http", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("://", html);
        Assert.DoesNotMatch(SourceAttribute(), html);
        Assert.DoesNotContain("@import", html, StringComparison.OrdinalIgnoreCase);
        Assert.All(Href().Matches(html), m => Assert.StartsWith("#", m.Groups[1].Value));
        Assert.All(CssUrl().Matches(html), m => Assert.StartsWith("#", m.Groups[1].Value));
    }

    [GeneratedRegex("<tr id=\"([a-z0-9]+)-m-\\d+-\\d+\"")]
    private static partial Regex MappingRow();

    [GeneratedRegex("<[a-zA-Z][^>]*\\s(src|srcset|data|poster|action)=", RegexOptions.IgnoreCase)]
    private static partial Regex SourceAttribute();

    [GeneratedRegex("href=\"([^\"]*)\"")]
    private static partial Regex Href();

    [GeneratedRegex("url\\(([^)]*)\\)")]
    private static partial Regex CssUrl();
}
