using Checkpointctl.Cli.Rendering;
using Checkpointctl.Core.Model;

namespace Checkpointctl.Cli.Report;

/// <summary>Per process, the memory map drawn to scale beside its table.</summary>
internal static class MemoryMapSection
{
    /// <summary>Mappings drawn and listed per process, and processes drawn; more are left out with a note.</summary>
    public const int MaxMappings = Table.MaxRows, MaxProcesses = 200;

    private static readonly string[] Kinds = ["file", "anon", "heap", "stack", "shared", "memfd", "sysv", "vdso", "aio"];

    public static void Write(Html html, ReportCheckpoint c)
    {
        HtmlReport.Heading(html, c, "memory", "Memory maps");
        if (c.Inspection.MemoryMaps is not { Count: > 0 } maps)
        {
            html.Element("p", "No process has a memory map in the checkpoint.", "muted");
            return;
        }
        Legend(html);
        foreach (var map in maps.Take(MaxProcesses))
            Process(html, c, map);
        if (maps.Count > MaxProcesses)
            html.Element("p", $"The memory maps of {maps.Count - MaxProcesses} more processes are not shown (the report draws at most {MaxProcesses}).", "note");
    }

    private static void Legend(Html html)
    {
        html.Open("div", ("class", "legend"));
        foreach (var kind in Kinds)
            html.Raw("<span>").Open("svg", ("width", "12"), ("height", "12")).Open("rect", ("class", "k-" + kind), ("width", "12"), ("height", "12")).Close("rect").Close("svg")
                .Text(" " + kind).Raw("</span>");
        html.Raw("<span>").Open("i", ("style", "background:#4e79a7")).Close("i").Text("dumped pages (filled share)").Raw("</span>")
            .Raw("<span>").Open("i", ("style", "background:repeating-linear-gradient(45deg,#333 0 2px,#fff 2px 5px)")).Close("i").Text("pages in a parent checkpoint").Raw("</span>")
            .Raw("<span>").Open("i", ("style", "background:radial-gradient(#333 35%,#fff 40%) 0 0/5px 5px")).Close("i").Text("lazy pages").Raw("</span>");
        html.Close("div");
        html.Element("p", "Heights are proportional to mapping sizes (at least 3 px each); unmapped gaps are collapsed to a dashed line. " +
                          "Click a mapping to find its row.", "note");
    }

    private static void Process(Html html, ReportCheckpoint c, ProcessMemoryMap map)
    {
        var mappings = map.Mappings.Take(MaxMappings).ToList();
        var open = c.Inspection.MemoryMaps![0] == map;
        html.Open("details", ("class", "memmap"), ("id", $"{c.Key}-mm-{map.Pid}"), ("open", open ? "" : null)).Open("summary")
            .Element("span", Html.Int(map.Pid), "pid").Raw(" ").Element("b", map.Command)
            .Text($" · {Html.Count(map.Mappings.Count, "mapping")} · {map.DumpedPages} pages dumped ({Units.Bytes((long)map.DumpedPages * map.PageSize)})"
                  + $", {map.ParentPages} in parent, {map.LazyPages} lazy").Close("summary");
        if (map.Executable.Length > 0)
            html.Open("div").Element("span", "Executable: ", "muted").Element("code", map.Executable).Close("div");
        html.Open("div", ("class", "mapwrap"));
        MemoryMapSvg.Write(html, c.Key, map, mappings);
        Table.Write(html, ["Start", "End", "Size", "Perm", "Kind", "Dumped", "Parent", "Lazy", "Name"], mappings.Select((m, i) => Row(c, map, m, i)).ToList());
        html.Close("div");
        if (map.Mappings.Count > MaxMappings)
            html.Element("p", $"{map.Mappings.Count - MaxMappings} more mappings not shown.", "note");
        if (map.Guards.Count > 0)
            html.Element("p", $"Guard regions (MADV_GUARD_INSTALL): {string.Join(", ", map.Guards.Select(g => $"{Html.Hex(g.Start)}-{Html.Hex(g.End)}"))}", "note");
        html.Close("details").Raw("\n");
    }

    // Sorted as text: zero-padded, with a letter so that the script never reads a digits-only address as a decimal.
    private static Cell Address(ulong address) => new(Html.Hex(address), "x" + address.ToString("x16", System.Globalization.CultureInfo.InvariantCulture), "mono");

    private static Row Row(ReportCheckpoint c, ProcessMemoryMap map, MemoryMapping m, int index)
    {
        var size = m.End - m.Start;
        return new Row(
        [
            Address(m.Start), Address(m.End),
            Cell.Number(size, Units.Bytes((long)Math.Min(size, long.MaxValue))), m.Permissions, m.Kind,
            Cell.Number(m.DumpedPages), Cell.Number(m.ParentPages), Cell.Number(m.LazyPages), MemoryMapSvg.Label(m),
        ], $"{c.Key}-m-{map.Pid}-{index}");
    }
}
