using Checkpointctl.Core.Model;

namespace Checkpointctl.Cli.Report;

/// <summary>Mounts, namespaces, each process's credentials and confinement, and cgroups, as sortable tables.</summary>
internal static class SystemSections
{
    public static void WriteMounts(Html html, ReportCheckpoint c)
    {
        HtmlReport.Heading(html, c, "mounts", "Mounts");
        var rows = (c.Inspection.Mounts ?? []).Select(m => new Row([m.Destination, m.Type, m.Source])).ToList();
        Table.Write(html, ["Destination", "Type", "Source"], rows);
    }

    public static void WriteNamespacesAndSecurity(Html html, ReportCheckpoint c)
    {
        HtmlReport.Heading(html, c, "namespaces", "Namespaces and security");
        if (c.Inspection.Namespaces is { } view)
            Namespaces(html, view);
        html.Element("h3", "Credentials and confinement");
        Security(html, c.Inspection.Security ?? []);
        if (c.Inspection.Cgroups is { Sets.Count: > 0 } cgroups)
            Cgroups(html, cgroups);
    }

    // One row per hierarchy of each set the processes are in, with the properties CRIU recorded (limits).
    private static void Cgroups(Html html, CgroupView view)
    {
        html.Element("h3", "Cgroups");
        var rows = view.Sets.SelectMany(set => set.Members.Select(m => new Row(
        [
            Cell.Number(set.Id), string.Join(", ", view.Processes.Where(p => p.Set == set.Id).Select(p => p.Pid)), m.Hierarchy, m.Path,
            Cell.Wrapped(string.Join("; ", m.Properties.Where(p => p.Value.Length > 0).Select(p => $"{p.Name}: {p.Value.TrimEnd('\n').Replace("\n", ", ", StringComparison.Ordinal)}"))),
        ]))).ToList();
        Table.Write(html, ["Set", "Processes", "Hierarchy", "Path", "Recorded"], rows);
    }

    private static void Namespaces(Html html, NamespaceView view)
    {
        html.Element("h3", "Namespaces");
        var rows = view.Namespaces.Select(ns => new Row(
        [
            ns.Kind, Cell.Number(ns.Id), ns.Host ? "host (shared with CRIU)" : "container", string.Join(", ", ns.Pids),
            Cell.Wrapped(string.Join("; ", ns.Properties.Select(p => $"{p.Key}: {p.Value}")
                .Concat(ns.Objects.Select(o => $"{o.Name} ({string.Join(", ", o.Properties.Select(p => $"{p.Key}: {p.Value}"))})")))),
        ])).ToList();
        Table.Write(html, ["Kind", "ID", "Owner", "Processes", "Recorded"], rows);
    }

    private static void Security(Html html, IReadOnlyList<ProcessSecurity> processes)
    {
        var rows = processes.Select(p => new Row(
        [
            Cell.Number(p.Pid), p.Command, Ids(p.Uids), Ids(p.Gids), string.Join(", ", p.Groups),
            Capabilities(p.CapabilitySets),
            p.NoNewPrivs switch { true => "yes", false => "no", null => "" },
            p.SeccompMode + (p.SeccompFilters > 0 ? $" ({Html.Count(p.SeccompFilters, "filter")}, {Html.Count(p.SeccompInstructions, "instruction")})" : ""),
            p.Lsm + (p.LsmProfile != null ? ": " + p.LsmProfile : ""),
        ])).ToList();
        Table.Write(html, ["PID", "Process", "UIDs (r/e/s/fs)", "GIDs (r/e/s/fs)", "Groups", "Capabilities", "No new privs", "Seccomp", "LSM"], rows);
    }

    // Counts per set in the cell, the names in its tooltip: full sets would make the row dozens of lines high.
    private static Cell Capabilities(IReadOnlyList<CapabilitySet> sets) => new(
        string.Join(", ", sets.Select(s => $"{s.Name} {s.Capabilities.Count}")), null, null,
        string.Join("\n", sets.Select(s => $"{s.Name}: {(s.Capabilities.Count == 0 ? "none" : string.Join(" ", s.Capabilities))}")));

    private static string Ids((uint Real, uint Effective, uint Saved, uint Filesystem) ids) =>
        $"{ids.Real}/{ids.Effective}/{ids.Saved}/{ids.Filesystem}";
}
