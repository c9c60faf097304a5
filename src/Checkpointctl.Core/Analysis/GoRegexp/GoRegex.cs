using System.Text.RegularExpressions;

namespace Checkpointctl.Core.Analysis.GoRegexp;

/// <summary>
/// A regular expression in Go's syntax (RE2, as Go's <c>regexp.Compile</c> reads it) with Go's match semantics:
/// leftmost-first matches, <c>FindAllIndex</c>'s treatment of empty matches. Go's parser is reproduced (same
/// accepted patterns, same error texts, same limits); matching runs on .NET's linear-time engine
/// (<see cref="RegexOptions.NonBacktracking"/>), so no pattern can make a search slow.
/// </summary>
public sealed class GoRegex
{
    private readonly Regex _regex;

    private GoRegex(string pattern, Regex regex)
    {
        Pattern = pattern;
        _regex = regex;
    }

    /// <summary>The pattern as given.</summary>
    public string Pattern { get; }

    /// <summary>The equivalent .NET pattern (for diagnostics).</summary>
    public string NetPattern => _regex.ToString();

    /// <summary>Compiles a Go pattern; throws <see cref="GoRegexSyntaxException"/> with Go's message for one Go rejects.</summary>
    public static GoRegex Compile(string pattern)
    {
        var tree = Parser.Parse(pattern);
        // .NET refuses patterns whose automaton would be too large; loops written out as Go runs them are larger.
        var exact = GoRegexp.NetPattern.From(tree);
        var regex = TryRegex(exact) ?? TryRegex(GoRegexp.NetPattern.Plain(tree))
            ?? throw new GoRegexSyntaxException("expression too large for the linear-time matcher", pattern);
        return new GoRegex(pattern, regex);
    }

    private static Regex? TryRegex(string net)
    {
        try
        {
            return new Regex(net, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture);
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>Go's <c>FindAllIndex</c> over <paramref name="text"/>.</summary>
    public IReadOnlyList<GoMatch> FindAll(string text)
    {
        var all = new List<GoMatch>();
        foreach (var m in Matches(text, 0, -1))
            all.Add(m);
        return all;
    }

    /// <summary>
    /// The matches starting at or after <paramref name="startAt"/>, as Go's <c>FindAllIndex</c> finds them when its
    /// previous match ended at <paramref name="previousEnd"/> (-1: none): an empty match right after the previous
    /// match is skipped. Text before <paramref name="startAt"/> is context for <c>\b</c> and anchors.
    /// </summary>
    public GoMatchEnumerator Matches(ReadOnlySpan<char> text, int startAt, int previousEnd) =>
        new(_regex.EnumerateMatches(text, startAt), previousEnd);
}
