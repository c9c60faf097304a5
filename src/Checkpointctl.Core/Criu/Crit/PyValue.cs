using System.Globalization;
using System.Numerics;
using System.Text;

namespace Checkpointctl.Core.Criu.Crit;

/// <summary>
/// A value as crit builds it in Python before <c>json.dump</c>: dicts keep insertion order, integers are exact.
/// <see cref="ToJson"/> writes it as <c>json.dump(v, indent=4)</c> does (forensics.md §4.1).
/// </summary>
public abstract class PyValue
{
    /// <summary>A Python str.</summary>
    public static PyValue Of(string s) => new PyString(s);
    /// <summary>A Python int.</summary>
    public static PyValue Of(BigInteger n) => new PyInt(n);
    /// <summary>A Python bool.</summary>
    public static PyValue Of(bool b) => new PyBool(b);

    /// <summary>Python's <c>json.dump(value, f, indent=4)</c> text, without the trailing newline.</summary>
    public string ToJson()
    {
        var text = new StringBuilder();
        Write(text, 0);
        return text.ToString();
    }

    internal abstract void Write(StringBuilder text, int depth);

    internal static void Indent(StringBuilder text, int depth) => text.Append('\n').Append(' ', 4 * depth);
}

/// <summary>A Python dict: keys in insertion order.</summary>
public sealed class PyDict : PyValue
{
    /// <summary>The entries in insertion order.</summary>
    public List<KeyValuePair<string, PyValue>> Items { get; } = [];

    /// <summary>Adds an entry at the end.</summary>
    public void Add(string key, PyValue value) => Items.Add(new(key, value));

    internal override void Write(StringBuilder text, int depth)
    {
        if (Items.Count == 0)
        {
            text.Append("{}");
            return;
        }
        text.Append('{');
        for (var i = 0; i < Items.Count; i++)
        {
            if (i > 0)
                text.Append(',');
            Indent(text, depth + 1);
            PyString.Escape(text, Items[i].Key);
            text.Append(": ");
            Items[i].Value.Write(text, depth + 1);
        }
        Indent(text, depth);
        text.Append('}');
    }
}

/// <summary>A Python list.</summary>
public sealed class PyList : PyValue
{
    /// <summary>The elements in order.</summary>
    public List<PyValue> Items { get; } = [];

    internal override void Write(StringBuilder text, int depth)
    {
        if (Items.Count == 0)
        {
            text.Append("[]");
            return;
        }
        text.Append('[');
        for (var i = 0; i < Items.Count; i++)
        {
            if (i > 0)
                text.Append(',');
            Indent(text, depth + 1);
            Items[i].Write(text, depth + 1);
        }
        Indent(text, depth);
        text.Append(']');
    }
}

internal sealed class PyInt(BigInteger value) : PyValue
{
    internal override void Write(StringBuilder text, int depth) => text.Append(value.ToString(CultureInfo.InvariantCulture));
}

internal sealed class PyBool(bool value) : PyValue
{
    internal override void Write(StringBuilder text, int depth) => text.Append(value ? "true" : "false");
}

internal sealed class PyString(string value) : PyValue
{
    internal override void Write(StringBuilder text, int depth) => Escape(text, value);

    // json's ensure_ascii: short escapes for " \ \n \r \t \b \f, \uXXXX (lower case) for every other character outside
    // ' '..'~' (controls, DEL, and non-ASCII as UTF-16 units, so surrogate pairs above U+FFFF); '/' is kept.
    internal static void Escape(StringBuilder text, string value)
    {
        text.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                case '\b': text.Append("\\b"); break;
                case '\f': text.Append("\\f"); break;
                case < ' ' or > '~':
                    text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default: text.Append(c); break;
            }
        }
        text.Append('"');
    }
}
