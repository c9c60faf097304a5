namespace Checkpointctl.Core.Archive;

/// <summary>Normalisation and safety checks for archive member names.</summary>
public static class MemberName
{
    /// <summary>Maximum length of a member name; longer names are rejected as hostile.</summary>
    public const int MaxLength = 4096;

    /// <summary>
    /// Normalises a tar member name: drops leading <c>./</c> and trailing <c>/</c>.
    /// Returns null for names that could escape a directory (absolute, <c>..</c> segments, NUL) or are empty.
    /// </summary>
    public static string? Normalize(string raw)
    {
        if (raw.Length == 0 || raw.Length > MaxLength || raw.Contains('\0') || raw.Contains('\\'))
            return null;
        var name = raw;
        while (name.StartsWith("./", StringComparison.Ordinal))
            name = name[2..];
        name = name.TrimEnd('/');
        if (name.Length == 0 || name == ".")
            return "";
        if (name.StartsWith('/'))
            return null;
        foreach (var segment in name.Split('/'))
        {
            if (segment == "..")
                return null;
        }
        return name.Replace("//", "/", StringComparison.Ordinal);
    }
}
