using System.Text.RegularExpressions;

namespace Checkpointctl.Tests;

/// <summary>
/// Each fixture's report opened by headless Chromium without network: no console message, no request, scripts ran,
/// every process and mapping in the DOM. The screenshots are kept in <c>report-screenshots/</c> of the test output.
/// </summary>
public partial class ReportChromiumTests
{
    private static readonly string Screenshots = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "report-screenshots")).FullName;

    [ToolTheory("chromium")]
    [MemberData(nameof(ReportFiles.Fixtures), MemberType = typeof(ReportFiles))]
    public void Chromium_shows_the_report_without_errors_or_requests(string fixture)
    {
        using var dir = new ScratchDir();
        var path = ReportFiles.PathOf(fixture);
        var html = Path.Combine(dir.Path, "report.html");
        ReportFiles.Write(html, path);
        var page = Open(html, fixture.Replace('/', '-'));
        Assert.Matches(ScriptsRan(), page.Dom);
        ReportFiles.AssertComplete(page.Dom, path);
    }

    [ToolFact("chromium")]
    public void Hostile_text_adds_no_element_to_the_dom()
    {
        using var dir = new ScratchDir();
        var html = Path.Combine(dir.Path, "report.html");
        ReportFiles.Write(html, ReportTests.HostileCheckpoint(dir.Path));
        var page = Open(html, "hostile");
        Assert.Matches(ScriptsRan(), page.Dom);
        Assert.Single(page.Dom.Split("<script").Skip(1));
        Assert.DoesNotContain("<img", page.Dom);
        Assert.DoesNotContain("<i onclick", page.Dom);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", page.Dom);
    }

    /// <summary>The checks above can fail: a page with a console error, an exception and a remote image is caught.</summary>
    [ToolFact("chromium")]
    public void A_console_error_and_a_request_are_detected()
    {
        using var dir = new ScratchDir();
        var html = Path.Combine(dir.Path, "bad.html");
        File.WriteAllText(html, "<!DOCTYPE html><html><body><p>bad</p><script>console.error('bad-page'); missing();</script>"
                                + "<img src=\"http://checkpointctl-test.invalid/x.png\"></body></html>");
        var page = HeadlessChromium.Open(html, Path.Combine(dir.Path, "bad.png"));
        Assert.Contains(page.Console, l => l.Contains("bad-page", StringComparison.Ordinal));
        Assert.Contains(page.Console, l => l.Contains("missing is not defined", StringComparison.Ordinal));
        Assert.Equal(["http://checkpointctl-test.invalid/x.png"], page.Requests);
        Assert.DoesNotMatch(ScriptsRan(), page.Dom);
    }

    // Opens the page, keeps its screenshot, and asserts what every report must give.
    private static ChromiumPage Open(string html, string name)
    {
        var screenshot = Path.Combine(Screenshots, name + ".png");
        File.Delete(screenshot);
        var page = HeadlessChromium.Open(html, screenshot);
        Assert.Empty(page.Console);
        Assert.Empty(page.Requests);
        // A blank page compresses to some 14 KB; a report's first screen has text, tables and drawings.
        Assert.True(new FileInfo(screenshot).Length > 40_000, $"screenshot {screenshot} looks empty");
        return page;
    }

    [GeneratedRegex("<html [^>]*data-ready=\"yes\"")]
    private static partial Regex ScriptsRan();
}
