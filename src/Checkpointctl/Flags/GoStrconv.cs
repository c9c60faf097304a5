using System.Globalization;
using System.Text;

namespace Checkpointctl.Cli.Flags;

/// <summary>
/// Go's <c>strconv</c> number and bool parsing with its error texts, so flag values are read as pflag reads them:
/// base 0 (<c>0x1f</c>, <c>0o17</c>, <c>0b101</c>, <c>017</c>, <c>1_000</c>), no sign for unsigned values.
/// </summary>
internal static class GoStrconv
{
    /// <summary><c>strconv.ParseUint(s, 0, bits)</c>; null and an error text when it fails.</summary>
    public static ulong? ParseUint(string s, int bits, out string? error) => ParseUnsigned(s, s, "ParseUint", bits, out error);

    /// <summary><c>strconv.ParseInt(s, 0, bits)</c>; null and an error text when it fails.</summary>
    public static long? ParseInt(string s, int bits, out string? error)
    {
        var negative = s.StartsWith('-');
        var digits = s.StartsWith('-') || s.StartsWith('+') ? s[1..] : s;
        if (ParseUnsigned(digits, s, "ParseInt", 64, out error) is not { } magnitude)
            return null;
        var cutoff = 1UL << (bits - 1);
        if (negative ? magnitude > cutoff : magnitude >= cutoff)
        {
            error = RangeError("ParseInt", s);
            return null;
        }
        return negative ? (long)(0 - magnitude) : (long)magnitude;
    }

    /// <summary><c>strconv.ParseBool</c>.</summary>
    public static bool? ParseBool(string s, out string? error)
    {
        error = null;
        switch (s)
        {
            case "1" or "t" or "T" or "true" or "TRUE" or "True":
                return true;
            case "0" or "f" or "F" or "false" or "FALSE" or "False":
                return false;
            default:
                error = SyntaxError("ParseBool", s);
                return null;
        }
    }

    /// <summary><c>strconv.Quote</c>: a double-quoted Go string literal.</summary>
    public static string Quote(string s)
    {
        var builder = new StringBuilder("\"");
        foreach (var rune in s.EnumerateRunes())
            builder.Append(QuoteRune(rune));
        return builder.Append('"').ToString();
    }

    private static ulong? ParseUnsigned(string s, string original, string function, int bits, out string? error)
    {
        error = null;
        var (digits, radix) = SplitPrefix(s);
        if (digits.Length == 0 || (digits.Contains('_') && !UnderscoresOk(s)))
        {
            error = SyntaxError(function, original);
            return null;
        }
        var max = bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;
        ulong value = 0;
        foreach (var c in digits)
        {
            if (c == '_')
                continue;
            var digit = DigitValue(c);
            if (digit >= radix)
            {
                error = SyntaxError(function, original);
                return null;
            }
            if (value > (max - (ulong)digit) / (ulong)radix)
            {
                error = RangeError(function, original);
                return null;
            }
            value = value * (ulong)radix + (ulong)digit;
        }
        return value;
    }

    private static (string Digits, int Radix) SplitPrefix(string s)
    {
        if (s.Length >= 2 && s[0] == '0')
        {
            switch (char.ToLowerInvariant(s[1]))
            {
                case 'x':
                    return (s[2..], 16);
                case 'o':
                    return (s[2..], 8);
                case 'b':
                    return (s[2..], 2);
                default:
                    return (s[1..], 8);
            }
        }
        return (s, 10);
    }

    // Go's underscoreOK: underscores only between digits (or right after a base prefix), never first or last.
    private static bool UnderscoresOk(string s)
    {
        var saw = '^';
        var i = 0;
        if (s.Length >= 1 && (s[0] == '-' || s[0] == '+'))
            s = s[1..];
        var hex = false;
        if (s.Length >= 2 && s[0] == '0' && char.ToLowerInvariant(s[1]) is 'b' or 'o' or 'x')
        {
            hex = char.ToLowerInvariant(s[1]) == 'x';
            i = 2;
            saw = '0';
        }
        for (; i < s.Length; i++)
        {
            var c = s[i];
            if (char.IsAsciiDigit(c) || (hex && char.IsAsciiHexDigit(c)))
            {
                saw = '0';
                continue;
            }
            if (c == '_')
            {
                if (saw != '0')
                    return false;
                saw = '_';
                continue;
            }
            if (saw == '_')
                return false;
            saw = '!';
        }
        return saw != '_';
    }

    private static int DigitValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'z' => c - 'a' + 10,
        >= 'A' and <= 'Z' => c - 'A' + 10,
        _ => int.MaxValue,
    };

    private static string SyntaxError(string function, string s) => $"strconv.{function}: parsing {Quote(s)}: invalid syntax";

    private static string RangeError(string function, string s) => $"strconv.{function}: parsing {Quote(s)}: value out of range";

    private static string QuoteRune(Rune rune) => rune.Value switch
    {
        '"' => "\\\"",
        '\\' => "\\\\",
        '\a' => "\\a",
        '\b' => "\\b",
        '\f' => "\\f",
        '\n' => "\\n",
        '\r' => "\\r",
        '\t' => "\\t",
        '\v' => "\\v",
        _ when Rune.IsControl(rune) || Rune.GetUnicodeCategory(rune) is UnicodeCategory.Format or UnicodeCategory.Surrogate
            or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator
            or UnicodeCategory.ParagraphSeparator || (Rune.IsWhiteSpace(rune) && rune.Value != ' ')
            => rune.Value < 0x80 ? $"\\x{rune.Value:x2}" : rune.Value <= 0xFFFF ? $"\\u{rune.Value:x4}" : $"\\U{rune.Value:x8}",
        _ => rune.ToString(),
    };
}
