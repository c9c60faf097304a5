using Checkpointctl.Cli.Rendering;
using Checkpointctl.Core.Criu.Images;

namespace Checkpointctl.Cli.Report;

/// <summary>CRIU's dump statistics: the four phase times as a timeline, and the page counts.</summary>
internal static class StatsTimeline
{
    private const double Left = 90, Width = 560, Row = 24, Top = 8;

    public static void Write(Html html, DumpStatsEntry s)
    {
        ulong freeze = s.FreezingTime, frozen = s.FrozenTime, memdump = s.MemdumpTime, memwrite = s.MemwriteTime;
        // Tasks are frozen after the freezing phase; their memory is dumped, then written, while they stay frozen.
        var phases = new (string Name, string Class, ulong Start, ulong Length)[]
        {
            ("Freezing", "t-freeze", 0, freeze), ("Frozen", "t-frozen", freeze, frozen),
            ("Memdump", "t-memdump", freeze, memdump), ("Memwrite", "t-memwrite", freeze + memdump, memwrite),
        };
        var total = Math.Max(1, phases.Max(p => p.Start + p.Length));
        var height = Top + phases.Length * Row + 26;
        html.Open("div", ("class", "mapwrap")).Open("div");
        html.Open("svg", ("class", "timeline"), ("width", Html.Num(Left + Width + 110)), ("height", Html.Num(height)),
            ("viewBox", $"0 0 {Html.Num(Left + Width + 110)} {Html.Num(height)}"), ("role", "img"), ("aria-label", "CRIU dump timeline"));
        Axis(html, total, Top + phases.Length * Row);
        for (var r = 0; r < phases.Length; r++)
            Phase(html, phases[r], total, Top + r * Row);
        html.Close("svg").Raw("\n");
        html.Element("p", "CRIU records the length of each phase; the bars are placed in the order CRIU runs them.", "note").Close("div");
        Table.Write(html, ["Statistic", "Value"],
        [
            Pair("Pages scanned", s.PagesScanned), Pair("Pages written", s.PagesWritten), Pair("Pages skipped (in parent)", s.PagesSkippedParent),
            Pair("Pages left for lazy restore", s.PagesLazy), Pair("Page pipes", s.PagePipes), Pair("Page pipe buffers", s.PagePipeBufs),
            Pair("Shared pages scanned", s.ShpagesScanned), Pair("Shared pages written", s.ShpagesWritten),
            Pair("Shared pages skipped (in parent)", s.ShpagesSkippedParent),
            new Row([new Cell("Irmap resolve time"), Cell.Number(s.IrmapResolve, Units.Microseconds(s.IrmapResolve))]),
        ]);
        html.Close("div");
    }

    private static Row Pair(string name, ulong value) => new([new Cell(name), Cell.Number(value)]);

    private static void Phase(Html html, (string Name, string Class, ulong Start, ulong Length) p, ulong total, double y)
    {
        var x = Left + Width * p.Start / total;
        var w = Math.Max(p.Length > 0 ? 1.5 : 0, Width * p.Length / total);
        html.Open("text", ("class", "lbl"), ("x", "0"), ("y", Html.Num(y + 15))).Text(p.Name).Close("text");
        html.Open("rect", ("class", p.Class), ("x", Html.Num(x)), ("y", Html.Num(y + 3)), ("width", Html.Num(w)), ("height", "16"), ("rx", "2"))
            .Open("title").Text($"{p.Name}: {Units.Microseconds(p.Length)}").Close("title").Close("rect");
        html.Open("text", ("x", Html.Num(x + w + 6)), ("y", Html.Num(y + 15))).Text(Units.Microseconds(p.Length)).Close("text");
    }

    private static void Axis(Html html, ulong total, double y)
    {
        var step = NiceStep(total);
        html.Open("line", ("x1", Html.Num(Left)), ("y1", Html.Num(y + 2)), ("x2", Html.Num(Left + Width)), ("y2", Html.Num(y + 2)), ("stroke", "#8a94a3")).Close("line");
        for (ulong t = 0; t <= total; t += step)
        {
            var x = Left + Width * t / total;
            html.Open("line", ("x1", Html.Num(x)), ("y1", Html.Num(Top)), ("x2", Html.Num(x)), ("y2", Html.Num(y + 5)), ("stroke", "#e3e7ec")).Close("line");
            html.Open("text", ("x", Html.Num(x)), ("y", Html.Num(y + 18)), ("text-anchor", "middle")).Text(Units.Microseconds(t)).Close("text");
        }
    }

    // 1, 2 or 5 times a power of ten, for four to ten ticks.
    private static ulong NiceStep(ulong total)
    {
        ulong power = 1;
        while (true)
        {
            foreach (var m in new ulong[] { 1, 2, 5 })
            {
                if (total / (m * power) <= 8)
                    return m * power;
            }
            power *= 10;
        }
    }
}
