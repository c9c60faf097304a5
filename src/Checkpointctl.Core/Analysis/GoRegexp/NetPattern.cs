using System.Globalization;
using System.Text;

namespace Checkpointctl.Core.Analysis.GoRegexp;

/// <summary>
/// Writes a Go parse tree as a .NET pattern that matches the same strings with the same leftmost-first priorities,
/// for <see cref="System.Text.RegularExpressions.RegexOptions.NonBacktracking"/> (no lookarounds, no backreferences).
/// Nothing is left to .NET's reading of a construct where Go's differs: classes are spelled out range by range
/// (case folding included, so no IgnoreCase), $ is \z, (?m) anchors are explicit, groups do not capture.
/// Code points above U+FFFF match as surrogate pairs; lone surrogates match nothing. \b and \B are .NET's, whose
/// word characters equal Go's [0-9A-Za-z_] in ASCII (they also count other letters and digits).
/// </summary>
internal static class NetPattern
{
    private const int SurrogateLo = 0xD800, SurrogateHi = 0xDFFF;

    public static string From(Node re)
    {
        var sb = new StringBuilder();
        Write(re, sb);
        return sb.ToString();
    }

    private static void Write(Node re, StringBuilder sb)
    {
        switch (re.Op)
        {
            case Op.NoMatch:
                sb.Append("[^\\u0000-\\uFFFF]");
                break;
            case Op.EmptyMatch:
                sb.Append("(?:)");
                break;
            case Op.Literal:
                foreach (var r in re.Runes)
                    WriteSet(FoldSet(r, re.Flags), sb);
                break;
            case Op.CharClass:
                WriteSet(re.Runes, sb);
                break;
            case Op.AnyCharNotNL:
                WriteSet([0, '\n' - 1, '\n' + 1, RuneClass.MaxRune], sb);
                break;
            case Op.AnyChar:
                WriteSet([0, RuneClass.MaxRune], sb);
                break;
            case Op.BeginLine:
                sb.Append("(?m:^)");
                break;
            case Op.EndLine:
                sb.Append("(?m:$)");
                break;
            case Op.BeginText:
                sb.Append("\\A");
                break;
            case Op.EndText:
                sb.Append("\\z");
                break;
            case Op.WordBoundary:
                sb.Append("\\b");
                break;
            case Op.NoWordBoundary:
                sb.Append("\\B");
                break;
            case Op.Capture:
                Group(re.Subs[0], sb);
                break;
            case Op.Star or Op.Plus or Op.Quest or Op.Repeat:
                WriteRepeat(re, sb);
                break;
            case Op.Concat:
                foreach (var sub in re.Subs)
                    Write(sub, sb);
                break;
            case Op.Alternate:
                sb.Append("(?:");
                for (var i = 0; i < re.Subs.Count; i++)
                {
                    if (i > 0)
                        sb.Append('|');
                    Write(re.Subs[i], sb);
                }
                sb.Append(')');
                break;
            default:
                throw new InvalidOperationException($"unexpected regexp node {re.Op}");
        }
    }

    private static void Group(Node re, StringBuilder sb)
    {
        sb.Append("(?:");
        Write(re, sb);
        sb.Append(')');
    }

    private static void WriteRepeat(Node re, StringBuilder sb)
    {
        Group(re.Subs[0], sb);
        sb.Append(re.Op switch
        {
            Op.Star => "*",
            Op.Plus => "+",
            Op.Quest => "?",
            _ when re.Max == re.Min => string.Create(CultureInfo.InvariantCulture, $"{{{re.Min}}}"),
            _ when re.Max == -1 => string.Create(CultureInfo.InvariantCulture, $"{{{re.Min},}}"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{{{re.Min},{re.Max}}}"),
        });
        if ((re.Flags & ParseFlags.NonGreedy) != 0)
            sb.Append('?');
    }

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
    private static void WriteSet(List<int> ranges, StringBuilder sb)
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
        if (pairs.Count == 0)
            sb.Append("[^\\u0000-\\uFFFF]");
        else if (pairs.Count == 1)
            sb.Append(pairs[0]);
        else
            sb.Append("(?:").AppendJoin('|', pairs).Append(')');
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
