using System.Diagnostics;
using System.Text;
using Precision.Orleans.Client.Tests.Fakes;
using Xunit;

namespace Precision.Orleans.Client.Tests.Api;

/// <summary>
/// The dashboard in a real browser (headless Chromium, which ./test.sh installs): logging in with ?token= once, the
/// page's script polls the API with the session cookie and fills the silo, grain-type and run tables and draws the
/// run's curves. The DOM after the script ran is what is checked.
/// </summary>
public sealed class DashboardBrowserTests
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task Headless_chromium_logs_in_and_the_script_fills_the_page()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: ./test.sh installs it (apt package chromium)");
        await using var silo = await ApiSilo.StartAsync();
        using var http = silo.Client();
        await http.PostAsync("/api/runs?id=r1", new StringContent(silo.ValidSpec(5), Encoding.UTF8, "application/yaml"));
        for (var step = 1; step <= 4; step++)
        {
            silo.Book.Train("r1", RunBook.Row(step, step / 5.0));
        }

        var profile = Directory.CreateTempSubdirectory("precision-chromium-").FullName;
        try
        {
            var start = new ProcessStartInfo(Chromium)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var arg in new[] { "--headless", "--no-sandbox", "--disable-gpu", $"--user-data-dir={profile}", "--virtual-time-budget=8000", "--dump-dom",
                $"{silo.DashboardUrl}/dashboard?token={ApiSilo.Token}" })
            {
                start.ArgumentList.Add(arg);
            }
            using var browser = Process.Start(start)!;
            var stderr = browser.StandardError.ReadToEndAsync();
            var dom = await browser.StandardOutput.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await browser.WaitForExitAsync(timeout.Token);

            Assert.True(dom.Contains("<table id=\"silos\">", StringComparison.Ordinal), "no dashboard DOM; chromium said: " + await stderr);
            Assert.Contains("<td class=\"l\">api-silo <small>", dom, StringComparison.Ordinal);
            Assert.Contains("<td>Active</td><td>learner</td>", dom, StringComparison.Ordinal);
            Assert.Contains("<td class=\"l\">IRunGrain</td><td>1</td>", dom, StringComparison.Ordinal);
            Assert.Contains("<td class=\"l\">r1</td><td>api-test</td><td>Running</td><td>4 / 5</td><td>0.800</td>", dom, StringComparison.Ordinal);
            // Four charts drawn (the script's own source holds the tag only with escaped quotes).
            Assert.Equal(4, dom.Split("<polyline fill=\"none\"").Length - 1);
            Assert.Contains("answered by api-silo", dom, StringComparison.Ordinal);
            Assert.DoesNotContain("class=\"err\"", dom, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(profile, recursive: true);
        }
    }
}
