using System.Net;
using System.Net.Http.Json;
using System.Text;
using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Client.Tests.Fakes;
using Precision.Orleans.SiloHost.Api;
using Xunit;

namespace Precision.Orleans.Client.Tests.Api;

/// <summary>The runs API over HTTP/2 against an in-process silo: submit → list → status → metrics → cancel → report.</summary>
public sealed class RunApiTests
{
    private static StringContent Yaml(string text) => new(text, Encoding.UTF8, "application/yaml");

    [Fact]
    public async Task Submit_list_status_metrics_cancel_report_round_trip()
    {
        await using var silo = await ApiSilo.StartAsync();
        using var http = silo.Client();

        var submitted = await http.PostAsync("/api/runs?id=run-a", Yaml(silo.ValidSpec(iterations: 3)));
        Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);
        Assert.Equal(new Version(2, 0), submitted.Version);
        var status = await submitted.Content.ReadFromJsonAsync<RunStatus>(SiloApiJson.Options);
        Assert.Equal(("run-a", "api-test", RunState.Submitted, 3, "grpo"), (status!.RunId, status.Name, status.State, status.Iterations, status.Algorithm));
        Assert.True(double.IsNaN(status.LastAccuracy));

        // A second submit without an id gets one made from the spec's name.
        var second = await (await http.PostAsync("/api/runs", Yaml(silo.ValidSpec()))).Content.ReadFromJsonAsync<RunStatus>(SiloApiJson.Options);
        Assert.StartsWith("api-test-", second!.RunId, StringComparison.Ordinal);

        var list = await http.GetFromJsonAsync<List<RunStatus>>("/api/runs", SiloApiJson.Options);
        Assert.Equal(["run-a", second.RunId], list!.Select(r => r.RunId));

        silo.Book.Train("run-a", RunBook.Row(1, 0.25));
        silo.Book.Train("run-a", RunBook.Row(2, 0.5));
        var running = await http.GetFromJsonAsync<RunStatus>("/api/runs/run-a", SiloApiJson.Options);
        Assert.Equal((RunState.Running, 2, 0.5, 2L), (running!.State, running.Step, running.LastAccuracy, running.WeightVersion));

        var rows = await http.GetFromJsonAsync<List<IterationRecord>>("/api/runs/run-a/metrics?from=2", SiloApiJson.Options);
        Assert.Equal(RunBook.Row(2, 0.5), Assert.Single(rows!));

        var csv = await http.GetAsync("/api/runs/run-a/metrics?format=csv");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).TrimEnd('\n').Split('\n');
        Assert.Equal(3, lines.Length);
        var header = lines[0].Split(',');
        Assert.Contains("k3", header);
        Assert.Contains("mean_abs_seq_log_ratio", header);
        Assert.Contains("tokens_per_second", header);
        var second_row = lines[2].Split(',');
        Assert.Equal("2", second_row[Array.IndexOf(header, "step")]);
        Assert.Equal("5E-07", second_row[Array.IndexOf(header, "k3")]);
        Assert.Equal("0.5", second_row[Array.IndexOf(header, "accuracy")]);

        var report = await http.GetAsync("/api/runs/run-a/report");
        Assert.Equal("text/html", report.Content.Headers.ContentType!.MediaType);
        var html = await report.Content.ReadAsStringAsync();
        Assert.Contains("<svg", html, StringComparison.Ordinal);
        Assert.Contains("Training accuracy", html, StringComparison.Ordinal);
        Assert.Contains("k3 estimate of KL", html, StringComparison.Ordinal);
        Assert.Contains("<td>0.500</td>", html, StringComparison.Ordinal);

        var cancelled = await http.PostAsync("/api/runs/run-a/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal(RunState.Cancelled, (await cancelled.Content.ReadFromJsonAsync<RunStatus>(SiloApiJson.Options))!.State);
        Assert.Equal(RunState.Cancelled, silo.Book.Runs["run-a"].State);
    }

    [Fact]
    public async Task A_bad_spec_is_refused_at_submit_with_the_validators_reason()
    {
        await using var silo = await ApiSilo.StartAsync();
        using var http = silo.Client();

        var badAlgorithm = await http.PostAsync("/api/runs?id=bad", Yaml(silo.ValidSpec().Replace("name: grpo", "name: ppo-max", StringComparison.Ordinal)));
        Assert.Equal(HttpStatusCode.BadRequest, badAlgorithm.StatusCode);
        var reason = await badAlgorithm.Content.ReadAsStringAsync();
        Assert.Contains("algorithm.name", reason, StringComparison.Ordinal);
        Assert.Contains("ppo-max", reason, StringComparison.Ordinal);

        var unknownKey = await http.PostAsync("/api/runs?id=bad", Yaml(silo.ValidSpec() + "\nwarp_speed: 9\n"));
        Assert.Equal(HttpStatusCode.BadRequest, unknownKey.StatusCode);
        Assert.Contains("warp_speed", await unknownKey.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var notYaml = await http.PostAsync("/api/runs?id=bad", Yaml("model: [unclosed"));
        Assert.Equal(HttpStatusCode.BadRequest, notYaml.StatusCode);
        Assert.Contains("YAML", await notYaml.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var badId = await http.PostAsync("/api/runs?id=a%2Fb", Yaml(silo.ValidSpec()));
        Assert.Equal(HttpStatusCode.BadRequest, badId.StatusCode);
        Assert.Contains("Run id 'a/b'", await badId.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var empty = await http.PostAsync("/api/runs", Yaml("  "));
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);

        // Nothing was stored or registered.
        Assert.Empty((await http.GetFromJsonAsync<List<RunStatus>>("/api/runs", SiloApiJson.Options))!);
    }

    [Fact]
    public async Task Unknown_run_and_unknown_format_are_named()
    {
        await using var silo = await ApiSilo.StartAsync();
        using var http = silo.Client();
        foreach (var path in new[] { "/api/runs/ghost", "/api/runs/ghost/metrics", "/api/runs/ghost/report" })
        {
            var response = await http.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Contains("No run 'ghost'", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync("/api/runs/ghost/cancel", null)).StatusCode);

        await http.PostAsync("/api/runs?id=r", Yaml(silo.ValidSpec()));
        var xml = await http.GetAsync("/api/runs/r/metrics?format=xml");
        Assert.Equal(HttpStatusCode.BadRequest, xml.StatusCode);
        Assert.Contains("json or csv", await xml.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
