using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Training;
using Precision.Orleans.Engine.Tests.Reference;
using Xunit;
using static Precision.Orleans.Engine.Tests.Training.GradientCheck;

namespace Precision.Orleans.Engine.Tests.Training;

/// <summary>Whole tiny qwen3 / qwen3_moe models in the FP32 training engine against the FP64 reference model.</summary>
public class MoeModelGradientTests
{
    private const double MarginFloor = 1e-3;

    private static TrainingEngine Engine(string model, int seed, float? auxCoef = null, DType dtype = DType.Fp32)
    {
        var engine = new TrainingEngine(TinyMoeModels.ByName(model), new TrainingOptions { ComputeDType = dtype, RouterAuxLossCoef = auxCoef });
        TinyModels.Weights(engine.Layout, seed).CopyTo(engine.MasterWeights, 0);
        engine.RefreshComputeWeights();
        return engine;
    }

    [Theory]
    [InlineData("qwen3", 41)]
    [InlineData("qwen3-moe", 42)]
    [InlineData("qwen3-moe-mixed", 43)]
    public void Log_probs_and_routing_match_fp64_reference_model(string model, int seed)
    {
        var engine = Engine(model, seed);
        var c = engine.Config;
        var batch = TinyModels.Batch();
        var logp = engine.Forward(batch);
        var reference = Fp64ReferenceModel.LogProbs(c, engine.Layout, ToDouble(engine.MasterWeights), batch.Tokens, batch.BatchSize, batch.SeqLen, batch.Lengths, out var routing);
        AssertClose("logp", logp, reference, 1e-5);
        if (!c.IsMoe)
        {
            Assert.Null(engine.LastRouting);
            Assert.Null(engine.LastLoadBalancingLoss);
            return;
        }
        Assert.True(routing.Min(r => r.MinMargin) > MarginFloor, "top-k margins too small for a stable comparison");
        var recorded = engine.LastRouting!;
        Assert.Equal(batch.BatchSize, recorded.Count);
        int sparse = Enumerable.Range(0, c.NumHiddenLayers).Count(c.IsSparseLayer);
        for (int b = 0; b < batch.BatchSize; b++)
        {
            Assert.Equal(batch.Lengths[b], recorded[b].Positions);
            Assert.Equal(sparse, recorded[b].MoeLayers);
            for (int i = 0; i < sparse; i++)
                for (int t = 0; t < batch.Lengths[b]; t++)
                {
                    int row = b * batch.SeqLen + t;
                    var expected = routing[i].TopExperts.AsSpan(row * c.NumExpertsPerToken, c.NumExpertsPerToken).ToArray().Order().ToArray();
                    Assert.Equal(expected, recorded[b].At(i, t).ToArray());
                }
        }
        // ComputeLogProbs records the same routing
        engine.ComputeLogProbs(batch);
        Assert.True(engine.LastRouting![1].SameSet(recorded[1], sparse - 1, 3));
    }

    [Theory]
    [InlineData("qwen3", 41, null)]
    [InlineData("qwen3-moe", 42, null)]
    [InlineData("qwen3-moe-mixed", 43, null)]
    [InlineData("qwen3-moe", 42, 0.05f)]
    [InlineData("qwen3-moe-mixed", 43, null, 2)] // experts forward and backward on 2 owners (TrainingExpertParallelExecutor)
    public void Loss_gradient_of_every_tensor_matches_fp64_finite_differences(string model, int seed, float? auxCoef, int expertOwners = 1)
    {
        var engine = Engine(model, seed, auxCoef);
        if (expertOwners > 1) engine.ExpertExecutor = Precision.Orleans.Engine.Experts.TrainingExpertParallelExecutor.InProcess(engine.Config, DType.Fp32, expertOwners);
        var c = engine.Config;
        var batch = TinyModels.Batch();
        var logp = engine.Forward(batch);
        float maskSum = batch.TargetMask.Sum();
        engine.ZeroGradients();
        engine.Backward(batch.TargetMask.Select(m => -m / maskSum).ToArray());

        var p = ToDouble(engine.MasterWeights);
        double coef = auxCoef ?? 0;
        double Loss(double[] w) => Fp64ReferenceModel.Loss(c, engine.Layout, w, batch.Tokens, batch.BatchSize, batch.SeqLen, batch.Lengths, batch.TargetMask, coef, out _);
        double nll = -logp.Zip(batch.TargetMask, (l, m) => l * m).Sum() / maskSum;
        double reference = Fp64ReferenceModel.Loss(c, engine.Layout, p, batch.Tokens, batch.BatchSize, batch.SeqLen, batch.Lengths, batch.TargetMask, coef, out var routing);
        if (c.IsMoe) Assert.True(routing.Min(r => r.MinMargin) > MarginFloor, "top-k margins too small for finite differences");
        if (auxCoef is not null)
        {
            Assert.NotNull(engine.LastAuxLoss);
            Assert.True(engine.LastAuxLoss > 0.01, $"aux loss {engine.LastAuxLoss} too small to matter in the gradient check");
        }
        else Assert.Null(engine.LastAuxLoss);
        Assert.Equal(reference, nll + (engine.LastAuxLoss ?? 0), 5);

        var rng = new Random(13);
        int unchosen = 0;
        foreach (var info in engine.Layout.Parameters)
        {
            var coords = Enumerable.Range(0, (int)info.Count).OrderBy(_ => rng.Next()).Take(16).Select(i => (int)info.Offset + i).ToArray();
            var fd = Fp64Reference.FiniteDifference(Loss, p, coords);
            if (fd.All(g => g == 0) && info.Name.Contains(".mlp.experts.", StringComparison.Ordinal))
            {
                // an expert no token chose: no gradient, in the reference and in the engine
                Assert.All(At(engine.Gradients, coords), g => Assert.Equal(0.0, g));
                unchosen++;
                continue;
            }
            AssertClose(info.Name, At(engine.Gradients, coords), fd);
        }
        // at most one expert (3 tensors) idle, so the expert gradients are exercised
        Assert.True(unchosen <= 3, $"{unchosen} expert tensors got no tokens");
    }

    [Fact]
    public void Aux_loss_changes_only_the_router_gradients_and_its_value_is_the_balance_loss_times_the_coefficient()
    {
        var off = Engine("qwen3-moe", 42);
        var on = Engine("qwen3-moe", 42, 0.05f);
        var batch = TinyModels.Batch();
        var dLogp = batch.TargetMask.Select(m => -m).ToArray();
        off.Forward(batch);
        off.Backward(dLogp);
        on.Forward(batch);
        on.Backward(dLogp);
        Assert.Equal(0.05f * on.LastLoadBalancingLoss!.Value, on.LastAuxLoss!.Value, 6);
        Assert.Equal(off.LastLoadBalancingLoss, on.LastLoadBalancingLoss);
        // E·Σ f·P is k for a perfectly balanced router and at most E·k
        Assert.InRange(on.LastLoadBalancingLoss!.Value, 1f, on.Config.NumExperts * on.Config.NumExpertsPerToken);
        foreach (var info in on.Layout.Parameters)
        {
            var a = on.Gradients.AsSpan((int)info.Offset, (int)info.Count);
            var b = off.Gradients.AsSpan((int)info.Offset, (int)info.Count);
            // the aux gradient enters at the router and flows backwards from there: the routers' gradients and every
            // tensor below the last router change, the final norm, LM head and the last layer's experts do not
            bool downstream = info.Name.StartsWith("model.norm", StringComparison.Ordinal) || info.Name.StartsWith("lm_head", StringComparison.Ordinal)
                || info.Name.StartsWith("model.layers.1.mlp.experts", StringComparison.Ordinal);
            if (downstream) Assert.True(a.SequenceEqual(b), $"{info.Name} changed with the aux loss");
            else if (info.Name.EndsWith("mlp.gate.weight", StringComparison.Ordinal)) Assert.False(a.SequenceEqual(b), $"{info.Name} did not change with the aux loss");
        }
    }

    [Fact]
    public void Batches_of_changing_shape_reuse_buffers_and_give_the_same_results_as_a_fresh_engine()
    {
        var big = TokenBatch.FromSequences([[1, 2, 3, 4, 5, 6, 7, 8], [9, 10, 11], [12, 13, 14, 15]]);
        var small = TinyModels.Batch();
        var reused = Engine("qwen3-moe-mixed", 43, 0.01f, DType.Bf16);
        reused.ComputeLogProbs(big);
        var fresh = Engine("qwen3-moe-mixed", 43, 0.01f, DType.Bf16);
        Assert.Equal(fresh.Forward(small), reused.Forward(small));
        Assert.Equal(fresh.LastAuxLoss, reused.LastAuxLoss);
        var dLogp = small.TargetMask.Select(m => -m).ToArray();
        fresh.Backward(dLogp);
        reused.Backward(dLogp);
        Assert.Equal(fresh.Gradients, reused.Gradients);
        Assert.Equal(fresh.ComputeLogits(big), reused.ComputeLogits(big));
        Assert.Equal(3, reused.LastRouting!.Count);
        Assert.Equal(8, reused.LastRouting[0].Positions);
    }

    [Theory]
    [InlineData(DType.Bf16)]
    [InlineData(DType.Fp16)]
    public void Sixteen_bit_forward_backward_is_finite_and_records_routing(DType dtype)
    {
        var engine = Engine("qwen3-moe", 42, 0.01f, dtype);
        var batch = TinyModels.Batch();
        var logp = engine.Forward(batch);
        Assert.All(logp, v => Assert.True(float.IsFinite(v) && v <= 0));
        engine.Backward(batch.TargetMask.Select(m => -m / 9f).ToArray());
        Assert.All(engine.Gradients, g => Assert.True(float.IsFinite(g)));
        Assert.Contains(engine.Gradients, g => g != 0f);
        var routing = engine.LastRouting!;
        Assert.Equal(batch.Lengths, routing.Select(r => r.Positions));
        Assert.True(float.IsFinite(engine.LastAuxLoss!.Value));
        for (int t = 0; t < routing[0].Positions; t++)
        {
            var set = routing[0].At(0, t);
            Assert.True(set[0] < set[1], "a top-2 set holds two distinct experts, sorted");
        }
        // 16-bit routing is close to FP32's but computed from rounded activations
        var fp32 = Engine("qwen3-moe", 42);
        fp32.ComputeLogProbs(batch);
        int same = 0, total = 0;
        for (int b = 0; b < batch.BatchSize; b++)
            for (int l = 0; l < routing[b].MoeLayers; l++)
                for (int t = 0; t < routing[b].Positions; t++, total++)
                    if (routing[b].SameSet(fp32.LastRouting![b], l, t)) same++;
        Assert.True(same >= total / 2, $"{dtype} routing agrees with fp32 on only {same}/{total} token-layers");
        var step = engine.OptimizerStep();
        Assert.True(step.Applied);
    }
}
