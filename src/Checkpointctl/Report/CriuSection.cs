using Checkpointctl.Cli.Rendering;
using Checkpointctl.Core.Model;

namespace Checkpointctl.Cli.Report;

/// <summary>What CRIU recorded about the dump: inventory, plugins and GPUs, and dump.log's warnings and errors.</summary>
internal static class CriuSection
{
    public static void Write(Html html, ReportCheckpoint c)
    {
        HtmlReport.Heading(html, c, "criu", "CRIU");
        var i = c.Inspection;
        if (i.Inventory is { } inv)
            Inventory(html, inv);
        if (i.Gpu.IsPresent)
            Gpu(html, i.Gpu);
        if (i.Logs?.DumpLog is { } log)
        {
            html.Element("h3", $"Dump log ({log.Member}): {log.ErrorCount} errors, {log.WarningCount} warnings");
            Table.Write(html, ["Line"], log.Problems.Select(p => new Row([p])).ToList());
        }
        if (i.Logs?.ContainerLog is { } ctr)
        {
            html.Element("h3", $"Container log ({ctr.Member}): last {ctr.Tail.Count} of {ctr.LineCount} lines");
            html.Open("pre", ("class", "mono")).Text(string.Join('\n', ctr.Tail)).Close("pre");
        }
    }

    private static void Inventory(Html html, InventoryView v)
    {
        html.Element("h3", "Inventory");
        OverviewSection.Facts(html,
        [
            ("CRIU version", v.CriuVersion ?? ""), ("Image version", v.ImageVersion?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? ""),
            ("LSM", v.Lsm ?? ""), ("Network lock", v.NetworkLock), ("Plugins", v.Plugins is { } p ? (p.Count == 0 ? "none" : string.Join(", ", p)) : ""),
            ("Pre-dump mode", v.PreDumpMode ?? ""), ("Parent", v.ParentLink ?? ""),
            ("Lazy pages", Html.Int(v.LazyPages)), ("Pages in parent", Html.Int(v.ParentPages)),
            ("Root IDs", string.Join(", ", v.RootIds.Select(r => $"{r.Kind} {r.Id}"))),
        ]);
    }

    private static void Gpu(Html html, GpuState gpu)
    {
        html.Element("h3", "GPU");
        OverviewSection.Facts(html, [("Plugins", string.Join(", ", gpu.Plugins ?? [])), ("CUDA state", gpu.Cuda ? "yes" : "no"),
            ("AMD GPU images", Units.Bytes(gpu.AmdGpuImagesSize))]);
        Table.Write(html, ["PID", "GPU ID", "Vendor", "Device", "VRAM", "Buffer objects", "Buffer bytes"], gpu.AmdGpus.Select(d => new Row(
        [
            Cell.Number(d.Pid), Html.Hex(d.GpuId), Html.Hex(d.VendorId), Html.Hex(d.DeviceId), Cell.Number(d.VramSize, Units.Bytes((long)Math.Min(d.VramSize, long.MaxValue))),
            Cell.Number(d.BufferObjects), Cell.Number(d.BufferObjectsSize, Units.Bytes((long)Math.Min(d.BufferObjectsSize, long.MaxValue))),
        ])).ToList());
    }
}
