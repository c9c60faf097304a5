namespace Checkpointctl.Cli.Report;

/// <summary>A table cell: its text, an optional sort key (numbers sort by value), class and tooltip.</summary>
internal readonly record struct Cell(string Text, string? SortKey = null, string? Class = null, string? Title = null)
{
    public static implicit operator Cell(string text) => new(text);

    public static Cell Number(long value, string? text = null) => new(text ?? Html.Int(value), Html.Int(value), "num");

    public static Cell Number(ulong value, string? text = null) => new(text ?? Html.Int(value), Html.Int(value), "num");

    /// <summary>Long text that wraps (cells do not by default).</summary>
    public static Cell Wrapped(string text) => new(text, null, "wrap");
}

/// <summary>A table row, with an optional id (a link target) and class (e.g. a diff mark).</summary>
internal sealed record Row(IReadOnlyList<Cell> Cells, string? Id = null, string? Class = null);

/// <summary>Sortable tables (the report's script sorts a <c>table.sortable</c> by the clicked column), capped in rows.</summary>
internal static class Table
{
    /// <summary>Rows beyond this are left out with a note, so that a huge checkpoint still gives a readable file.</summary>
    public const int MaxRows = 2000;

    /// <param name="empty">What to say instead of an empty table.</param>
    public static void Write(Html html, IReadOnlyList<string> headers, IReadOnlyList<Row> rows, string empty = "None recorded.")
    {
        if (rows.Count == 0)
        {
            html.Element("p", empty, "muted");
            return;
        }
        html.Open("div", ("class", "scroll")).Open("table", ("class", "sortable")).Raw("<thead><tr>");
        foreach (var h in headers)
            html.Open("th", ("title", "Sort by " + h)).Text(h).Close("th");
        html.Raw("</tr></thead><tbody>");
        foreach (var row in rows.Take(MaxRows))
            WriteRow(html, row);
        html.Raw("</tbody></table></div>");
        if (rows.Count > MaxRows)
            html.Element("p", $"{rows.Count - MaxRows} more rows not shown (the report lists at most {MaxRows} per table).", "note");
    }

    private static void WriteRow(Html html, Row row)
    {
        html.Open("tr", ("id", row.Id), ("class", row.Class));
        foreach (var c in row.Cells)
            html.Open("td", ("class", c.Class), ("data-v", c.SortKey), ("title", c.Title)).Text(c.Text).Close("td");
        html.Close("tr");
    }
}
