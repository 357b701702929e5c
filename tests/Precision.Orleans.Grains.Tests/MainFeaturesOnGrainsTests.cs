using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Training;
using Precision.Orleans.Grains.Placement;
using Xunit;

namespace Precision.Orleans.Grains.Tests;

/// <summary>
/// The engine's features on the cluster, each against the embedded trainer bit for bit: the tokenizer seam (a
/// Hugging Face tokenizer with a chat template and its stop tokens), LoRA (adapters cross the wire, merged and
/// unmerged rollout) and MoE (the routing mismatch comes back from the workers' rollouts).
/// </summary>
public sealed class MainFeaturesOnGrainsTests
{
    [Fact]
    public async Task A_run_with_a_hugging_face_tokenizer_and_chatml_equals_the_embedded_run()
    {
        using var run = new TinyRlRun();
        run.UseByteLevelTokenizer();
        // Long enough responses that some end at <|im_end|>: the workers must stop where the embedded run stops.
        // Seeds chosen so that some group earns mixed rewards (a random policy that trains nothing would prove nothing).
        string yaml = run.Yaml(iterations: 2, maxNewTokens: 40).Replace("seed: 5", "seed: 2");
        var embedded = EmbeddedReference.Run(yaml, Path.Combine(run.Root, "embedded"));
        Assert.Contains(embedded, r => r.TruncatedFraction < 1);
        await AssertClusterEqualsAsync(run, yaml, "bpe", embedded);
    }

    [Theory]
    [InlineData("merged")]
    [InlineData("unmerged")]
    public async Task A_lora_run_on_the_cluster_equals_the_embedded_run(string rollout)
    {
        using var run = new TinyRlRun();
        string yaml = run.Yaml(iterations: 2) + $"\nlora:\n  rank: 2\n  alpha: 4\n  rollout: {rollout}\n";
        var embedded = EmbeddedReference.Run(yaml, Path.Combine(run.Root, "embedded"));
        await AssertClusterEqualsAsync(run, yaml, "lora", embedded, loraWeights: true);
    }

    [Fact]
    public async Task A_grpo_advantage_run_on_the_cluster_equals_the_embedded_run()
    {
        using var run = new TinyRlRun();
        string rloo = run.Yaml(iterations: 2);
        string grpo = rloo + "\nadvantage:\n  estimator: grpo\n";
        var embedded = EmbeddedReference.Run(grpo, Path.Combine(run.Root, "embedded"));
        // The estimator must reach the prompt-group grains: with rloo's advantages the same run trains differently.
        var leaveOneOut = EmbeddedReference.Run(rloo, Path.Combine(run.Root, "embedded-rloo"));
        Assert.Contains(Enumerable.Range(0, embedded.Count), i => embedded[i].Loss != leaveOneOut[i].Loss);
        await AssertClusterEqualsAsync(run, grpo, "grpo", embedded);
    }

    [Fact]
    public async Task A_moe_run_reports_the_workers_routing_mismatch_as_the_embedded_run_does()
    {
        using var run = new TinyRlRun();
        run.UseMoeModel();
        string yaml = run.Yaml(iterations: 2);
        var embedded = EmbeddedReference.Run(yaml, Path.Combine(run.Root, "embedded"));
        Assert.All(embedded, r => Assert.NotNull(r.RoutingMismatch));
        var records = await AssertClusterEqualsAsync(run, yaml, "moe", embedded);
        for (int i = 0; i < embedded.Count; i++)
            Assert.Equal(embedded[i].RoutingMismatch, records[i].RoutingMismatch);
    }

    private static async Task<IReadOnlyList<IterationRecord>> AssertClusterEqualsAsync(TinyRlRun run, string yaml, string runId,
        IReadOnlyList<RL.Training.IterationMetrics> embedded, bool loraWeights = false)
    {
        await using var cluster = new RlCluster(Path.Combine(run.Root, "runs"));
        await cluster.StartSiloAsync("learner", SiloRoles.Learner);
        await cluster.StartSiloAsync("rollout-a", SiloRoles.Rollout, rolloutSlots: 1);
        await cluster.StartSiloAsync("rollout-b", SiloRoles.Rollout, rolloutSlots: 1);
        await cluster.Client.GetGrain<IRunGrain>(runId).Submit(yaml);
        var status = await cluster.WaitAsync(runId, s => s.State is RunState.Completed or RunState.Failed, TimeSpan.FromSeconds(90));
        Assert.True(status.State == RunState.Completed, $"run ended {status.State}: {status.Error}");
        var records = await cluster.Client.GetGrain<IRunGrain>(runId).GetMetrics(0);
        SameMetrics.Assert(embedded, records, loraWeights ? null : SameMetrics.FinalWeightsHash(Path.Combine(run.Root, "embedded")));
        return records;
    }
}
