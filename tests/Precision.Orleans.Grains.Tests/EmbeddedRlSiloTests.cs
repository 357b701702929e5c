using System.Text.Json.Nodes;
using Microsoft.Extensions.Hosting;
using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.RL.Training;
using Xunit;

namespace Precision.Orleans.Grains.Tests;

/// <summary>
/// The one-process silo (what <c>precision submit</c> without --cluster runs): the learner grain runs the same loop as
/// <c>precision train</c>, so its run directory's metrics files equal the embedded trainer's except for timings.
/// </summary>
public sealed class EmbeddedRlSiloTests
{
    /// <summary>Wall-clock fields: the only ones two runs of one spec may differ in.</summary>
    private static readonly string[] Timings = ["rollout_seconds", "old_log_prob_seconds", "train_seconds", "sync_seconds", "iteration_seconds"];

    [Fact]
    public async Task A_one_silo_cluster_writes_the_embedded_trainers_metrics_rows_except_timings()
    {
        using var run = new TinyRlRun();
        string yaml = run.Yaml(iterations: 3);
        string embeddedDir = Path.Combine(run.Root, "embedded");
        var embedded = EmbeddedReference.Run(yaml, embeddedDir);
        using var silo = EmbeddedRlSilo.Build(new RlGrainOptions { RunsRoot = Path.Combine(run.Root, "runs") });
        await silo.StartAsync();
        var runGrain = silo.Grains().GetGrain<IRunGrain>("one");
        await runGrain.Submit(yaml);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await runGrain.GetStatus()).State is not (RunState.Completed or RunState.Failed))
        {
            Assert.True(DateTime.UtcNow < deadline, "the embedded run did not complete in 60 s");
            await Task.Delay(50);
        }
        var status = await runGrain.GetStatus();
        Assert.True(status.State == RunState.Completed, $"{status.State}: {status.Error}");
        SameMetrics.Assert(embedded, await runGrain.GetMetrics(0), SameMetrics.FinalWeightsHash(embeddedDir));
        string clusterDir = Path.Combine(run.Root, "runs", "one");
        Assert.True(File.Exists(Path.Combine(clusterDir, "spec.yaml")));

        var expected = File.ReadAllLines(Path.Combine(embeddedDir, MetricsLog.JsonlFileName)).Select(WithoutTimings).ToList();
        var actual = File.ReadAllLines(Path.Combine(clusterDir, MetricsLog.JsonlFileName)).Select(WithoutTimings).ToList();
        Assert.Equal(3, expected.Count);
        Assert.Equal(expected, actual);
        // The CSV has the same header and as many rows (its cells are the same values).
        var csvE = File.ReadAllLines(Path.Combine(embeddedDir, MetricsLog.CsvFileName));
        var csvC = File.ReadAllLines(Path.Combine(clusterDir, MetricsLog.CsvFileName));
        Assert.Equal(csvE[0], csvC[0]);
        Assert.Equal(csvE.Length, csvC.Length);
        await silo.StopAsync();
    }

    private static string WithoutTimings(string jsonLine)
    {
        var row = JsonNode.Parse(jsonLine)!.AsObject();
        foreach (var key in Timings) Assert.True(row.Remove(key), $"metrics row has no '{key}'");
        return row.ToJsonString();
    }
}
