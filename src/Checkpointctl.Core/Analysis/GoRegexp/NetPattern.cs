using System.Globalization;
using System.Text;

namespace Checkpointctl.Core.Analysis.GoRegexp;

/// <summary>
/// Writes a Go parse tree as a .NET pattern that matches the same strings with the same leftmost-first priorities,
/// for <see cref="System.Text.RegularExpressions.RegexOptions.NonBacktracking"/> (no lookarounds, no backreferences).
/// Nothing is left to .NET's reading of a construct where Go's differs: classes are spelled out range by range
/// (case folding included, so no IgnoreCase), $ is \z, (?m) anchors are explicit, groups do not capture, and loops
/// whose body can match empty are written out as Go runs them (NetPattern.EmptyPaths.cs). Code points above U+FFFF
/// match as surrogate pairs; lone surrogates match nothing. \b and \B are .NET's, whose word characters equal Go's
/// [0-9A-Za-z_] in ASCII (outside it they also count other letters and digits).
/// </summary>
internal sealed partial class NetPattern
{
    private const int SurrogateLo = 0xD800, SurrogateHi = 0xDFFF;
    private const string Nothing = "[^\\u0000-\\uFFFF]";

    private readonly Dictionary<Node, string> _written = new(ReferenceEqualityComparer.Instance);
    private readonly bool _exactLoops;
    private long _budget = 1 << 20;

    private NetPattern(bool exactLoops) => _exactLoops = exactLoops;

    /// <summary>The .NET pattern, loops over empty-matching bodies written out as Go runs them.</summary>
    public static string From(Node re) => TryFrom(re, exactLoops: true) ?? Plain(re);

    /// <summary>The .NET pattern with .NET's own loops (differs from Go only for loops over empty-matching bodies).</summary>
    public static string Plain(Node re) => TryFrom(re, exactLoops: false)!;

    private static string? TryFrom(Node re, bool exactLoops)
    {
        try
        {
            return new NetPattern(exactLoops).Write(re);
        }
        catch (BudgetExceededException) when (exactLoops)
        {
            return null;
        }
    }

    private string Write(Node re)
    {
        if (!_written.TryGetValue(re, out var text))
        {
            text = WriteNode(re);
            if (_exactLoops)
                Spend(text.Length);
            _written[re] = text;
        }
        return text;
    }

    private string WriteNode(Node re) => re.Op switch
    {
        Op.NoMatch => Nothing,
        Op.EmptyMatch => "(?:)",
        Op.Literal => string.Concat(re.Runes.Select(r => Set(FoldSet(r, re.Flags)))),
        Op.CharClass => Set(re.Runes),
        Op.AnyCharNotNL => Set([0, '\n' - 1, '\n' + 1, RuneClass.MaxRune]),
        Op.AnyChar => Set([0, RuneClass.MaxRune]),
        Op.BeginLine => "(?m:^)",
        Op.EndLine => "(?m:$)",
        Op.BeginText => "\\A",
        Op.EndText => "\\z",
        Op.WordBoundary => "\\b",
        Op.NoWordBoundary => "\\B",
        Op.Capture => Group(re.Subs[0]),
        Op.Star or Op.Plus or Op.Quest or Op.Repeat when _exactLoops && CanBeEmpty(re.Subs[0]) => Alternation(Paths(re)),
        Op.Star or Op.Plus or Op.Quest or Op.Repeat => Group(re.Subs[0]) + Quantifier(re),
        Op.Concat => string.Concat(re.Subs.Select(Write)),
        Op.Alternate => "(?:" + string.Join('|', re.Subs.Select(Write)) + ")",
        _ => throw new InvalidOperationException($"unexpected regexp node {re.Op}"),
    };

    private string Group(Node re) => "(?:" + Write(re) + ")";

    private static string Quantifier(Node re)
    {
        var q = re.Op switch
        {
            Op.Star => "*",
            Op.Plus => "+",
            Op.Quest => "?",
            _ when re.Max == re.Min => string.Create(CultureInfo.InvariantCulture, $"{{{re.Min}}}"),
            _ when re.Max == -1 => string.Create(CultureInfo.InvariantCulture, $"{{{re.Min},}}"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{{{re.Min},{re.Max}}}"),
        };
        return IsLazy(re) ? q + "?" : q;
    }

    private static bool IsLazy(Node re) => (re.Flags & ParseFlags.NonGreedy) != 0;

    // Writing loops out can multiply the pattern's size; past a budget, .NET's loops are used instead.
    private void Spend(long chars)
    {
        _budget -= chars;
        if (_budget < 0)
            throw new BudgetExceededException();
    }

    private sealed class BudgetExceededException : Exception;

    // A literal rune, with its case variants when it folds.
    private static List<int> FoldSet(int r, ParseFlags flags)
    {
        var set = new List<int>();
        if ((flags & ParseFlags.FoldCase) != 0)
            RuneClass.AppendFoldedRange(set, r, r);
        else
            RuneClass.AppendRange(set, r, r);
        RuneClass.Clean(set);
        return set;
    }

    // One code point of the set: a class of its BMP part and, for the rest, surrogate pairs.
    private static string Set(List<int> ranges)
    {
        var bmp = new StringBuilder();
        var pairs = new List<string>();
        for (var i = 0; i < ranges.Count; i += 2)
        {
            int lo = ranges[i], hi = ranges[i + 1];
            AddBmp(bmp, lo, Math.Min(hi, SurrogateLo - 1));
            AddBmp(bmp, Math.Max(lo, SurrogateHi + 1), Math.Min(hi, 0xFFFF));
            AddSupplementary(pairs, Math.Max(lo, 0x10000), hi);
        }
        if (bmp.Length > 0)
            pairs.Insert(0, $"[{bmp}]");
        return pairs.Count switch
        {
            0 => Nothing,
            1 => pairs[0],
            _ => "(?:" + string.Join('|', pairs) + ")",
        };
    }

    private static void AddBmp(StringBuilder bmp, int lo, int hi)
    {
        if (lo > hi)
            return;
        bmp.Append(Escape(lo));
        if (hi > lo)
            bmp.Append('-').Append(Escape(hi));
    }

    // lo-hi above U+FFFF as UTF-16: high surrogate then low surrogate ranges.
    private static void AddSupplementary(List<string> pairs, int lo, int hi)
    {
        if (lo > hi)
            return;
        int loHigh = High(lo), hiHigh = High(hi);
        if (loHigh == hiHigh)
        {
            pairs.Add(Pair(loHigh, loHigh, Low(lo), Low(hi)));
            return;
        }
        pairs.Add(Pair(loHigh, loHigh, Low(lo), 0xDFFF));
        if (hiHigh - loHigh > 1)
            pairs.Add(Pair(loHigh + 1, hiHigh - 1, 0xDC00, 0xDFFF));
        pairs.Add(Pair(hiHigh, hiHigh, 0xDC00, Low(hi)));
    }

    private static string Pair(int highLo, int highHi, int lowLo, int lowHi) =>
        $"[{Escape(highLo)}-{Escape(highHi)}][{Escape(lowLo)}-{Escape(lowHi)}]";

    private static int High(int r) => 0xD800 + ((r - 0x10000) >> 10);

    private static int Low(int r) => 0xDC00 + ((r - 0x10000) & 0x3FF);

    private static string Escape(int c) => char.IsAsciiLetterOrDigit((char)c)
        ? ((char)c).ToString()
        : string.Create(CultureInfo.InvariantCulture, $"\\u{c:X4}");
}
