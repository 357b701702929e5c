using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Training;
using Xunit;

namespace Precision.Orleans.RL.Tests.Training;

/// <summary>
/// The routing-mismatch metrics after the learner/rollout split: the learner compares the training engine's routing in
/// the π pass with the routing each rollout carried (embedded runs), and reports nothing for dense policies.
/// </summary>
public sealed class MoeRoutingMetricsTests
{
    /// <summary>A two-layer qwen3_moe policy over the tiny run's vocabulary, so per-layer keys and "any layer" mean something.</summary>
    private static void UseMoeModel(TinyRun run)
    {
        var dense = ModelCheckpoint.Load(run.ModelDir).Config;
        var config = dense with
        {
            ModelType = "qwen3_moe", NumHiddenLayers = 2, NumExperts = 4, NumExpertsPerToken = 2, MoeIntermediateSize = 8, NormTopKProb = true,
        };
        var engine = new TrainingEngine(config, new TrainingOptions(), null, seed: 3);
        ModelCheckpoint.Save(run.ModelDir, config, engine.Layout, engine.MasterWeights);
    }

    [Theory]
    [InlineData("grpo")]      // π from the old-log-prob pass over every sample
    [InlineData("pg-seq-is")] // π from the first mini-batch's forward
    public void An_embedded_moe_run_reports_routing_mismatch_per_layer(string algorithm)
    {
        using var run = new TinyRun();
        UseMoeModel(run);
        var rows = RlTrainerTests.RunRows(run, run.Yaml(algorithm: algorithm, train: "bf16", rollout: "bf16", iterations: 2, checkpointEvery: 0));
        Assert.Equal(2, rows.Count);
        foreach (var row in rows)
        {
            Assert.NotNull(row.RoutingMismatch);
            Assert.NotNull(row.RoutingMismatchAnyLayer);
            double overall = row.RoutingMismatch.Value, any = row.RoutingMismatchAnyLayer.Value;
            Assert.InRange(overall, 0, 1);
            Assert.InRange(any, overall, 1);
            Assert.Equal(["layer0", "layer1"], row.RoutingMismatchByLayer.Keys.Order());
            // The overall fraction is the mean over the layers (each counts the same tokens).
            Assert.Equal(row.RoutingMismatchByLayer.Values.Average(), overall, 12);
            Assert.True(row.RoutingMismatchByLayer.Values.Max() <= any + 1e-12);
        }
    }

    [Fact]
    public void A_dense_run_reports_no_routing_mismatch()
    {
        using var run = new TinyRun();
        var row = Assert.Single(RlTrainerTests.RunRows(run, run.Yaml(iterations: 1, checkpointEvery: 0)));
        Assert.Null(row.RoutingMismatch);
        Assert.Null(row.RoutingMismatchAnyLayer);
        Assert.Empty(row.RoutingMismatchByLayer);
    }
}
