using Microsoft.Playwright;
using Orleans;
using Orleans.Runtime;
using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Client.Tests.Console;
using Xunit;

namespace Precision.Orleans.Client.Tests.MultiProcess;

/// <summary>
/// The learner silo's web port in headless Chromium (Debian's, which ./test.sh installs; driven by Playwright): log in,
/// then the Orleans Dashboard shows the silos, the grain types and the learner silo's RL counters, and the run pages draw a finished run's accuracy and
/// k3 curves. Screenshots go to $PRECISION_SCREENSHOTS (docs/ when regenerating them) or a temp directory.
/// </summary>
public sealed class WebBrowserTests
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task Headless_chromium_logs_in_and_sees_the_orleans_dashboard_and_a_runs_curves()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: ./test.sh installs it (apt package chromium)");
        await using var cluster = new SiloCluster();
        var learner = await cluster.StartSiloAsync("learner", "learner", web: true);
        await cluster.StartSiloAsync("rollout-a", "rollout", rolloutSlots: 1);
        await cluster.ConnectAsync();
        var spec = cluster.Tiny.WriteSpec(6);
        var submit = await CommandRun.InvokeAsync("submit", spec, "--id", "web-1", "--watch", "--cluster", cluster.Url);
        Assert.True(submit.ExitCode == 0, submit.Output + submit.Error);

        string shots = Environment.GetEnvironmentVariable("PRECISION_SCREENSHOTS") is { Length: > 0 } dir ? dir : Directory.CreateTempSubdirectory("precision-shots-").FullName;
        Directory.CreateDirectory(shots);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox"] });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        string web = $"http://127.0.0.1:{learner.WebPort}";

        // Not logged in: the run pages send the browser to the login form.
        await page.GotoAsync(web + "/runs");
        Assert.EndsWith("/login", page.Url, StringComparison.Ordinal);
        await page.FillAsync("input[name=password]", SiloCluster.WebPassword);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync(web + "/runs");

        // The run pages: the finished run's row and its four curves (accuracy, k3, |log π/μ|, tokens/s).
        await page.WaitForSelectorAsync("#curves polyline", new PageWaitForSelectorOptions { Timeout = 20_000, State = WaitForSelectorState.Attached });
        var runs = await page.InnerTextAsync("#runs");
        Assert.Contains("web-1", runs, StringComparison.Ordinal);
        Assert.Contains("Completed", runs, StringComparison.Ordinal);
        Assert.Contains("6 / 6", runs, StringComparison.Ordinal);
        Assert.Equal(4, await page.Locator("#curves polyline").CountAsync());
        var captions = await page.InnerTextAsync("#curves");
        Assert.Contains("accuracy", captions, StringComparison.Ordinal);
        Assert.Contains("k3", captions, StringComparison.Ordinal);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "run-pages.png"), FullPage = true });

        // The Orleans Dashboard: its overview counts both silos and shows the call rates; its grains page lists the RL grain types.
        await page.GotoAsync(web + "/dashboard/");
        await WaitForTextAsync(page, "ACTIVE SILOS", shots);
        var overview = await page.InnerTextAsync("body");
        Assert.Matches(@"ACTIVE SILOS\s+2\b", overview);
        Assert.Contains("REQ/SEC", overview, StringComparison.Ordinal);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "orleans-dashboard.png"), FullPage = true });
        await page.GotoAsync(web + "/dashboard/#/grains");
        await WaitForTextAsync(page, "LearnerGrain", shots);
        var grains = await page.InnerTextAsync("body");
        Assert.Contains("RunGrain", grains, StringComparison.Ordinal);
        Assert.Contains("RolloutWorkerGrain", grains, StringComparison.Ordinal);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "orleans-dashboard-grains.png"), FullPage = true });

        // The learner silo's counters page: the RL counters (on the Microsoft.Orleans meter) beside the runtime's, with
        // the run's 6 steps counted there.
        var hosts = await cluster.Client.Grains.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: true);
        var learnerAddress = hosts.Single(h => h.SiloName == "learner").SiloAddress.ToParsableString();
        await page.GotoAsync(web + $"/dashboard/#/host/{learnerAddress}/counters");
        foreach (var counter in new[] { "precision-rl-steps", "precision-rl-groups", "precision-rl-response-tokens", "precision-rl-rollout-tokens-per-second" })
            await WaitForTextAsync(page, counter, shots);
        var steps = page.Locator("tr", new PageLocatorOptions { HasText = "precision-rl-steps" });
        Assert.Matches(@"precision-rl-steps\s+6\b", await steps.First.InnerTextAsync());
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "orleans-dashboard-counters.png"), FullPage = true });
        Assert.True(await cluster.Client.Grains.GetGrain<IRunGrain>("web-1").GetStatus() is { State: RunState.Completed });
    }

    private static async Task WaitForTextAsync(IPage page, string text, string shots)
    {
        try
        {
            await page.WaitForFunctionAsync($"() => document.body.innerText.includes('{text}')", null, new PageWaitForFunctionOptions { Timeout = 30_000 });
        }
        catch (TimeoutException)
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "timeout.png"), FullPage = true });
            throw new Xunit.Sdk.XunitException($"'{text}' did not appear on {page.Url} within 30 s; the page says:\n" + await page.InnerTextAsync("body"));
        }
    }
}
