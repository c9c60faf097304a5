namespace Checkpointctl.Core.Analysis.GoRegexp;

/// <summary>
/// A regular expression in Go's syntax (RE2, as Go's <c>regexp.Compile</c> reads it) with Go's match semantics.
/// Go's parser is reproduced (same accepted patterns, same error texts, same limits) and so is its matcher, a Pike
/// VM over the same program: leftmost-first matches found in time linear in the text, <c>FindAllIndex</c>'s
/// treatment of empty matches, Go's ASCII \b. The text is UTF-16; offsets are in UTF-16 code units.
/// </summary>
public sealed class GoRegex
{
    private readonly Program _program;
    private PikeVm? _idleVm;

    private GoRegex(string pattern, Program program)
    {
        Pattern = pattern;
        _program = program;
    }

    /// <summary>The pattern as given.</summary>
    public string Pattern { get; }

    /// <summary>Compiles a Go pattern; throws <see cref="GoRegexSyntaxException"/> with Go's message for one Go rejects.</summary>
    public static GoRegex Compile(string pattern) => new(pattern, Compiler.Compile(Parser.Parse(pattern)));

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
    /// match is skipped. Text before <paramref name="startAt"/> is context for \b and anchors.
    /// </summary>
    public GoMatchEnumerator Matches(ReadOnlySpan<char> text, int startAt, int previousEnd) =>
        new(this, text, startAt, previousEnd);

    // One matcher is kept for reuse; concurrent searches get their own.
    internal PikeVm RentVm() => Interlocked.Exchange(ref _idleVm, null) ?? new PikeVm(_program);

    internal void ReturnVm(PikeVm vm) => _idleVm = vm;
}
