using System.Text;

namespace Checkpointctl.Core.Analysis.GoRegexp;

/// <summary>Character classes: [...] with POSIX names, Perl escapes (\d \s \w, ASCII only) and Unicode \p{...}.</summary>
internal sealed partial class Parser
{
    private static readonly int[] Digits = ['0', '9'];
    private static readonly int[] Spaces = ['\t', '\n', '\f', '\r', ' ', ' '];
    private static readonly int[] WordChars = ['0', '9', 'A', 'Z', '_', '_', 'a', 'z'];

    private static readonly Dictionary<string, int[]> PosixClasses = new(StringComparer.Ordinal)
    {
        ["alnum"] = ['0', '9', 'A', 'Z', 'a', 'z'],
        ["alpha"] = ['A', 'Z', 'a', 'z'],
        ["ascii"] = [0, 0x7F],
        ["blank"] = ['\t', '\t', ' ', ' '],
        ["cntrl"] = [0, 0x1F, 0x7F, 0x7F],
        ["digit"] = Digits,
        ["graph"] = ['!', '~'],
        ["lower"] = ['a', 'z'],
        ["print"] = [' ', '~'],
        ["punct"] = ['!', '/', ':', '@', '[', '`', '{', '~'],
        ["space"] = ['\t', '\r', ' ', ' '],
        ["upper"] = ['A', 'Z'],
        ["word"] = WordChars,
        ["xdigit"] = ['0', '9', 'A', 'F', 'a', 'f'],
    };

    // [...] at t0; pushes the class and returns what follows.
    private int ParseClass(int t0)
    {
        var t = t0 + 1;
        var re = NewNode(GoRegexp.Op.CharClass);
        re.Flags = _flags;
        var negated = t < End && _s[t] == '^';
        if (negated)
        {
            t++;
            // A class that must not match \n gets it now, so that the negation leaves it out.
            if (!Has(ParseFlags.ClassNL))
                re.Runes.AddRange(['\n', '\n']);
        }
        var first = true; // ']' is a literal first
        while (t == End || _s[t] != ']' || first)
        {
            first = false;
            t = ParseClassItem(t, t0, re.Runes);
        }
        RuneClass.Clean(re.Runes);
        if (negated)
            RuneClass.Negate(re.Runes);
        Push(re);
        return t + 1;
    }

    // One item of a class: [:name:], \p{...}, \d..., a character or a range.
    private int ParseClassItem(int t, int classStart, List<int> runes)
    {
        if (End - t > 2 && _s[t] == '[' && _s[t + 1] == ':')
        {
            var next = ParseNamedClass(t, runes);
            if (next >= 0)
                return next;
        }
        var rest = ParseUnicodeClass(t, runes);
        if (rest >= 0)
            return rest;
        if (ParsePerlClassEscape(t, runes))
            return t + 2;
        var rangeStart = t;
        (var lo, t) = ParseClassChar(t, classStart);
        var hi = lo;
        // [a-] means a or -.
        if (End - t >= 2 && _s[t] == '-' && _s[t + 1] != ']')
        {
            (hi, t) = ParseClassChar(t + 1, classStart);
            if (hi < lo)
                throw Error(ErrorCodes.InvalidCharRange, rangeStart, t);
        }
        if (Has(ParseFlags.FoldCase))
            RuneClass.AppendFoldedRange(runes, lo, hi);
        else
            RuneClass.AppendRange(runes, lo, hi);
        return t;
    }

    private (int Rune, int Next) ParseClassChar(int t, int classStart)
    {
        if (t == End)
            throw Error(ErrorCodes.MissingBracket, classStart, End);
        return _s[t] == '\\' ? ParseEscape(t) : NextRune(t);
    }

    // [:alpha:] or [:^alpha:] at t; -1 if t does not start one.
    private int ParseNamedClass(int t, List<int> runes)
    {
        var close = _s.AsSpan(t + 2).IndexOf(":]"u8);
        if (close < 0)
            return -1;
        var end = t + 2 + close + 2;
        var name = Encoding.UTF8.GetString(_s, t + 2, close);
        var negated = name.StartsWith('^');
        if (!PosixClasses.TryGetValue(negated ? name[1..] : name, out var group))
            throw Error(ErrorCodes.InvalidCharRange, t, end);
        AppendGroup(runes, group, negated);
        return end;
    }

    // \d \D \s \S \w \W at t.
    private bool ParsePerlClassEscape(int t, List<int> runes)
    {
        if (!Has(ParseFlags.PerlX) || End - t < 2 || _s[t] != '\\')
            return false;
        int[]? group = (char)_s[t + 1] switch
        {
            'd' or 'D' => Digits,
            's' or 'S' => Spaces,
            'w' or 'W' => WordChars,
            _ => null,
        };
        if (group == null)
            return false;
        AppendGroup(runes, group, char.IsUpper((char)_s[t + 1]));
        return true;
    }

    private void AppendGroup(List<int> runes, int[] group, bool negated)
    {
        IReadOnlyList<int> items = group;
        if (Has(ParseFlags.FoldCase))
        {
            var folded = new List<int>();
            RuneClass.AppendFoldedClass(folded, group);
            RuneClass.Clean(folded);
            items = folded;
        }
        if (negated)
            RuneClass.AppendNegatedClass(runes, items);
        else
            RuneClass.AppendClass(runes, items);
    }

    // \pL, \p{Greek}, \PL, \p{^Greek} at t; -1 if t does not start one.
    private int ParseUnicodeClass(int t, List<int> runes)
    {
        if (!Has(ParseFlags.UnicodeGroups) || End - t < 2 || _s[t] != '\\' || _s[t + 1] != 'p' && _s[t + 1] != 'P')
            return -1;
        var negated = _s[t + 1] == 'P';
        var (c, rest) = NextRune(t + 2);
        string name;
        if (c != '{')
            name = Encoding.UTF8.GetString(_s, t + 2, rest - t - 2);
        else
        {
            var close = Array.IndexOf(_s, (byte)'}', t);
            if (close < 0)
                throw Error(ErrorCodes.InvalidCharRange, t, End);
            name = Encoding.UTF8.GetString(_s, t + 3, close - t - 3);
            rest = close + 1;
        }
        if (name.StartsWith('^'))
        {
            negated = !negated;
            name = name[1..];
        }
        if (!UnicodeTables.TryLookup(name, out var table, out var fold))
            throw Error(ErrorCodes.InvalidCharRange, t, rest);
        AppendUnicode(runes, table, Has(ParseFlags.FoldCase) ? fold : null, negated);
        return rest;
    }

    private static void AppendUnicode(List<int> runes, UnicodeTable table, UnicodeTable? fold, bool negated)
    {
        if (fold == null)
        {
            if (negated)
                RuneClass.AppendNegatedTable(runes, table);
            else
                RuneClass.AppendTable(runes, table);
            return;
        }
        var merged = new List<int>();
        RuneClass.AppendTable(merged, table);
        RuneClass.AppendTable(merged, fold);
        RuneClass.Clean(merged);
        if (negated)
            RuneClass.AppendNegatedClass(runes, merged);
        else
            RuneClass.AppendClass(runes, merged);
    }
}
