using Checkpointctl.Core.Analysis;

namespace Checkpointctl.Cli.Rendering;

/// <summary><c>check</c>'s output: one line per finding and a summary per checkpoint, or JSON.</summary>
internal static class CheckRenderer
{
    public static void WriteText(TextWriter output, IReadOnlyList<CheckpointCheck> reports)
    {
        foreach (var r in reports)
        {
            output.Write($"Checking {r.Path}\n");
            var checkWidth = r.Findings.Count == 0 ? 0 : r.Findings.Max(f => f.Check.Length);
            foreach (var f in r.Findings)
                output.Write($"{Name(f.Severity),-8} {f.Check.PadRight(checkWidth)}  {f.Message}\n");
            output.Write($"Summary: {Summary(r)}\n");
        }
    }

    public static void WriteJson(TextWriter output, IReadOnlyList<CheckpointCheck> reports)
    {
        var w = new GoJsonWriter();
        w.BeginArray();
        foreach (var r in reports)
        {
            w.BeginObject();
            w.Property("checkpoint", r.Path);
            w.Property("clean", r.IsClean);
            w.Property("errors", r.Errors);
            w.Property("blockers", r.Blockers);
            w.Property("warnings", r.Warnings);
            w.Property("summary", Summary(r));
            w.Name("findings");
            w.BeginArray();
            foreach (var f in r.Findings)
            {
                w.BeginObject();
                w.Property("severity", Name(f.Severity));
                w.Property("check", f.Check);
                w.Property("message", f.Message);
                w.EndObject();
            }
            w.EndArray();
            w.EndObject();
        }
        w.EndArray();
        output.Write(w.ToString());
        output.Write('\n');
    }

    private static string Name(CheckSeverity severity) => severity switch
    {
        CheckSeverity.Info => "info",
        CheckSeverity.Warning => "warning",
        CheckSeverity.Error => "error",
        _ => "blocker",
    };

    private static string Summary(CheckpointCheck r)
    {
        var counts = $"{Count(r.Errors, "error")}, {Count(r.Blockers, "blocker")}, {Count(r.Warnings, "warning")}";
        if (r.Errors > 0)
            return $"{counts}: damaged, it cannot be restored";
        if (r.Blockers > 0)
            return $"{counts}: complete, but this host cannot restore it";
        return r.Warnings > 0 ? $"{counts}: complete; a restore may fail" : $"{counts}: clean";
    }

    private static string Count(int n, string what) => n == 1 ? $"1 {what}" : $"{n} {what}s";
}
