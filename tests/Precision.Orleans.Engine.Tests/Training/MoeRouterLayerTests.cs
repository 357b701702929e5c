using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Layers;
using Xunit;

namespace Precision.Orleans.Engine.Tests.Training;

/// <summary>The router's selection rules at the edges the gradient tests avoid: ties, renormalisation, non-finite logits.</summary>
public class MoeRouterLayerTests
{
    private static (int[] Top, float[] TopProbs, float[] Weights, float[] Probs) Route(float[] logits, int experts, int k, bool norm, DType dtype = DType.Fp32)
    {
        int rows = logits.Length / experts;
        var probs = new float[logits.Length];
        var top = new int[rows * k];
        var topProbs = new float[rows * k];
        var weights = new float[rows * k];
        MoeRouterLayer.Forward(logits, probs, top, topProbs, weights, rows, experts, k, norm, dtype);
        return (top, topProbs, weights, probs);
    }

    [Fact]
    public void Ties_go_to_the_lower_expert_index_and_slots_are_by_descending_probability()
    {
        var (top, _, _, _) = Route([0.5f, 2f, 0.5f, 2f, -1f], 5, 3, false);
        Assert.Equal([1, 3, 0], top);
    }

    [Fact]
    public void Renormalised_weights_sum_to_one_and_raw_weights_are_the_probabilities()
    {
        float[] logits = [0.1f, 1.3f, -0.4f, 0.9f];
        var (_, topProbs, raw, probs) = Route(logits, 4, 2, false);
        Assert.Equal(1.0, probs.Sum(p => (double)p), 6);
        Assert.Equal(topProbs, raw);
        var (_, _, renorm, _) = Route(logits, 4, 2, true);
        Assert.Equal(1.0, renorm.Sum(w => (double)w), 6);
        Assert.True(renorm[0] > raw[0]);
    }

    [Fact]
    public void A_row_with_infinite_logits_still_picks_k_distinct_experts_and_stays_non_finite()
    {
        // an fp16 overflow upstream: the step will be skipped by the loss scaler, but routing must not crash or repeat an expert
        var (top, _, weights, _) = Route([float.PositiveInfinity, 1f, float.PositiveInfinity, 0f], 4, 2, true, DType.Fp16);
        Assert.Equal(2, top.Distinct().Count());
        Assert.Contains(weights, w => !float.IsFinite(w));
    }

    [Fact]
    public void Backward_without_renormalisation_is_the_softmax_backward_of_the_chosen_weights_gradient()
    {
        float[] logits = [0.2f, -0.7f, 1.1f];
        var (top, topProbs, _, probs) = Route(logits, 3, 1, false);
        Assert.Equal(2, top[0]);
        var dLogits = new float[3];
        MoeRouterLayer.Backward([1f], probs, top, topProbs, [], [], dLogits, 1, 3, 1, false, DType.Fp32);
        // d p_2 / d l_e = p_2·(δ_2e − p_e)
        for (int e = 0; e < 3; e++) Assert.Equal(probs[2] * ((e == 2 ? 1 : 0) - probs[e]), dLogits[e], 6);
        // the aux gradient is added to dp of masked-in rows only
        var withAux = new float[3];
        MoeRouterLayer.Backward([0f], probs, top, topProbs, [1f, 0f, 0f], [0f], withAux, 1, 3, 1, false, DType.Fp32);
        Assert.All(withAux, v => Assert.Equal(0f, v));
        MoeRouterLayer.Backward([0f], probs, top, topProbs, [1f, 0f, 0f], [1f], withAux, 1, 3, 1, false, DType.Fp32);
        Assert.Equal(probs[0] * (1 - probs[0]), withAux[0], 6);
    }
}
