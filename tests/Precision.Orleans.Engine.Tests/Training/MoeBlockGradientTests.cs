using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Training;
using Precision.Orleans.Engine.Tests.Reference;
using Xunit;
using static Precision.Orleans.Engine.Tests.Training.GradientCheck;

namespace Precision.Orleans.Engine.Tests.Training;

/// <summary>The training engine's MoE block alone (FP32) against the FP64 reference: output, routing, and the gradients of its input, router and experts by finite differences.</summary>
public class MoeBlockGradientTests
{
    private const int Rows = 12;
    // The FD step is 1e-6 on a weight; a routing flip needs a probability gap of that order. Keep gaps ≥ 1e-3.
    private const double MarginFloor = 1e-3;

    private static (TrainingEngine Engine, int Layer, float[] X) Setup(ModelConfig config, int seed)
    {
        var engine = new TrainingEngine(config, new TrainingOptions { ComputeDType = DType.Fp32 });
        TinyModels.Weights(engine.Layout, seed).CopyTo(engine.MasterWeights, 0);
        engine.RefreshComputeWeights();
        int layer = Enumerable.Range(0, config.NumHiddenLayers).First(config.IsSparseLayer);
        var x = Random(new Random(seed + 1), Rows * config.HiddenSize, 1.5);
        return (engine, layer, x);
    }

    private static double[] ReferenceBlock(ModelConfig c, LayerOffsets o, double[] p, double[] x, out Fp64MoeReference.Routing routing)
    {
        int d = c.HiddenSize, moe = c.MoeIntermediateSize;
        double[] Slice(long offset, long count) => p.AsSpan((int)offset, (int)count).ToArray();
        var experts = o.Experts.Select(e => new Fp64MoeReference.Expert(Slice(e.GateProj, (long)moe * d), Slice(e.UpProj, (long)moe * d), Slice(e.DownProj, (long)d * moe))).ToList();
        return Fp64MoeReference.Block(x, Slice(o.Router, (long)c.NumExperts * d), experts, x.Length / d, d, c.NumExpertsPerToken, moe, c.NormTopKProb, out routing);
    }

    [Theory]
    [InlineData("qwen3-moe", 31)]
    [InlineData("qwen3-moe-mixed", 22)]
    public void Block_output_and_routing_match_fp64_reference(string model, int seed)
    {
        var config = TinyMoeModels.ByName(model);
        var (engine, layer, x) = Setup(config, seed);
        var y = engine.MoeBlockForward(layer, x, Rows);
        var yRef = ReferenceBlock(config, engine.Layout.Layers[layer], ToDouble(engine.MasterWeights), ToDouble(x), out var routing);
        Assert.True(routing.MinMargin > MarginFloor, $"top-k margin {routing.MinMargin:E2} too small for a stable comparison");
        AssertClose("moe output", y, yRef, 1e-5);
        var (top, probs) = engine.MoeBlockRouting();
        Assert.Equal(routing.TopExperts, top);
        AssertClose("router probs", probs, routing.Probs, 1e-6);
        // every expert gets tokens, so every expert's gradient is exercised below
        Assert.All(Enumerable.Range(0, config.NumExperts), e => Assert.Contains(e, top));
    }

    [Theory]
    [InlineData("qwen3-moe", 31)]
    [InlineData("qwen3-moe-mixed", 22)]
    public void Input_router_and_expert_gradients_match_fp64_finite_differences(string model, int seed)
    {
        var config = TinyMoeModels.ByName(model);
        var (engine, layer, x) = Setup(config, seed);
        var o = engine.Layout.Layers[layer];
        engine.MoeBlockForward(layer, x, Rows);
        var dy = Random(new Random(seed + 2), Rows * config.HiddenSize);
        engine.ZeroGradients();
        var dx = engine.MoeBlockBackward(dy);

        var p = ToDouble(engine.MasterWeights);
        var xd = ToDouble(x);
        var dyd = ToDouble(dy);
        double Loss(double[] weights, double[] input) => Fp64Reference.Dot(dyd, ReferenceBlock(config, o, weights, input, out _));
        ReferenceBlock(config, o, p, xd, out var routing);
        Assert.True(routing.MinMargin > MarginFloor, $"top-k margin {routing.MinMargin:E2} too small for finite differences");

        AssertClose("dx", dx, Fp64Reference.FiniteDifference(w => Loss(p, w), xd, AllCoordinates(xd.Length)), 1e-4);
        var rng = new Random(seed + 3);
        var tensors = engine.Layout.Parameters.Where(t => t.Name.StartsWith($"model.layers.{layer}.mlp.", StringComparison.Ordinal)).ToList();
        Assert.Equal(1 + 3 * config.NumExperts, tensors.Count);
        foreach (var info in tensors)
        {
            var coords = Enumerable.Range(0, (int)info.Count).OrderBy(_ => rng.Next()).Take(32).Select(i => (int)info.Offset + i).ToArray();
            var fd = Fp64Reference.FiniteDifference(w => Loss(w, xd), p, coords);
            AssertClose(info.Name, At(engine.Gradients, coords), fd, 1e-4);
        }
        // nothing outside this block's tensors was touched
        var own = tensors.SelectMany(t => Enumerable.Range((int)t.Offset, (int)t.Count)).ToHashSet();
        Assert.All(Enumerable.Range(0, engine.Gradients.Length).Where(i => !own.Contains(i)), i => Assert.Equal(0f, engine.Gradients[i]));
    }

    [Fact]
    public void Router_gradient_without_renormalisation_differs_from_the_renormalised_one()
    {
        // The renormalisation's backward is not a no-op: the same weights and inputs give a different router gradient.
        var baseConfig = TinyMoeModels.Qwen3Moe;
        float[] RouterGrad(bool norm)
        {
            var (engine, layer, x) = Setup(baseConfig with { NormTopKProb = norm }, 21);
            engine.MoeBlockForward(layer, x, Rows);
            engine.ZeroGradients();
            engine.MoeBlockBackward(Random(new Random(23), Rows * baseConfig.HiddenSize));
            var o = engine.Layout.Layers[layer];
            return engine.Gradients.AsSpan((int)o.Router, baseConfig.NumExperts * baseConfig.HiddenSize).ToArray();
        }
        var a = RouterGrad(true);
        var b = RouterGrad(false);
        Assert.True(RelativeError(ToDouble(a), ToDouble(b)) > 1e-2);
    }
}
