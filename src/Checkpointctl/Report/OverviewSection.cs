using Checkpointctl.Cli.Rendering;
using Checkpointctl.Core.Analysis;

namespace Checkpointctl.Cli.Report;

/// <summary>The container, its image and engine, the sizes, and CRIU's dump statistics.</summary>
internal static class OverviewSection
{
    public static void Write(Html html, ReportCheckpoint c)
    {
        var i = c.Inspection;
        HtmlReport.Heading(html, c, "overview", "Overview");
        Facts(html, Container(i));
        if (i.Image is { } image)
        {
            html.Element("h3", "Checkpoint image");
            Facts(html, [("Format", image.Format), ("Kind", image.Kind), ("Name", image.Name), ("Digest", image.Digest), ("Image ID", image.Id)]);
        }
        Sizes(html, c);
        html.Element("h3", "CRIU dump statistics");
        if (i.Stats is { } stats)
            StatsTimeline.Write(html, stats);
        else
            html.Element("p", "The checkpoint has no CRIU statistics (stats-dump).", "muted");
    }

    private static List<(string, string)> Container(Inspection i)
    {
        var c = i.Container;
        var facts = new List<(string, string)> { ("Container", c.Name), ("Engine", c.EngineName) };
        if (c.HasContainerMetadata)
        {
            facts.AddRange([("Image", c.Config.RootfsImageName), ("ID", c.Config.Id), ("Runtime", c.Config.Runtime), ("Created", c.Created)]);
        }
        if (!c.Checkpointed.IsZero)
            facts.Add(("Checkpointed", c.Checkpointed.ToRfc3339()));
        facts.AddRange([("Pod", c.Pod), ("Namespace", c.Namespace), ("IP", c.Ip), ("MAC", c.Mac)]);
        if (i.Inventory?.CriuVersion is { } criu)
            facts.Add(("CRIU version", criu));
        return facts;
    }

    /// <summary>A definition grid of the facts that have a value.</summary>
    public static void Facts(Html html, IEnumerable<(string Name, string Value)> facts)
    {
        html.Open("dl", ("class", "grid"));
        foreach (var (name, value) in facts.Where(f => f.Value.Length > 0))
            html.Open("div", ("class", value.Length > 36 ? "wide" : null)).Element("dt", name).Element("dd", value).Close("div");
        html.Close("dl").Raw("\n");
    }

    private static void Sizes(Html html, ReportCheckpoint c)
    {
        var s = c.Inspection.Sizes;
        html.Open("div", ("class", "cards"));
        if (c.ArchiveSize is { } archive)
            Card(html, "Archive file", archive);
        Card(html, "CRIU images", s.CheckpointSize);
        Card(html, "Memory pages", s.MemoryPagesSize);
        Card(html, "Root FS diff", s.RootFsDiffSize);
        if (s.AmdGpuMemoryPagesSize != 0 || c.Inspection.Gpu.IsPresent)
            Card(html, "GPU memory pages", s.AmdGpuMemoryPagesSize);
        html.Close("div").Raw("\n");
    }

    private static void Card(Html html, string label, long bytes) =>
        html.Open("div", ("class", "card"), ("title", $"{Html.Int(bytes)} bytes")).Element("b", Units.Bytes(bytes)).Element("span", label).Close("div");
}
