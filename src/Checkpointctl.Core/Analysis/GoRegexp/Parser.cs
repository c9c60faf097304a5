using System.Text;

namespace Checkpointctl.Core.Analysis.GoRegexp;

/// <summary>
/// Go's regexp/syntax parser (Perl flags, as <c>regexp.Compile</c> uses it), rebuilt from its documented grammar and
/// behaviour: it accepts and rejects exactly what Go does, with Go's error texts, and produces Go's parse tree.
/// Like Go it works on the UTF-8 bytes of the pattern, so the quoted parts of errors are Go's.
/// </summary>
internal sealed partial class Parser
{
    private const int MaxRepeat = 1000;

    private readonly byte[] _s;
    private readonly List<Node> _stack = [];
    private ParseFlags _flags = ParseFlags.Perl;
    private int _numCap;

    private Parser(byte[] pattern) => _s = pattern;

    /// <summary>Parses <paramref name="pattern"/> as <c>regexp.Compile</c> does; throws Go's error otherwise.</summary>
    public static Node Parse(string pattern) => new Parser(Encoding.UTF8.GetBytes(pattern)).Run();

    private int End => _s.Length;

    private Node Run()
    {
        var t = 0;
        var lastRepeat = -1;
        while (t < End)
        {
            var repeat = -1;
            switch (_s[t])
            {
                case (byte)'(':
                    t = OpenParen(t);
                    break;
                case (byte)'|':
                    ParseVerticalBar();
                    t++;
                    break;
                case (byte)')':
                    ParseRightParen();
                    t++;
                    break;
                case (byte)'^':
                    Op(Has(ParseFlags.OneLine) ? GoRegexp.Op.BeginText : GoRegexp.Op.BeginLine);
                    t++;
                    break;
                case (byte)'$':
                    if (Has(ParseFlags.OneLine))
                        Op(GoRegexp.Op.EndText).Flags |= ParseFlags.WasDollar;
                    else
                        Op(GoRegexp.Op.EndLine);
                    t++;
                    break;
                case (byte)'.':
                    Op(Has(ParseFlags.DotNL) ? GoRegexp.Op.AnyChar : GoRegexp.Op.AnyCharNotNL);
                    t++;
                    break;
                case (byte)'[':
                    t = ParseClass(t);
                    break;
                case (byte)'*' or (byte)'+' or (byte)'?':
                    repeat = t;
                    t = Repeat(_s[t] switch { (byte)'*' => GoRegexp.Op.Star, (byte)'+' => GoRegexp.Op.Plus, _ => GoRegexp.Op.Quest }, 0, 0, t, t + 1, lastRepeat);
                    break;
                case (byte)'{':
                    (t, repeat) = Brace(t, lastRepeat);
                    break;
                case (byte)'\\':
                    t = Backslash(t);
                    break;
                default:
                    (var c, t) = NextRune(t);
                    Literal(c);
                    break;
            }
            lastRepeat = repeat;
        }
        Concat();
        if (SwapVerticalBar())
            _stack.RemoveAt(_stack.Count - 1);
        Alternate();
        if (_stack.Count != 1)
            throw Error(ErrorCodes.MissingParen, 0, End);
        return _stack[0];
    }

    private bool Has(ParseFlags flag) => (_flags & flag) != 0;

    private int OpenParen(int t)
    {
        if (Has(ParseFlags.PerlX) && t + 1 < End && _s[t + 1] == '?')
            return ParsePerlFlags(t);
        Op(GoRegexp.Op.LeftParen).Cap = ++_numCap;
        return t + 1;
    }

    // {n}, {n,} or {n,m} repeats the previous item; anything else makes '{' a literal.
    private (int Next, int Repeat) Brace(int t, int lastRepeat)
    {
        if (!ParseRepeat(t, out var min, out var max, out var after))
        {
            Literal('{');
            return (t + 1, -1);
        }
        if (min < 0 || min > MaxRepeat || max > MaxRepeat || max >= 0 && min > max)
            throw Error(ErrorCodes.InvalidRepeatSize, t, after);
        return (Repeat(GoRegexp.Op.Repeat, min, max, t, after, lastRepeat), t);
    }

    // Replaces the top of the stack with itself repeated; 'before' is where the operator starts, 'after' past it.
    private int Repeat(Op op, int min, int max, int before, int after, int lastRepeat)
    {
        var flags = _flags;
        if (Has(ParseFlags.PerlX))
        {
            if (after < End && _s[after] == '?')
            {
                after++;
                flags ^= ParseFlags.NonGreedy;
            }
            // Perl does not stack repetition operators: a** is an error, a++ is possessive (unsupported).
            if (lastRepeat >= 0)
                throw Error(ErrorCodes.InvalidRepeatOp, lastRepeat, after);
        }
        if (_stack.Count == 0 || _stack[^1].Op >= GoRegexp.Op.LeftParen)
            throw Error(ErrorCodes.MissingRepeatArgument, before, after);
        var re = NewNode(op);
        re.Min = min;
        re.Max = max;
        re.Flags = flags;
        re.Subs = [_stack[^1]];
        _stack[^1] = re;
        CheckLimits(re);
        if (op == GoRegexp.Op.Repeat && (min >= 2 || max >= 2) && !RepeatIsValid(re, MaxRepeat))
            throw Error(ErrorCodes.InvalidRepeatSize, before, after);
        return after;
    }

    // Parses {min}, {min,} (max -1) or {min,max} at t; min is -1 when a number is too big.
    private bool ParseRepeat(int t, out int min, out int max, out int rest)
    {
        min = max = rest = 0;
        t++;
        if (!ParseInt(ref t, out min) || t == End)
            return false;
        if (_s[t] != ',')
            max = min;
        else
        {
            t++;
            if (t == End)
                return false;
            if (_s[t] == '}')
                max = -1;
            else if (!ParseInt(ref t, out max))
                return false;
            else if (max < 0)
                min = -1;
        }
        if (t == End || _s[t] != '}')
            return false;
        rest = t + 1;
        return true;
    }

    // A decimal number at t without leading zeros; -1 if too big.
    private bool ParseInt(ref int t, out int n)
    {
        n = 0;
        if (t == End || !IsDigit(_s[t]) || t + 1 < End && _s[t] == '0' && IsDigit(_s[t + 1]))
            return false;
        var start = t;
        while (t < End && IsDigit(_s[t]))
            t++;
        for (var i = start; i < t; i++)
        {
            if (n >= 100_000_000)
            {
                n = -1;
                break;
            }
            n = n * 10 + _s[i] - '0';
        }
        return true;
    }

    private int Backslash(int t)
    {
        if (Has(ParseFlags.PerlX) && t + 1 < End)
        {
            switch (_s[t + 1])
            {
                case (byte)'A':
                    Op(GoRegexp.Op.BeginText);
                    return t + 2;
                case (byte)'b':
                    Op(GoRegexp.Op.WordBoundary);
                    return t + 2;
                case (byte)'B':
                    Op(GoRegexp.Op.NoWordBoundary);
                    return t + 2;
                case (byte)'C':
                    throw Error(ErrorCodes.InvalidEscape, t, t + 2);
                case (byte)'Q':
                    return Quoted(t + 2);
                case (byte)'z':
                    Op(GoRegexp.Op.EndText);
                    return t + 2;
            }
        }
        var re = NewNode(GoRegexp.Op.CharClass);
        re.Flags = _flags;
        if (t + 1 < End && (_s[t + 1] == 'p' || _s[t + 1] == 'P'))
        {
            var rest = ParseUnicodeClass(t, re.Runes);
            if (rest >= 0)
            {
                Push(re);
                return rest;
            }
        }
        if (ParsePerlClassEscape(t, re.Runes))
        {
            Push(re);
            return t + 2;
        }
        Reuse(re);
        (var c, t) = ParseEscape(t);
        Literal(c);
        return t;
    }

    // \Q...\E: everything up to \E (or the end) is literal.
    private int Quoted(int t)
    {
        var end = _s.AsSpan(t).IndexOf("\\E"u8);
        var stop = end < 0 ? End : t + end;
        while (t < stop)
        {
            (var c, t) = NextRune(t);
            Literal(c);
        }
        return end < 0 ? End : stop + 2;
    }

    // (?flags), (?flags:...), (?P<name>...) or (?<name>...) at t.
    private int ParsePerlFlags(int t0)
    {
        var length = End - t0;
        var startsWithP = length > 4 && _s[t0 + 2] == 'P' && _s[t0 + 3] == '<';
        var startsWithName = length > 3 && _s[t0 + 2] == '<';
        if (startsWithP || startsWithName)
            return NamedCapture(t0, startsWithP ? 4 : 3);

        var t = t0 + 2;
        var flags = (int)_flags;
        var sign = 1;
        var sawFlag = false;
        while (t < End)
        {
            (var c, t) = NextRune(t);
            switch (c)
            {
                case 'i':
                    flags |= (int)ParseFlags.FoldCase;
                    sawFlag = true;
                    continue;
                case 'm':
                    flags &= ~(int)ParseFlags.OneLine;
                    sawFlag = true;
                    continue;
                case 's':
                    flags |= (int)ParseFlags.DotNL;
                    sawFlag = true;
                    continue;
                case 'U':
                    flags |= (int)ParseFlags.NonGreedy;
                    sawFlag = true;
                    continue;
                case '-' when sign > 0:
                    // Invert so that the sets above clear flags; inverted back at the end.
                    sign = -1;
                    flags = ~flags;
                    sawFlag = false;
                    continue;
                case ':' or ')' when sign > 0 || sawFlag:
                    if (sign < 0)
                        flags = ~flags;
                    if (c == ':')
                        Op(GoRegexp.Op.LeftParen);
                    _flags = (ParseFlags)flags;
                    return t;
            }
            break;
        }
        throw Error(ErrorCodes.InvalidPerlOp, t0, t);
    }

    private int NamedCapture(int t0, int nameStart)
    {
        var end = Array.IndexOf(_s, (byte)'>', t0);
        if (end < 0)
            throw Error(ErrorCodes.InvalidNamedCapture, t0, End);
        var name = _s.AsSpan(t0 + nameStart, end - t0 - nameStart);
        if (name.IsEmpty || name.IndexOfAnyExcept(CaptureNameBytes) >= 0)
            throw Error(ErrorCodes.InvalidNamedCapture, t0, end + 1);
        Op(GoRegexp.Op.LeftParen).Cap = ++_numCap;
        return end + 1;
    }

    private static readonly System.Buffers.SearchValues<byte> CaptureNameBytes =
        System.Buffers.SearchValues.Create("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"u8);

    // An escape that stands for one rune, at t (the backslash).
    private (int Rune, int Next) ParseEscape(int t)
    {
        var u = t + 1;
        if (u == End)
            throw Error(ErrorCodes.TrailingBackslash, u, u);
        (var c, u) = NextRune(u);
        int? rune = c switch
        {
            >= '1' and <= '7' when u < End && IsOctal(_s[u]) => Octal(c, ref u),
            '0' => Octal(c, ref u),
            'x' => Hex(ref u),
            'a' => '\a',
            'f' => '\f',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'v' => '\v',
            // Escaped punctuation is itself; a single digit 1-9 would be a backreference, not supported.
            < 0x80 when !IsAlnum(c) => c,
            _ => null,
        };
        return rune is { } r ? (r, u) : throw Error(ErrorCodes.InvalidEscape, t, u);
    }

    // Up to three octal digits, the first already read.
    private int Octal(int first, ref int u)
    {
        var r = first - '0';
        for (var i = 1; i < 3 && u < End && IsOctal(_s[u]); i++)
            r = r * 8 + _s[u++] - '0';
        return r;
    }

    // \xHH or \x{H...}, after the x; null if malformed (u then ends the quoted error text).
    private int? Hex(ref int u)
    {
        if (u == End)
            return null;
        (var c, u) = NextRune(u);
        if (c != '{')
        {
            var x = Unhex(c);
            (c, u) = NextRune(u);
            var y = Unhex(c);
            return x < 0 || y < 0 ? null : x * 16 + y;
        }
        var r = 0;
        var digits = 0;
        while (true)
        {
            if (u == End)
                return null;
            (c, u) = NextRune(u);
            if (c == '}')
                return digits == 0 ? null : r;
            var v = Unhex(c);
            if (v < 0)
                return null;
            r = r * 16 + v;
            if (r > RuneClass.MaxRune)
                return null;
            digits++;
        }
    }

    // The rune at t (U+FFFD without moving at the end, as Go's decoder).
    private (int Rune, int Next) NextRune(int t)
    {
        if (t >= End)
            return (0xFFFD, t);
        var status = Rune.DecodeFromUtf8(_s.AsSpan(t), out var rune, out var size);
        if (status != System.Buffers.OperationStatus.Done)
            throw Error(ErrorCodes.InvalidUtf8, t, End);
        return (rune.Value, t + size);
    }

    private GoRegexSyntaxException Error(string code, int start, int end) =>
        new(code, Encoding.UTF8.GetString(_s, start, end - start));

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';

    private static bool IsOctal(byte b) => b is >= (byte)'0' and <= (byte)'7';

    private static bool IsAlnum(int c) => c is >= '0' and <= '9' or >= 'A' and <= 'Z' or >= 'a' and <= 'z';

    private static int Unhex(int c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };
}
