using Precision.Orleans.Abstractions.Grains.Rl;
using Xunit;

namespace Precision.Orleans.Grains.Tests;

public sealed class EmbeddedRlSiloTests
{
    [Fact]
    public async Task The_one_process_silo_runs_the_grains_to_the_embedded_trainers_result()
    {
        using var run = new TinyRlRun();
        string yaml = run.Yaml(iterations: 2);
        var embedded = EmbeddedReference.Run(yaml, Path.Combine(run.Root, "embedded"));
        await using var silo = EmbeddedRlSilo.Build(new RlGrainOptions { RunsRoot = Path.Combine(run.Root, "runs") });
        await silo.StartAsync();
        var runGrain = silo.GrainFactory.GetGrain<IRunGrain>("one");
        await runGrain.Submit(yaml);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await runGrain.GetStatus()).State is not (RunState.Completed or RunState.Failed))
        {
            Assert.True(DateTime.UtcNow < deadline, "the embedded run did not complete in 60 s");
            await Task.Delay(50);
        }
        Assert.Equal(RunState.Completed, (await runGrain.GetStatus()).State);
        SameMetrics.Assert(embedded, await runGrain.GetMetrics(0), SameMetrics.FinalWeightsHash(Path.Combine(run.Root, "embedded")));
        Assert.True(File.Exists(Path.Combine(run.Root, "runs", "one", "spec.yaml")));
        await silo.StopAsync();
    }
}
