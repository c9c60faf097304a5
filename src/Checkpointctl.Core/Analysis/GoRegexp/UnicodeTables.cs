using System.Globalization;

namespace Checkpointctl.Core.Analysis.GoRegexp;

/// <summary>A Go <c>unicode.RangeTable</c>: ranges lo-hi with a stride, in Go's order.</summary>
internal sealed record UnicodeTable(IReadOnlyList<(int Lo, int Hi, int Stride)> Ranges);

/// <summary>
/// The Unicode data Go's regexp/syntax uses (categories, scripts, their case-folding extensions, SimpleFold),
/// from <c>GoUnicode.txt</c>, generated from Go's <c>unicode</c> package by <c>tests/goregex/gen.go</c>, so that
/// <c>\p{...}</c> and <c>(?i)</c> give exactly Go's classes. Loaded on first use.
/// </summary>
internal static class UnicodeTables
{
    private static readonly UnicodeTable Any = new([(0, 0xFFFF, 1), (0x10000, RuneClass.MaxRune, 1)]);
    private static Data? _data;

    private sealed record Data(
        Dictionary<string, UnicodeTable> Categories,
        Dictionary<string, UnicodeTable> Scripts,
        Dictionary<string, UnicodeTable> FoldCategories,
        Dictionary<string, UnicodeTable> FoldScripts,
        Dictionary<int, int> SimpleFold);

    private static Data Tables => _data ??= Load();

    /// <summary>The table for a <c>\p</c> name and its fold extension (null if none); false for an unknown name.</summary>
    public static bool TryLookup(string name, out UnicodeTable table, out UnicodeTable? fold)
    {
        fold = null;
        if (name == "Any")
        {
            table = fold = Any;
            return true;
        }
        var data = Tables;
        if (data.Categories.TryGetValue(name, out table!))
        {
            fold = data.FoldCategories.GetValueOrDefault(name);
            return true;
        }
        if (data.Scripts.TryGetValue(name, out table!))
        {
            fold = data.FoldScripts.GetValueOrDefault(name);
            return true;
        }
        return false;
    }

    /// <summary>Go's <c>unicode.SimpleFold</c>: the next rune of <paramref name="r"/>'s case-folding orbit.</summary>
    public static int SimpleFold(int r) => r < 0x80 ? AsciiSimpleFold(r) : TableSimpleFold(r);

    internal static int TableSimpleFold(int r) => Tables.SimpleFold.TryGetValue(r, out var f) ? f : r;

    // ASCII without loading the tables: K -> k -> KELVIN SIGN -> K, S -> s -> LONG S -> S, other letters swap case.
    internal static int AsciiSimpleFold(int r) => r switch
    {
        'k' => 0x212A,
        's' => 0x17F,
        >= 'A' and <= 'Z' => r + 32,
        >= 'a' and <= 'z' => r - 32,
        _ => r,
    };

    private static Data Load()
    {
        using var stream = typeof(UnicodeTables).Assembly.GetManifestResourceStream("GoUnicode.txt")
            ?? throw new InvalidOperationException("GoUnicode.txt is not embedded");
        using var reader = new StreamReader(stream);
        var data = new Data([], [], [], [], []);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#')
                continue;
            var fields = line.Split(' ');
            if (fields[0] == "simplefold")
            {
                foreach (var pair in fields.AsSpan(1))
                {
                    var colon = pair.IndexOf(':', StringComparison.Ordinal);
                    data.SimpleFold[Hex(pair[..colon])] = Hex(pair[(colon + 1)..]);
                }
                continue;
            }
            var target = fields[0] switch
            {
                "category" => data.Categories,
                "script" => data.Scripts,
                "foldcategory" => data.FoldCategories,
                "foldscript" => data.FoldScripts,
                _ => throw new InvalidDataException($"GoUnicode.txt: unknown table kind {fields[0]}"),
            };
            target[fields[1]] = new UnicodeTable(fields.Skip(2).Select(ParseRange).ToArray());
        }
        return data;
    }

    // "lo", "lo-hi" or "lo-hi/stride", in hex.
    private static (int, int, int) ParseRange(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var stride = slash < 0 ? 1 : Hex(text[(slash + 1)..]);
        var range = slash < 0 ? text : text[..slash];
        var dash = range.IndexOf('-', StringComparison.Ordinal);
        return dash < 0 ? (Hex(range), Hex(range), 1) : (Hex(range[..dash]), Hex(range[(dash + 1)..]), stride);
    }

    private static int Hex(string text) => int.Parse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
}
