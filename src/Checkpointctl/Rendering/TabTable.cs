using System.Text;

namespace Checkpointctl.Cli.Rendering;

/// <summary>
/// A table laid out like Go's tabwriter with kubectl's settings (min width 6, padding 3, spaces): every column is as
/// wide as its widest cell plus 3, at least 6; the last column is not padded. Headers are upper-case with dashes below.
/// </summary>
public sealed class TabTable(params string[] headers)
{
    private const int MinWidth = 6;
    private const int Padding = 3;
    private readonly List<string[]> _rows = [headers, [.. headers.Select(h => new string('-', h.Length))]];

    public void AddRow(params string[] cells)
    {
        if (cells.Length != headers.Length)
            throw new ArgumentException($"expected {headers.Length} cells, got {cells.Length}");
        _rows.Add(cells);
    }

    public void WriteTo(TextWriter writer)
    {
        var widths = new int[headers.Length];
        for (var c = 0; c < headers.Length - 1; c++)
            widths[c] = Math.Max(MinWidth, _rows.Max(r => Width(r[c])) + Padding);
        var line = new StringBuilder();
        foreach (var row in _rows)
        {
            line.Clear();
            for (var c = 0; c < row.Length; c++)
            {
                line.Append(row[c]);
                if (c < row.Length - 1)
                    line.Append(' ', widths[c] - Width(row[c]));
            }
            writer.Write(line.ToString().TrimEnd(' '));
            writer.Write('\n');
        }
    }

    // tabwriter counts UTF-8 runes, i.e. text elements for our purposes.
    private static int Width(string cell) => cell.EnumerateRunes().Count();
}
