using System.Globalization;
using System.Text;

namespace Checkpointctl.Cli.Rendering;

/// <summary>
/// Writes JSON exactly as Go's <c>json.MarshalIndent(v, "", "  ")</c> does: 2-space indent, <c>"key": value</c>,
/// <c>{}</c>/<c>[]</c> when empty, HTML-safe escaping (<c>&lt;</c> as <c>\u003c</c>…), non-ASCII kept.
/// </summary>
public sealed class GoJsonWriter
{
    private readonly StringBuilder _out = new();
    private readonly Stack<bool> _hasItems = new();
    private bool _afterName;

    public void BeginObject() => Open('{');
    public void EndObject() => Close('}');
    public void BeginArray() => Open('[');
    public void EndArray() => Close(']');

    /// <summary><c>"name": [ … ]</c>, each item written by <paramref name="write"/>.</summary>
    public void Array<T>(string name, IEnumerable<T> items, Action<T> write)
    {
        Name(name);
        BeginArray();
        foreach (var item in items)
            write(item);
        EndArray();
    }

    /// <summary>An object whose properties <paramref name="write"/> writes.</summary>
    public void Object(Action write)
    {
        BeginObject();
        write();
        EndObject();
    }

    public void Name(string name)
    {
        BeforeValue();
        AppendString(name);
        _out.Append(": ");
        _afterName = true;
    }

    public void String(string value)
    {
        BeforeValue();
        AppendString(value);
    }

    public void Number(long value)
    {
        BeforeValue();
        _out.Append(value.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>A value already in JSON form (e.g. a float formatted as Go formats it).</summary>
    public void Literal(string json)
    {
        BeforeValue();
        _out.Append(json);
    }

    public void Number(ulong value)
    {
        BeforeValue();
        _out.Append(value.ToString(CultureInfo.InvariantCulture));
    }

    public void Property(string name, string value)
    {
        Name(name);
        String(value);
    }

    public void Property(string name, long value)
    {
        Name(name);
        Number(value);
    }

    public void Property(string name, bool value)
    {
        Name(name);
        BeforeValue();
        _out.Append(value ? "true" : "false");
    }

    /// <summary>Writes the property unless the value is empty (Go's <c>omitempty</c>).</summary>
    public void OptionalProperty(string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
            Property(name, value);
    }

    /// <summary>Writes the property unless the value is zero (Go's <c>omitempty</c>).</summary>
    public void OptionalProperty(string name, ulong value)
    {
        if (value != 0)
        {
            Name(name);
            Number(value);
        }
    }

    /// <summary>Writes <c>true</c>, or nothing for false (Go's <c>omitempty</c>).</summary>
    public void OptionalProperty(string name, bool value)
    {
        if (value)
        {
            Name(name);
            BeforeValue();
            _out.Append("true");
        }
    }

    public override string ToString() => _out.ToString();

    private void Open(char bracket)
    {
        BeforeValue();
        _out.Append(bracket);
        _hasItems.Push(false);
    }

    private void Close(char bracket)
    {
        if (_hasItems.Pop())
            NewLine();
        _out.Append(bracket);
    }

    // Separators and indentation before a value or a name.
    private void BeforeValue()
    {
        if (_afterName)
        {
            _afterName = false;
            return;
        }
        if (_hasItems.Count == 0)
            return;
        if (_hasItems.Peek())
            _out.Append(',');
        _hasItems.Pop();
        _hasItems.Push(true);
        NewLine();
    }

    private void NewLine() => _out.Append('\n').Append(' ', 2 * _hasItems.Count);

    private void AppendString(string s)
    {
        _out.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': _out.Append("\\\""); break;
                case '\\': _out.Append("\\\\"); break;
                case '\n': _out.Append("\\n"); break;
                case '\r': _out.Append("\\r"); break;
                case '\t': _out.Append("\\t"); break;
                case '\b': _out.Append("\\b"); break;
                case '\f': _out.Append("\\f"); break;
                case '<' or '>' or '&' or '\u2028' or '\u2029' or < ' ':
                    _out.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default: _out.Append(c); break;
            }
        }
        _out.Append('"');
    }
}
