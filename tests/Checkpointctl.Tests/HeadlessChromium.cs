using System.Diagnostics;
using System.Text.Json;

namespace Checkpointctl.Tests;

/// <summary>What headless Chromium made of a local page.</summary>
/// <param name="Dom">The DOM after the page's scripts ran (<c>--dump-dom</c>).</param>
/// <param name="Console">Console messages the page logged (errors, uncaught exceptions, logs).</param>
/// <param name="Requests">URLs the page asked the network for (Chromium's own background requests excluded).</param>
internal sealed record ChromiumPage(string Dom, IReadOnlyList<string> Console, IReadOnlyList<string> Requests);

/// <summary>
/// Opens a local HTML file in Debian's headless <c>chromium</c> with name resolution disabled: takes a screenshot,
/// dumps the DOM, collects console messages from its log and the page's network requests from its net log.
/// </summary>
internal static class HeadlessChromium
{
    public static ChromiumPage Open(string html, string screenshot)
    {
        var profile = Directory.CreateTempSubdirectory("checkpointctl-chromium-");
        try
        {
            var netLog = Path.Combine(profile.FullName, "net.json");
            var (dom, log) = Run(
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run", "--disable-extensions",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND",
                $"--user-data-dir={profile.FullName}", "--window-size=1280,2000", "--virtual-time-budget=3000",
                "--enable-logging=stderr", "--v=0", $"--log-net-log={netLog}", $"--screenshot={screenshot}", "--dump-dom", new Uri(html).AbsoluteUri,
            ]);
            var console = log.Split('\n').Where(l => l.Contains(":CONSOLE", StringComparison.Ordinal)).ToList();
            return new ChromiumPage(dom, console, PageRequests(netLog));
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }

    private static (string Stdout, string Stderr) Run(string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo("chromium", args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("chromium did not finish within 60 s");
        }
        return (stdout.Result, stderr.Result);
    }

    // Requests the page started have its (opaque, file) origin as initiator; Chromium's own have "not an origin".
    private static List<string> PageRequests(string netLog)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(netLog));
        var startJob = doc.RootElement.GetProperty("constants").GetProperty("logEventTypes").GetProperty("URL_REQUEST_START_JOB").GetInt32();
        var urls = new List<string>();
        foreach (var e in doc.RootElement.GetProperty("events").EnumerateArray())
        {
            if (e.GetProperty("type").GetInt32() != startJob || !e.TryGetProperty("params", out var p) || !p.TryGetProperty("url", out var url))
                continue;
            var initiator = p.TryGetProperty("initiator", out var i) ? i.GetString() : null;
            if (initiator != "not an origin")
                urls.Add(url.GetString()!);
        }
        return urls;
    }
}
