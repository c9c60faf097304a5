using Checkpointctl.Cli.Rendering;
using Checkpointctl.Core.Model;

namespace Checkpointctl.Cli.Report;

/// <summary>
/// A process's address space as a column, low addresses on top: each mapping's height is proportional to its size
/// (with a minimum so that a page stays visible), unmapped gaps collapsed to a dashed line. The filled share of a
/// mapping is its pages in the checkpoint, the hatched share its pages in a parent checkpoint, the dotted share those
/// left for lazy restore.
/// </summary>
internal static class MemoryMapSvg
{
    private const double BarWidth = 120, LabelX = 128, Width = 330, MinHeight = 3, Gap = 7;

    public static void Write(Html html, string key, ProcessMemoryMap map, IReadOnlyList<MemoryMapping> mappings)
    {
        var layout = Layout(mappings);
        var height = layout.Count == 0 ? 20 : layout[^1].Y + layout[^1].Height + 2;
        html.Open("svg", ("class", "map"), ("width", Html.Num(Width)), ("height", Html.Num(height)), ("viewBox", $"0 0 {Html.Num(Width)} {Html.Num(height)}"),
            ("role", "img"), ("aria-label", $"Memory map of process {map.Pid}"));
        double lastLabel = double.NegativeInfinity;
        for (var i = 0; i < layout.Count; i++)
        {
            var (m, y, h, gapBefore) = layout[i];
            if (gapBefore)
                html.Open("line", ("class", "gap"), ("x1", "0"), ("y1", Html.Num(y - Gap / 2)), ("x2", Html.Num(BarWidth)), ("y2", Html.Num(y - Gap / 2))).Close("line");
            Mapping(html, $"{key}-m-{map.Pid}-{i}", map, m, y, h);
            // A name where there is room for it and it does not run into the previous one.
            if (h >= 11 && y + h / 2 - lastLabel >= 12)
            {
                lastLabel = y + h / 2;
                html.Open("text", ("x", Html.Num(LabelX)), ("y", Html.Num(lastLabel + 4))).Text(Short(Label(m))).Close("text");
            }
        }
        html.Close("svg");
    }

    private static List<(MemoryMapping M, double Y, double Height, bool GapBefore)> Layout(IReadOnlyList<MemoryMapping> mappings)
    {
        var total = mappings.Aggregate(0.0, (s, m) => s + (m.End - m.Start));
        var gaps = Enumerable.Range(1, Math.Max(0, mappings.Count - 1)).Count(i => mappings[i].Start != mappings[i - 1].End);
        // About as high as the table beside it (a row is some 20 px), within bounds for very small and very large maps.
        var scaled = Math.Clamp(mappings.Count * 20.0, 220, 2400) - mappings.Count * MinHeight - gaps * Gap;
        var layout = new List<(MemoryMapping, double, double, bool)>(mappings.Count);
        var y = 1.0;
        for (var i = 0; i < mappings.Count; i++)
        {
            var m = mappings[i];
            var gap = i > 0 && m.Start != mappings[i - 1].End;
            if (gap)
                y += Gap;
            var h = MinHeight + (total > 0 ? Math.Max(0, scaled) * (m.End - m.Start) / total : 0);
            layout.Add((m, y, h, gap));
            y += h;
        }
        return layout;
    }

    private static void Mapping(Html html, string id, ProcessMemoryMap map, MemoryMapping m, double y, double h)
    {
        var pages = Math.Max(1.0, (m.End - m.Start) / (double)map.PageSize);
        html.Open("a", ("href", "#" + id)).Open("g", ("data-mapping", $"{map.Pid}:{Html.Hex(m.Start)}"));
        html.Open("title").Text(Tooltip(map, m)).Close("title");
        Rect(html, "base k-" + m.Kind, 0, y, BarWidth, h);
        var x = 0.0;
        foreach (var (count, fill) in new[] { (m.DumpedPages, "k-" + m.Kind), (m.ParentPages, "url(#pat-parent)"), (m.LazyPages, "url(#pat-lazy)") })
        {
            if (count == 0)
                continue;
            var w = Math.Max(1, BarWidth * Math.Min(1, count / pages));
            if (fill.StartsWith("url(", StringComparison.Ordinal))
                html.Open("rect", ("x", Html.Num(x)), ("y", Html.Num(y)), ("width", Html.Num(w)), ("height", Html.Num(h)), ("fill", fill)).Close("rect");
            else
                Rect(html, fill, x, y, w, h);
            x = Math.Min(BarWidth, x + w);
        }
        html.Close("g").Close("a");
    }

    private static void Rect(Html html, string cls, double x, double y, double w, double h) =>
        html.Open("rect", ("class", cls), ("x", Html.Num(x)), ("y", Html.Num(y)), ("width", Html.Num(w)), ("height", Html.Num(h))).Close("rect");

    private static string Tooltip(ProcessMemoryMap map, MemoryMapping m) =>
        $"{Html.Hex(m.Start)}-{Html.Hex(m.End)} {m.Permissions} {Label(m)}\n{Units.Bytes((long)Math.Min(m.End - m.Start, long.MaxValue))}, " +
        $"{m.DumpedPages} pages dumped, {m.ParentPages} in parent, {m.LazyPages} lazy ({map.PageSize}-byte pages)";

    public static string Label(MemoryMapping m) => m.Name.Length > 0 ? m.Name : "[" + m.Kind + "]";

    // The end of a long path is its most telling part.
    private static string Short(string name) => name.Length <= 30 ? name : "…" + name[^29..];
}
