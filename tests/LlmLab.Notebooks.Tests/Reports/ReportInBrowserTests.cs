using LlmLab.Notebooks.Tests.Notebooks;
using Microsoft.Playwright;

namespace LlmLab.Notebooks.Tests.Reports;

/// <summary>
/// Opens the reports of notebooks/00-charts.dib and notebooks/01-quickstart.dib in headless Chromium (Debian's
/// package, driven by Playwright) and checks what a reader would see: every chart drawn at a readable size, no
/// console errors, nothing fetched from the network. A full-page screenshot of each is left for a person to look at.
/// </summary>
public sealed class ReportInBrowserTests
{
    private static readonly string ChromiumPath = Environment.GetEnvironmentVariable("LLMLAB_CHROMIUM") ?? "/usr/bin/chromium";

    private static readonly string[] LaunchArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    [Fact]
    public async Task Every_chart_of_the_sample_report_renders_in_headless_chromium_without_console_errors()
    {
        SkipWithoutChromium();
        var dir = TestPaths.TempDir();
        var html = Path.Combine(dir, "00-charts.html");
        var run = await NotebookRunner.RunAsync(
            new NotebookRunOptions(Path.Combine(TestPaths.RepoRoot, "notebooks", "00-charts.dib")) { OutputPath = Path.Combine(dir, "00-charts.ipynb"), HtmlPath = html },
            TextWriter.Null, TestContext.Current.CancellationToken);
        Assert.Equal(NotebookRunner.ExitSucceeded, run.ExitCode);

        await AssertChartsRenderAsync(html, expectedCharts: 3, dir, "00-charts-report.png");
    }

    [Fact]
    public async Task Every_chart_of_the_quickstart_report_renders_in_headless_chromium_without_console_errors()
    {
        SkipWithoutChromium();
        var (run, progress) = await QuickstartRun.ResultAsync();
        Assert.True(run.ExitCode == NotebookRunner.ExitSucceeded, progress);

        // The model summary's bar chart, the benchmark's throughput, latency histogram and batch sweep, and the
        // notebook's own per-step latency plot.
        await AssertChartsRenderAsync(run.HtmlPath!, expectedCharts: 5, Path.GetDirectoryName(run.HtmlPath)!, "01-quickstart-report.png");
    }

    private static void SkipWithoutChromium() =>
        Assert.SkipUnless(File.Exists(ChromiumPath), $"No Chromium at {ChromiumPath}: run .ci/install-chromium (apt-get install chromium) to run this test.");

    private static async Task AssertChartsRenderAsync(string html, int expectedCharts, string screenshotDir, string screenshotName)
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ChromiumPath, Headless = true, Args = LaunchArgs });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1200, Height = 900 } });
        var problems = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error") problems.Add("console error: " + message.Text);
        };
        page.PageError += (_, error) => problems.Add("page error: " + error);
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith("file:", StringComparison.Ordinal) && !request.Url.StartsWith("data:", StringComparison.Ordinal))
            {
                problems.Add("network request: " + request.Url);
            }
        };

        await page.GotoAsync(new Uri(html).AbsoluteUri, new PageGotoOptions { WaitUntil = WaitUntilState.Load, Timeout = 60_000 });
        var charts = page.Locator(".llmlab-chart");
        Assert.Equal(expectedCharts, await charts.CountAsync());
        await page.WaitForFunctionAsync(
            "() => [...document.querySelectorAll('.llmlab-chart')].every(c => c.querySelector(\"svg.main-svg .trace path[d]:not([d=''])\"))",
            null, new PageWaitForFunctionOptions { Timeout = 30_000 });

        for (var i = 0; i < expectedCharts; i++)
        {
            var svg = charts.Nth(i).Locator("svg.main-svg").First;
            var box = await svg.BoundingBoxAsync();
            Assert.NotNull(box);
            Assert.True(box.Width > 300 && box.Height > 200, $"chart {i + 1} is {box.Width}x{box.Height} px");
            // Plotly draws each trace as a <g class="trace"> holding the lines, markers or bars as <path>s.
            var drawn = await charts.Nth(i).Locator("svg.main-svg .trace path[d]:not([d=''])").CountAsync();
            Assert.True(drawn > 0, $"chart {i + 1} has no drawn trace");
        }

        var screenshot = Path.Combine(Environment.GetEnvironmentVariable("LLMLAB_SCREENSHOT_DIR") ?? screenshotDir, screenshotName);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        TestContext.Current.SendDiagnosticMessage($"Report screenshot: {screenshot}");
        Assert.Empty(problems);
    }
}
