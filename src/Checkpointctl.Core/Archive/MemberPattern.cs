namespace Checkpointctl.Core.Archive;

/// <summary>
/// An exact member name or a glob (<c>*</c> and <c>?</c> match within one path segment), e.g.
/// <c>checkpoint/core-*.img</c>. Never a substring match.
/// </summary>
public sealed class MemberPattern : IEquatable<MemberPattern>
{
    /// <summary>The pattern as given.</summary>
    public string Text { get; }
    /// <summary>The pattern has no wildcard: it matches one name.</summary>
    public bool IsExact { get; }

    /// <summary>A member name, or a glob with <c>*</c> and <c>?</c> (not crossing <c>/</c>).</summary>
    public MemberPattern(string text)
    {
        Text = text;
        IsExact = text.IndexOfAny(['*', '?']) < 0;
    }

    /// <summary>A pattern from its text.</summary>
    public static implicit operator MemberPattern(string text) => new(text);

    /// <summary>Whether <paramref name="name"/> matches.</summary>
    public bool Matches(string name) => IsExact ? name == Text : Glob(Text, name);

    // Iterative glob match with single-star backtracking; '*' never crosses '/'.
    private static bool Glob(ReadOnlySpan<char> pattern, ReadOnlySpan<char> name)
    {
        int p = 0, n = 0, starP = -1, starN = 0;
        while (n < name.Length)
        {
            if (p < pattern.Length && (pattern[p] == name[n] && pattern[p] != '*' || pattern[p] == '?' && name[n] != '/'))
            {
                p++;
                n++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                starP = p++;
                starN = n;
            }
            else if (starP >= 0 && name[starN] != '/')
            {
                p = starP + 1;
                n = ++starN;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == '*')
            p++;
        return p == pattern.Length;
    }

    /// <inheritdoc/>
    public bool Equals(MemberPattern? other) => other is not null && other.Text == Text;
    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as MemberPattern);
    /// <inheritdoc/>
    public override int GetHashCode() => Text.GetHashCode(StringComparison.Ordinal);
    /// <inheritdoc/>
    public override string ToString() => Text;
}
