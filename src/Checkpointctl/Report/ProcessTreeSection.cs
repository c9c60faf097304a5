using Checkpointctl.Cli.Rendering;
using Checkpointctl.Core.Analysis;
using Checkpointctl.Core.Model;

namespace Checkpointctl.Cli.Report;

/// <summary>The process tree as nested, collapsible entries: command line, state, threads, environment (values hidden until clicked).</summary>
internal static class ProcessTreeSection
{
    /// <summary>Processes shown in the tree; more are left out with a note (the page stays some MiB at most).</summary>
    public const int MaxProcesses = 2000;

    public static void Write(Html html, ReportCheckpoint c)
    {
        HtmlReport.Heading(html, c, "processes", "Process tree");
        if (c.Inspection.ProcessTree is not { } root)
        {
            html.Element("p", "The checkpoint records no process tree.", "muted");
            return;
        }
        var threads = c.Inspection.Threads?.ToDictionary(t => t.Pid) ?? [];
        var id = $"{c.Key}-tree";
        html.Open("button", ("class", "tool"), ("type", "button"), ("hidden", ""), ("data-expand", "all"), ("data-target", id)).Text("Expand all").Close("button")
            .Open("button", ("class", "tool"), ("type", "button"), ("hidden", ""), ("data-expand", "none"), ("data-target", id)).Text("Collapse all").Close("button");
        html.Open("ul", ("class", "tree root"), ("id", id));
        var budget = MaxProcesses;
        Process(html, c, root, threads, depth: 0, ref budget);
        html.Close("ul").Raw("\n");
        var total = c.Commands().Count;
        if (total > MaxProcesses)
            html.Element("p", $"{total - MaxProcesses} more processes not shown (the report shows at most {MaxProcesses}).", "note");
    }

    private static void Process(Html html, ReportCheckpoint c, ProcessView p, Dictionary<uint, ProcessThreads> threads, int depth, ref int budget)
    {
        if (budget == 0)
            return;
        budget--;
        var mark = c.Marks.GetValueOrDefault(p.Pid);
        html.Open("li", ("class", mark), ("id", $"{c.Key}-p-{p.Pid}"), ("data-pid", Html.Int(p.Pid)));
        // The first levels start open; deeper ones stay closed so that a large tree stays readable.
        html.Open("details", ("class", "proc"), ("open", depth < 3 ? "" : null)).Raw("<summary>");
        Summary(html, p, threads.GetValueOrDefault(p.Pid), mark);
        html.Raw("</summary><div class=\"body\">");
        Body(html, c, p, threads.GetValueOrDefault(p.Pid));
        html.Raw("</div></details>");
        if (p.Children.Count > 0)
        {
            html.Open("ul", ("class", "tree"));
            foreach (var child in p.Children)
                Process(html, c, child, threads, depth + 1, ref budget);
            html.Close("ul");
        }
        html.Close("li").Raw("\n");
    }

    private static void Summary(Html html, ProcessView p, ProcessThreads? threads, string? mark)
    {
        html.Element("span", Html.Int(p.Pid), "pid").Raw(" ").Element("b", p.Command)
            .Element("span", p.StateName, "badge st-" + p.StateName);
        if (threads is { Threads.Count: > 1 })
            html.Element("span", $"{threads.Threads.Count} threads", "badge");
        if (p.MemorySize is { } memory)
            html.Element("span", Units.Bytes(memory) + " dumped", "badge");
        if (mark != null)
            html.Element("span", mark, "badge " + mark);
    }

    private static void Body(Html html, ReportCheckpoint c, ProcessView p, ProcessThreads? threads)
    {
        html.Open("div").Element("span", "Command line: ", "muted").Element("code", p.Cmdline?.TrimEnd() ?? p.Command).Close("div");
        html.Open("div", ("class", "muted")).Text($"PPID {p.Ppid}");
        if (threads != null)
            html.Text($" · PGID {threads.Pgid} · SID {threads.Sid}");
        if (threads?.ExitCode is { } exit)
            html.Text($" · exit code {exit}");
        if (c.Inspection.MemoryMaps?.Any(m => m.Pid == p.Pid) == true)
            html.Text(" · ").Open("a", ("href", $"#{c.Key}-mm-{p.Pid}")).Text("memory map").Close("a");
        html.Close("div");
        if (threads is { Threads.Count: > 0 })
            Threads(html, threads);
        if (p.Environment is { Count: > 0 } env)
            Environment(html, env);
    }

    private static void Threads(Html html, ProcessThreads threads)
    {
        var rows = threads.Threads.Select(t => new Row(
        [
            Cell.Number(t.Tid), t.Name, t.SchedPolicy ?? "", t.Nice is { } n ? Cell.Number(n) : "", t.SeccompMode + (t.SeccompFilters > 0 ? $" ({Html.Count(t.SeccompFilters, "filter")})" : ""),
            ForensicTreeRenderer.SignalList(t.Blocked), ForensicTreeRenderer.SignalList(t.Pending),
        ])).ToList();
        Table.Write(html, ["TID", "Name", "Scheduling", "Nice", "Seccomp", "Blocked signals", "Pending signals"], rows);
    }

    private static void Environment(Html html, IReadOnlyList<KeyValuePair<string, string>> env)
    {
        html.Open("div", ("class", "muted")).Text($"Environment ({Html.Count(env.Count, "variable")}; click a name to show its value):").Close("div");
        html.Open("ul", ("class", "env"));
        foreach (var (key, value) in env)
            html.Raw("<li><details class=\"env\">").Element("summary", key).Element("code", value).Raw("</details></li>");
        html.Close("ul");
    }
}
