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

    /// <summary>The page's script in a real browser: a click on a heading sorts by that column, a link opens what it points into.</summary>
    [ToolFact("chromium")]
    public void Tables_sort_by_the_clicked_column_and_links_open_collapsed_parts()
    {
        using var dir = new ScratchDir();
        var html = Path.Combine(dir.Path, "report.html");
        ReportFiles.Write(html, TestPaths.Wrapped("piggie-podman.tar"));
        // After the report's own script: sort process 1's mappings by size twice, then follow a link to a row of process 9's map
        const string driver = """
            <script>
            var table = document.querySelector('#cp-mm-1 table.sortable'), size = table.tHead.rows[0].cells[2];
            function column() { return Array.prototype.map.call(table.tBodies[0].rows, function (r) { return r.cells[2].getAttribute('data-v'); }).join(','); }
            size.click(); document.body.setAttribute('data-up', column());
            size.click(); document.body.setAttribute('data-down', column());
            history.replaceState(null, '', '#cp-m-9-3');
            window.dispatchEvent(new HashChangeEvent('hashchange'));
            </script>
            """;
        File.WriteAllText(html, File.ReadAllText(html).Replace("</body>", driver + "</body>", StringComparison.Ordinal));
        var page = Open(html, "sorted", screenshotShowsPage: false);
        var up = Attribute(page.Dom, "data-up").Split(',').Select(long.Parse).ToList();
        var down = Attribute(page.Dom, "data-down").Split(',').Select(long.Parse).ToList();
        Assert.Equal(24, up.Count);
        Assert.Equal(up.Order(), up);
        Assert.Equal(up.OrderDescending(), down);
        Assert.Contains("<details class=\"memmap\" id=\"cp-mm-9\" open=\"\">", page.Dom);
        Assert.DoesNotContain("<details class=\"memmap\" id=\"cp-mm-8\" open=\"\">", page.Dom);
        Assert.Contains("<th title=\"Sort by Size\" tabindex=\"0\" aria-sort=\"descending\">", page.Dom);
    }

    private static string Attribute(string dom, string name) => Regex.Match(dom, $"<body {name}=\"([^\"]*)\"|<body[^>]* {name}=\"([^\"]*)\"") is { Success: true } m
        ? m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value
        : throw new Xunit.Sdk.XunitException($"no {name} on <body>");

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

    // Opens the page, keeps its screenshot, and asserts what every report must give. A page whose URL gained a
    // fragment is captured blank by headless Chromium, hence the option.
    private static ChromiumPage Open(string html, string name, bool screenshotShowsPage = true)
    {
        var screenshot = Path.Combine(Screenshots, name + ".png");
        File.Delete(screenshot);
        var page = HeadlessChromium.Open(html, screenshot);
        Assert.Empty(page.Console);
        Assert.Empty(page.Requests);
        // A blank page compresses to some 14 KB; a report's first screen has text, tables and drawings.
        Assert.True(!screenshotShowsPage || new FileInfo(screenshot).Length > 40_000, $"screenshot {screenshot} looks empty");
        return page;
    }

    [GeneratedRegex("<html [^>]*data-ready=\"yes\"")]
    private static partial Regex ScriptsRan();
}
