namespace Checkpointctl.Cli.Report;

/// <summary>
/// <c>report</c>'s HTML page: one self-contained file (inline style, SVG and script, no URL), the same bytes for the
/// same input. Each section is rendered by its own class from the checkpoint's <see cref="Core.Analysis.Inspection"/>.
/// </summary>
internal static class HtmlReport
{
    private static readonly (string Id, string Name)[] Sections =
    [
        ("overview", "Overview"), ("processes", "Processes"), ("memory", "Memory"), ("files", "Files"), ("sockets", "Sockets"),
        ("mounts", "Mounts"), ("namespaces", "Namespaces & security"), ("rootfs", "Root FS changes"), ("criu", "CRIU"),
    ];

    public static string Render(ReportInput input)
    {
        var html = new Html();
        html.Raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"checkpointctl ")
            .Text(CliApp.Version).Raw("\">\n<title>").Text(Title(input)).Raw("</title>\n<style>\n").Raw(ReportAssets.Css).Raw("\n</style>\n</head>\n<body>\n")
            .Raw(ReportAssets.SvgPatterns).Raw("\n");
        Header(html, input);
        Navigation(html, input);
        html.Raw("<main>\n");
        if (input.Diff != null)
            DiffSection.Write(html, input.Diff, input.Checkpoints);
        foreach (var c in input.Checkpoints)
            Checkpoint(html, c, input.Checkpoints.Count > 1);
        html.Open("footer").Text($"Made by checkpointctl {CliApp.Version} from what the checkpoint records. The file is self-contained: it loads nothing.")
            .Close("footer").Raw("\n</main>\n<script>\n").Raw(ReportAssets.Script).Raw("\n</script>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static string Title(ReportInput input)
    {
        var names = input.Checkpoints.Select(c => c.Inspection.Container.Name).Where(n => n.Length > 0).Distinct().ToList();
        var what = input.PodName is { Length: > 0 } pod ? "pod " + pod : names.Count > 0 ? string.Join(", ", names) : "checkpoint";
        return (input.Diff != null ? "Checkpoint comparison: " : "Checkpoint report: ") + what;
    }

    private static void Header(Html html, ReportInput input)
    {
        html.Open("header", ("class", "top")).Element("h1", Title(input));
        foreach (var path in input.Checkpoints.Select(c => c.Inspection.Path).Distinct())
            html.Element("p", path);
        html.Close("header").Raw("\n");
    }

    private static void Navigation(Html html, ReportInput input)
    {
        html.Open("nav");
        if (input.Diff != null)
            html.Open("a", ("href", "#diff")).Text("Differences").Close("a").Raw("\n");
        foreach (var c in input.Checkpoints)
        {
            if (input.Checkpoints.Count > 1)
                html.Element("b", c.Title).Raw("\n");
            foreach (var (id, name) in Sections)
                html.Open("a", ("href", $"#{c.Key}-{id}")).Text(name).Close("a").Raw("\n");
        }
        html.Close("nav").Raw("\n");
    }

    private static void Checkpoint(Html html, ReportCheckpoint c, bool titled)
    {
        html.Open("section", ("id", c.Key), ("class", "checkpoint"));
        if (titled)
            html.Open("h2", ("class", "cp")).Text(c.Title).Close("h2");
        OverviewSection.Write(html, c);
        ProcessTreeSection.Write(html, c);
        MemoryMapSection.Write(html, c);
        FilesSection.Write(html, c);
        SocketsSection.Write(html, c);
        SystemSections.WriteMounts(html, c);
        SystemSections.WriteNamespacesAndSecurity(html, c);
        RootfsSection.Write(html, c);
        CriuSection.Write(html, c);
        html.Close("section").Raw("\n");
    }

    /// <summary>A section heading with its anchor.</summary>
    public static void Heading(Html html, ReportCheckpoint c, string id, string text) =>
        html.Open("h2", ("id", $"{c.Key}-{id}")).Text(text).Close("h2").Raw("\n");
}
