using System.Text;
using System.Text.Json;
using Checkpointctl.Core.Analysis.GoRegexp;

namespace Checkpointctl.Tests;

/// <summary>
/// Go regexps against Go itself: <c>tests/goregex/golden.json</c> holds, for each pattern, Go's compile error or
/// <c>FindAllIndex</c> over each input (byte offsets into UTF-8), written by <c>tests/goregex/gen.go</c>.
/// </summary>
public class GoRegexTests
{
    private static readonly Lazy<JsonElement[]> Golden = new(() =>
    {
        var json = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(TestPaths.RepoRoot, "tests", "goregex", "golden.json")));
        return json.RootElement.GetProperty("patterns").EnumerateArray().ToArray();
    });

    public static TheoryData<int, string> Patterns()
    {
        var data = new TheoryData<int, string>();
        for (var i = 0; i < Golden.Value.Length; i++)
        {
            var pattern = Golden.Value[i].GetProperty("pattern").GetString()!;
            data.Add(i, pattern.Length <= 40 ? pattern : $"{pattern[..40]}... ({pattern.Length} chars)");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Patterns))]
    public void Pattern_compiles_and_matches_as_in_go(int index, string label)
    {
        var entry = Golden.Value[index];
        var pattern = entry.GetProperty("pattern").GetString()!;
        if (entry.TryGetProperty("error", out var error))
        {
            var e = Assert.Throws<GoRegexSyntaxException>(() => GoRegex.Compile(pattern));
            Assert.Equal(error.GetString(), e.Message);
            return;
        }
        var regex = GoRegex.Compile(pattern);
        foreach (var c in entry.GetProperty("cases").EnumerateArray())
        {
            var input = c.GetProperty("input").GetString()!;
            var expected = c.GetProperty("matches").EnumerateArray()
                .Select(m => $"[{m[0].GetInt32()},{m[1].GetInt32()}]");
            var actual = regex.FindAll(input)
                .Select(m => $"[{Utf8Offset(input, m.Index)},{Utf8Offset(input, m.Index + m.Length)}]");
            Assert.True(expected.SequenceEqual(actual),
                $"{label} on \"{Shorten(input)}\": Go {string.Concat(expected)}, ours {string.Concat(actual)} (.NET pattern {Shorten(regex.NetPattern)})");
        }
    }

    private static int Utf8Offset(string text, int index) => Encoding.UTF8.GetByteCount(text.AsSpan(0, index));

    private static string Shorten(string s) => s.Length <= 80 ? s : s[..80] + "...";
}
