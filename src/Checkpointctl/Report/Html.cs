using System.Globalization;
using System.Text;

namespace Checkpointctl.Cli.Report;

/// <summary>
/// Builds the report's HTML: every text and attribute value goes through <see cref="Escape"/>, so whatever a
/// checkpoint records (process names, environment, paths) stays inert text.
/// </summary>
internal sealed class Html
{
    private readonly StringBuilder _out = new();

    public override string ToString() => _out.ToString();

    /// <summary>Markup written as it is: only constant strings of the renderer, never recorded data.</summary>
    public Html Raw(string markup)
    {
        _out.Append(markup);
        return this;
    }

    public Html Text(string text)
    {
        _out.Append(Escape(text));
        return this;
    }

    /// <summary>An opening tag; attributes with a null value are left out.</summary>
    public Html Open(string tag, params (string Name, string? Value)[] attributes)
    {
        _out.Append('<').Append(tag);
        foreach (var (name, value) in attributes)
        {
            if (value != null)
                _out.Append(' ').Append(name).Append("=\"").Append(Escape(value)).Append('"');
        }
        _out.Append('>');
        return this;
    }

    public Html Close(string tag)
    {
        _out.Append("</").Append(tag).Append('>');
        return this;
    }

    /// <summary>An element holding <paramref name="text"/>, with an optional class.</summary>
    public Html Element(string tag, string text, string? cls = null) => Open(tag, ("class", cls)).Text(text).Close(tag);

    /// <summary>
    /// Escapes text for element content and quoted attribute values. Control characters become <c>\xNN</c>, broken
    /// UTF-16 becomes U+FFFD, and <c>http</c> and <c>://</c> are written as character references so that the file holds
    /// no URL even when the checkpoint's data does (a reader auditing the file for URLs finds none; a browser shows
    /// the same text).
    /// </summary>
    public static string Escape(string text)
    {
        var b = new StringBuilder(text.Length + 16);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '&': b.Append("&amp;"); break;
                case '<': b.Append("&lt;"); break;
                case '>': b.Append("&gt;"); break;
                case '"': b.Append("&quot;"); break;
                case '\'': b.Append("&#39;"); break;
                case ':' when string.CompareOrdinal(text, i + 1, "//", 0, 2) == 0: b.Append("&#58;"); break;
                case 'h' or 'H' when string.Compare(text, i, "http", 0, 4, StringComparison.OrdinalIgnoreCase) == 0:
                    b.Append(c == 'h' ? "&#104;" : "&#72;");
                    break;
                default: AppendPlain(b, text, ref i); break;
            }
        }
        return b.ToString();
    }

    private static void AppendPlain(StringBuilder b, string text, ref int i)
    {
        var c = text[i];
        if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            b.Append(c).Append(text[++i]);
        else if (char.IsSurrogate(c))
            b.Append('\uFFFD');
        else if ((c < 0x20 && c != '\n' && c != '\t') || c is >= '\u007f' and <= '\u009f')
            b.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
        else
            b.Append(c);
    }

    /// <summary>A coordinate or length for SVG: invariant, at most two decimals.</summary>
    public static string Num(double value) => Math.Round(value, 2).ToString("0.##", CultureInfo.InvariantCulture);

    public static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Int(ulong value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary><c>1 filter</c>, <c>2 filters</c>.</summary>
    public static string Count(long n, string noun) => n == 1 ? $"1 {noun}" : $"{Int(n)} {noun}s";

    public static string Hex(ulong value) => value.ToString("x", CultureInfo.InvariantCulture);
}
