using Precision.Orleans.Abstractions;
using Precision.Orleans.Abstractions.Grains.Distributed;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Rollout;
using Precision.Orleans.Engine.Training;
using Precision.Orleans.Grains.Distributed;
using Orleans.TestingHost;
using Xunit;

namespace Precision.Orleans.Grains.Tests.Distributed;

/// <summary>
/// Expert-parallel rollout on a two-silo in-process Orleans cluster: ExpertWorker grains hold disjoint expert sets at
/// a weight version; a rollout engine whose experts run on 2 or 4 of them gives the tokens, μ and routing of one
/// engine holding every expert, bit for bit; and an expert-parallel training step through the same grains gives the
/// single learner's weights, bit for bit.
/// </summary>
public sealed class ExpertWorkerClusterTests : IAsyncLifetime
{
    private InProcessTestCluster _cluster = null!;

    private static ModelConfig Model => new()
    {
        ModelType = "qwen3_moe", VocabSize = 23, HiddenSize = 16, IntermediateSize = 24, NumHiddenLayers = 3,
        NumAttentionHeads = 4, NumKeyValueHeads = 2, TieWordEmbeddings = false,
        NumExperts = 6, NumExpertsPerToken = 2, MoeIntermediateSize = 12, NormTopKProb = true, MlpOnlyLayers = [1],
    };

    public async Task InitializeAsync() => _cluster = await LearnerSilos.StartAsync(2);

    public Task DisposeAsync() => LearnerSilos.StopAsync(_cluster);

    [Theory]
    [InlineData("fp16", 2)]
    [InlineData("fp16", 4)]
    [InlineData("bf16", 4)]
    public async Task Rollouts_on_expert_workers_are_bit_identical_to_one_holder_of_every_expert(string dtypeName, int owners)
    {
        var config = Model.Validate();
        var dtype = DTypeNames.Parse(dtypeName);
        var rng = new Random(31);
        var weights = Enumerable.Range(0, (int)new ParameterLayout(config).TotalCount).Select(_ => (float)(rng.NextDouble() * 0.5 - 0.25)).ToArray();
        var prompts = Enumerable.Range(0, 4).Select(_ => Enumerable.Range(0, rng.Next(3, 12)).Select(_ => rng.Next(config.VocabSize)).ToArray()).ToArray();
        var options = new SamplingOptions { Temperature = 1, MaxNewTokens = 12, Seed = 32 };

        var local = new RolloutEngine(config, dtype, maxBatchSize: 4);
        local.LoadWeights(weights, 5);
        var expected = local.Generate(prompts, options);

        var group = new ExpertWorkerGroup(_cluster.Client, $"ep-{dtypeName}-{owners}", config, dtype, owners);
        await group.LoadAsync(weights, 5);
        // The group's engine holds zeros for every expert: identical output means the experts ran on the grains.
        var layout = new ParameterLayout(config);
        var withoutExperts = (float[])weights.Clone();
        foreach (var layer in layout.Layers)
            foreach (var x in layer.Experts)
                foreach (long offset in new[] { x.GateProj, x.UpProj, x.DownProj })
                    Array.Clear(withoutExperts, (int)offset, config.MoeIntermediateSize * config.HiddenSize);
        var parallel = new RolloutEngine(config, dtype, maxBatchSize: 4);
        parallel.LoadWeights(withoutExperts, 5);
        parallel.ExpertExecutor = group;
        var actual = await Task.Run(() => parallel.Generate(prompts, options));

        for (int o = 0; o < owners; o++)
            Assert.Equal(5, await _cluster.Client.GetGrain<IExpertWorkerGrain>($"ep-{dtypeName}-{owners}/expert/{owners}/{o}").GetWeightVersion());
        for (int s = 0; s < expected.Count; s++)
        {
            Assert.Equal(expected[s].Tokens, actual[s].Tokens);
            Assert.Equal(expected[s].LogProbs, actual[s].LogProbs);
            var a = expected[s].Routing!;
            var b = actual[s].Routing!;
            for (int l = 0; l < a.MoeLayers; l++)
                for (int p = 0; p < a.Positions; p++) Assert.True(a.SameSet(b, l, p), $"sequence {s} layer {l} position {p}");
        }
    }

    [Theory]
    [InlineData("fp16", 2)]
    [InlineData("bf16", 4)]
    public async Task Training_steps_through_expert_workers_give_the_single_learners_weights(string dtypeName, int owners)
    {
        var config = Model.Validate();
        var dtype = DTypeNames.Parse(dtypeName);
        var options = new TrainingOptions { ComputeDType = dtype, RouterAuxLossCoef = 0.01f, LossScaler = new LossScalerOptions { InitialScale = 1024f } };
        var rng = new Random(41);
        var weights = Enumerable.Range(0, (int)new ParameterLayout(config).TotalCount).Select(_ => (float)(rng.NextDouble() * 0.5 - 0.25)).ToArray();
        var local = new TrainingEngine(config, options, (float[])weights.Clone());
        var parallel = new TrainingEngine(config, options, (float[])weights.Clone());
        var group = new ExpertTrainingGroup(_cluster.Client, $"ept-{dtypeName}-{owners}", config, dtype, owners);
        await Task.Run(() => parallel.ExpertExecutor = group);
        for (int step = 0; step < 2; step++)
        {
            var batch = TokenBatch.FromSequences([.. Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, rng.Next(4, 10)).Select(_ => rng.Next(config.VocabSize)).ToArray())], [1, 1, 2]);
            var dLogp = batch.TargetMask.Select(m => -m / 8f).ToArray();
            var expected = local.Forward(batch);
            local.Backward(dLogp);
            var a = local.OptimizerStep(1e-2f);
            var (actual, b) = await Task.Run(() =>
            {
                var logp = parallel.Forward(batch);
                parallel.Backward(dLogp);
                return (logp, parallel.OptimizerStep(1e-2f));
            });
            Assert.Equal(expected, actual);
            Assert.Equal(a, b);
            Assert.True(a.Applied, $"step {step} skipped");
            Assert.True(local.MasterWeights.AsSpan().SequenceEqual(parallel.MasterWeights), $"step {step}: weights differ");
        }
        // The owners hold the weights of the version after the last step: the engine reloaded them after each step.
        Assert.Equal(2, group.WeightVersion);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => _cluster.Client.GetGrain<IExpertWorkerGrain>($"ept-{dtypeName}-{owners}/expert/{owners}/0")
            .TrainForward(new ExpertRows(1, 0, [0], [0, 1], new byte[config.HiddenSize * 4])));
        Assert.Contains("v1, it holds v2", error.Message);
    }

    /// <remarks>
    /// A gradient worker re-configured after a failure, or a learner restarted from its checkpoint, builds a new engine on
    /// the same group name; the engine numbers its loads from 0 again, so the owners must load at a version they already hold.
    /// </remarks>
    [Fact]
    public async Task A_rebuilt_training_engine_on_the_same_group_runs_its_own_weights_not_the_version_number_the_owners_hold()
    {
        var config = Model.Validate();
        var options = new TrainingOptions { ComputeDType = DType.Fp16 };
        var rng = new Random(43);
        float[] Weights() => [.. Enumerable.Range(0, (int)new ParameterLayout(config).TotalCount).Select(_ => (float)(rng.NextDouble() * 0.5 - 0.25))];
        var batch = TokenBatch.FromSequences([[1, 2, 3, 4, 5, 6], [7, 8, 9, 10]], [1, 1]);
        float[]? first = null;
        foreach (var weights in new[] { Weights(), Weights() })
        {
            var expected = new TrainingEngine(config, options, (float[])weights.Clone()).Forward(batch);
            var engine = new TrainingEngine(config, options, (float[])weights.Clone());
            var group = new ExpertTrainingGroup(_cluster.Client, "ept-rebuilt", config, DType.Fp16, 2);
            var actual = await Task.Run(() =>
            {
                engine.ExpertExecutor = group;
                return engine.Forward(batch);
            });
            Assert.Equal(0, group.WeightVersion);
            Assert.Equal(expected, actual);
            if (first is null) first = actual;
            else Assert.NotEqual(first, actual);
        }
    }

    [Fact]
    public async Task An_expert_worker_refuses_rows_for_another_weight_version_and_dense_models_have_no_group()
    {
        var config = Model.Validate();
        var weights = new float[new ParameterLayout(config).TotalCount];
        var group = new ExpertWorkerGroup(_cluster.Client, "ep-version", config, DType.Fp16, 2);
        await group.LoadAsync(weights, 2);
        var worker = _cluster.Client.GetGrain<IExpertWorkerGrain>("ep-version/expert/2/0");
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => worker.Run(new ExpertRows(3, 0, [0], [0, 1], new byte[config.HiddenSize * 4])));
        Assert.Contains("v3, it holds v2", error.Message);
        var dense = Model with { ModelType = "qwen3", NumExperts = 0, NumExpertsPerToken = 0, MoeIntermediateSize = 0, MlpOnlyLayers = [] };
        Assert.Contains("has no experts", Assert.Throws<ArgumentException>(() => new ExpertWorkerGroup(_cluster.Client, "d", dense, DType.Fp16, 2)).Message);
    }
}
