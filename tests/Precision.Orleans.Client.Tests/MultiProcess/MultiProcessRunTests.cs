using System.Globalization;
using System.Net;
using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Client.Tests.Console;
using Precision.Orleans.RL.Training;
using Xunit;

namespace Precision.Orleans.Client.Tests.MultiProcess;

/// <summary>
/// redis-server + a learner silo + two rollout silos, all real processes on loopback, and the console as an Orleans
/// client: a submitted run completes and equals the embedded trainer bit for bit, the embedded `precision submit`
/// agrees, a bad spec and a wrong Redis password are refused with the reason, and the web port (login, run pages,
/// runs API, Orleans Dashboard) answers. One cluster for the class.
/// </summary>
public sealed class MultiProcessRunTests(MultiProcessRunTests.Cluster cluster) : IClassFixture<MultiProcessRunTests.Cluster>
{
    private const int Iterations = 4;

    public sealed class Cluster : IAsyncLifetime
    {
        public SiloCluster Silos { get; } = new();
        public SiloProcess Learner { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            var learner = Silos.StartSiloAsync("learner", "learner", web: true);
            var a = Silos.StartSiloAsync("rollout-a", "rollout", rolloutSlots: 1);
            var b = Silos.StartSiloAsync("rollout-b", "rollout", rolloutSlots: 1);
            Learner = await learner;
            await Task.WhenAll(a, b);
            await Silos.ConnectAsync();
        }

        public async Task DisposeAsync() => await Silos.DisposeAsync();
    }

    private string[] OnCluster(params string[] args) => [.. args, "--cluster", cluster.Silos.Url];

    [Fact]
    public async Task A_run_submitted_by_the_console_completes_on_three_silo_processes_and_equals_the_embedded_trainer()
    {
        var tiny = cluster.Silos.Tiny;
        var spec = tiny.WriteSpec(Iterations);
        var submit = await CommandRun.InvokeAsync(OnCluster("submit", spec, "--id", "mp-1", "--watch"));
        Assert.True(submit.ExitCode == 0, submit.Output + submit.Error);
        Assert.Contains($"Completed, step {Iterations}/{Iterations}", submit.Output, StringComparison.Ordinal);

        // The embedded trainer on the same spec: identical metrics for every step (same seeds, same sampling streams).
        var embedded = RunLedger.Embedded(spec, tiny.Root, Path.Combine(tiny.Root, "embedded"));
        Assert.Contains(embedded, r => r.GradNormMax > 0);
        var records = await cluster.Silos.Client.MetricsAsync("mp-1", 0);
        Assert.Equal(Iterations, records.Count);
        for (int i = 0; i < Iterations; i++)
        {
            Assert.Equal(embedded[i].Loss, records[i].Loss);
            Assert.Equal(embedded[i].K3, records[i].K3);
            Assert.Equal(embedded[i].Accuracy, records[i].Accuracy);
            Assert.Equal(embedded[i].GradNormMean, records[i].GradNormMean);
            Assert.Equal(embedded[i].ResponseTokens, records[i].ResponseTokens);
        }
        // Both rollout silos worked, every group of every step once.
        var trained = await cluster.Silos.Client.Grains.GetGrain<IRunGrain>("mp-1").GetTrainedGroups();
        Assert.Equal(Enumerable.Range(1, Iterations).SelectMany(s => new[] { (s, 0), (s, 1) }), trained.Select(t => (t.Step, t.PromptIndex)).Order());
        Assert.Equal(["rollout-a/0", "rollout-b/0"], trained.Select(t => t.WorkerKey).Distinct().Order());
        // The learner silo wrote the trainer's metrics files in its run directory.
        Assert.Equal(Iterations, File.ReadAllLines(Path.Combine(cluster.Silos.RunsRoot, "mp-1", MetricsLog.JsonlFileName)).Length);

        var csv = await CommandRun.InvokeAsync(OnCluster("metrics", "mp-1", "--csv"));
        var rows = csv.Output.TrimEnd('\n').Split('\n');
        Assert.Equal(Iterations + 1, rows.Length);
        var header = rows[0].Split(',');
        Assert.Equal(embedded[^1].K3, double.Parse(rows[^1].Split(',')[Array.IndexOf(header, "k3")], CultureInfo.InvariantCulture));
        var list = await CommandRun.InvokeAsync(OnCluster("list"));
        Assert.Contains("mp-1", list.Output, StringComparison.Ordinal);
        var status = await CommandRun.InvokeAsync(OnCluster("status", "mp-1"));
        Assert.Contains("Completed", status.Output, StringComparison.Ordinal);
        string html = Path.Combine(tiny.Root, "mp-1.html");
        var report = await CommandRun.InvokeAsync(OnCluster("report", "mp-1", "--out", html));
        Assert.True(report.ExitCode == 0, report.Error);
        Assert.Contains("<svg", File.ReadAllText(html), StringComparison.Ordinal);

        // Without --cluster the same spec runs on an in-process silo, with the same metrics.
        var local = await CommandRun.InvokeAsync("submit", spec, "--id", "local-1", "--runs-root", Path.Combine(tiny.Root, "local"));
        Assert.True(local.ExitCode == 0, local.Output + local.Error);
        var localRows = File.ReadAllLines(Path.Combine(tiny.Root, "local", "local-1", MetricsLog.JsonlFileName)).Select(MetricsLog.ParseRow).ToList();
        Assert.Equal(embedded.Select(r => r.Loss), localRows.Select(r => r.Loss));
    }

    [Fact]
    public async Task A_bad_spec_is_refused_at_submit_with_the_validators_reason_and_nothing_is_stored()
    {
        var spec = cluster.Silos.Tiny.WriteSpec(2);
        File.WriteAllText(spec, File.ReadAllText(spec).Replace("max_new_tokens: 12", "max_new_tokens: 0"));
        var refused = await CommandRun.InvokeAsync(OnCluster("submit", spec, "--id", "bad-1"));
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("The run spec was refused", refused.Error, StringComparison.Ordinal);
        Assert.Contains("rollout.max_new_tokens", refused.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(await cluster.Silos.Client.ListAsync(), r => r.RunId == "bad-1");
        var unknown = await CommandRun.InvokeAsync(OnCluster("status", "no-such-run"));
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("No run 'no-such-run'", unknown.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_with_a_wrong_redis_password_is_refused_with_a_clear_message()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var refused = await CommandRun.InvokeAsync("list", "--cluster", cluster.Silos.Redis.UrlWithWrongPassword);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("Cannot connect to the cluster's Redis", refused.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password", refused.Error, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task The_web_port_needs_the_login_then_serves_the_run_pages_the_runs_api_and_the_orleans_dashboard()
    {
        var baseUri = new Uri($"http://127.0.0.1:{cluster.Learner.WebPort}");
        using var anonymous = new HttpClient { BaseAddress = baseUri };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/runs")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/dashboard")).StatusCode);
        var wrong = await anonymous.PostAsync("/login", new FormUrlEncodedContent([new("password", "wrong-password-wrong-password")]));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);

        using var handler = new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false };
        using var browser = new HttpClient(handler) { BaseAddress = baseUri };
        var login = await browser.PostAsync("/login", new FormUrlEncodedContent([new("password", SiloCluster.WebPassword)]));
        Assert.Equal(HttpStatusCode.SeeOther, login.StatusCode);
        Assert.Contains("Precision.Orleans runs", await browser.GetStringAsync("/runs"), StringComparison.Ordinal);
        Assert.StartsWith("[", await browser.GetStringAsync("/api/runs"), StringComparison.Ordinal);
        var dashboard = await browser.GetAsync("/dashboard/");
        Assert.True(dashboard.IsSuccessStatusCode, $"/dashboard/: {dashboard.StatusCode}");
        Assert.Contains("<html", await dashboard.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }
}
