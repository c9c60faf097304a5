using System.Text;
using System.Text.Json;
using Checkpointctl.Core.Analysis;
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
                $"{label} on \"{Shorten(input)}\": Go {string.Concat(expected)}, ours {string.Concat(actual)}");
        }
    }

    [Fact]
    public void Ascii_case_folding_shortcut_agrees_with_gos_table()
    {
        for (var c = 0; c < 0x80; c++)
            Assert.Equal(UnicodeTables.TableSimpleFold(c), UnicodeTables.AsciiSimpleFold(c));
    }

    [Fact]
    public void Copies_of_a_class_share_its_table()
    {
        // Go accepts 3 million copies of \pL (its size limit counts instructions, not their ranges).
        var pattern = string.Concat(Enumerable.Repeat("[\\pL]{1000}", 3000)) + "|x";
        Assert.Equal([new GoMatch(0, 1)], GoRegex.Compile(pattern).FindAll("x"));
    }

    [Theory]
    [InlineData("(x+x+)+y", "x", "")]
    [InlineData("(x+x+)+y", "x", "?xxy")]
    [InlineData("(a*)*b", "a", "")]
    [InlineData("(a*)*b", "a", "?ab")]
    [InlineData("(a|aa)+$", "a", "?")]
    [InlineData("(.*a){20}", "a", "?")]
    public void Patterns_that_make_backtracking_exponential_run_in_linear_time(string pattern, string fill, string tail)
    {
        // A backtracking engine tries exponentially many ways at each of the 1 MiB starts; the assertion is on the
        // result (Go's): only the tail matches.
        var text = string.Concat(Enumerable.Repeat(fill, 1 << 20)) + tail;
        var expected = tail.Length > 1 ? [new GoMatch(text.Length - tail.Length + 1, tail.Length - 1)] : Array.Empty<GoMatch>();
        if (pattern == "(.*a){20}")
            expected = [new GoMatch(0, 1 << 20)];
        Assert.Equal(expected, GoRegex.Compile(pattern).FindAll(text));
    }

    /// <summary>
    /// memparse searches a range through a sliding window; whatever the window, the matches are those of one pass of
    /// Go's <c>FindAllIndex</c> over the whole range: anchors and \b see the range's edges, not the window's, and
    /// an empty match right after a match is skipped across window moves too.
    /// </summary>
    [Theory]
    [InlineData("^A")]
    [InlineData("\\AA")]
    [InlineData("(?m)^")]
    [InlineData("\\bA")]
    [InlineData("A\\b")]
    [InlineData("\\B")]
    [InlineData("A*")]
    [InlineData("")]
    [InlineData("B+|A")]
    [InlineData("A$")]
    [InlineData("[AB]{3}")]
    [InlineData("A|AB")]
    public void Search_through_the_window_equals_one_pass_over_the_range(string pattern)
    {
        const ulong Base = 0x10_0000;
        var random = new Random(12);
        // Mostly long runs of A (no boundary inside), some B, spaces and non-printable bytes.
        var bytes = new byte[150_000];
        for (var i = 0; i < bytes.Length; i++)
            bytes[i] = i % 1000 < 900 ? (byte)'A' : "AB \0"[random.Next(4)] is var c && c == '\0' ? (byte)0x80 : (byte)c;
        var shown = Encoding.Latin1.GetString(bytes.Select(b => b is >= 32 and < 127 ? b : (byte)'?').ToArray());
        var expected = GoRegex.Compile(pattern).FindAll(shown)
            .Select(m => (Base + (ulong)m.Index, shown.Substring(m.Index, m.Length))).ToList();

        var search = MemorySearch.ForRegex(pattern, 0);
        for (var offset = 0; offset < bytes.Length; offset += 4096)
            search.Write(Base + (ulong)offset, bytes.AsSpan(offset, Math.Min(4096, bytes.Length - offset)));
        search.End();

        var actual = search.Matches.Select(m => (m.Address, m.Text)).ToList();
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected, actual);
    }

    private static int Utf8Offset(string text, int index) => Encoding.UTF8.GetByteCount(text.AsSpan(0, index));

    private static string Shorten(string s) => s.Length <= 80 ? s : s[..80] + "...";
}
