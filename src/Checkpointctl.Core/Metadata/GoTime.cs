using System.Globalization;

namespace Checkpointctl.Core.Metadata;

/// <summary>Go's <c>time.Time</c> as written to JSON (RFC 3339 with optional fraction) and printed back as upstream does.</summary>
public readonly record struct GoTime(DateTimeOffset Value)
{
    /// <summary>Go's zero time, <c>0001-01-01T00:00:00Z</c>.</summary>
    public static readonly GoTime Zero = new(new DateTimeOffset(1, 1, 1, 0, 0, 0, TimeSpan.Zero));

    /// <summary>Go's zero time (not recorded).</summary>
    public bool IsZero => Value == Zero.Value && Value.Offset == TimeSpan.Zero;

    /// <summary>Parses a JSON time value; null or absent gives the zero time.</summary>
    /// <exception cref="FormatException">Not RFC 3339 (message in Go's words).</exception>
    public static GoTime Parse(string? text)
    {
        if (text == null)
            return Zero;
        if (DateTimeOffset.TryParseExact(text, ["yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mm:ssK"],
                CultureInfo.InvariantCulture, DateTimeStyles.None, out var value) && (text.EndsWith('Z') || HasOffset(text)))
            return new GoTime(value);
        // Go accepts up to 9 fraction digits; .NET only 7: truncate the extra ones.
        var frac = text.IndexOf('.');
        if (frac > 0)
        {
            var end = frac + 1;
            while (end < text.Length && char.IsAsciiDigit(text[end]))
                end++;
            if (end - frac - 1 > 7 && end - frac - 1 <= 9)
                return Parse(text[..(frac + 8)] + text[end..]);
        }
        throw new FormatException($"parsing time \"{text}\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"{text}\" as RFC 3339");
    }

    private static bool HasOffset(string text) =>
        text.Length > 6 && (text[^6] == '+' || text[^6] == '-') && text[^3] == ':';

    /// <summary>Go's <c>time.RFC3339</c> layout: seconds, <c>Z</c> for UTC, otherwise the original offset.</summary>
    public string ToRfc3339() =>
        Value.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + FormatOffset(Value.Offset, colon: true);

    /// <summary>Go's <c>time.RFC822</c> layout <c>02 Jan 06 15:04 MST</c>; zones without an abbreviation show as <c>+0530</c>.</summary>
    public string ToRfc822() =>
        Value.ToString("dd MMM yy HH:mm ", CultureInfo.InvariantCulture) + (Value.Offset == TimeSpan.Zero ? "UTC" : FormatOffset(Value.Offset, colon: false));

    private static string FormatOffset(TimeSpan offset, bool colon)
    {
        if (offset == TimeSpan.Zero && colon)
            return "Z";
        var sign = offset < TimeSpan.Zero ? '-' : '+';
        var abs = offset.Duration();
        return colon ? $"{sign}{abs.Hours:00}:{abs.Minutes:00}" : $"{sign}{abs.Hours:00}{abs.Minutes:00}";
    }
}
