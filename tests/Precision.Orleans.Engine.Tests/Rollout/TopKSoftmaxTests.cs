using Precision.Orleans.Engine.Rollout;
using Xunit;

namespace Precision.Orleans.Engine.Tests.Rollout;

public class TopKSoftmaxTests
{
    [Theory]
    [InlineData(false, 0.5f, 0.25f)]
    [InlineData(true, 2f / 3, 1f / 3)]
    public void Picks_the_k_most_probable_experts_with_softmax_weights(bool renormalize, float first, float second)
    {
        // exp(logits) ∝ 1, 2, 4, 1 → probabilities 1/8, 2/8, 4/8, 1/8.
        float[] logits = [0f, MathF.Log(2), MathF.Log(4), 0f];
        var experts = new int[2];
        var weights = new float[2];
        TopKSoftmax.Route(logits, renormalize, experts, weights);
        Assert.Equal([2, 1], experts);
        Assert.Equal(first, weights[0], 1e-6f);
        Assert.Equal(second, weights[1], 1e-6f);
        Assert.Equal(1f, logits.Sum(), 1e-6f); // the logits became the FP32 probabilities
    }

    [Fact]
    public void Ties_go_to_the_lower_expert_index()
    {
        float[] logits = [0f, 1f, 1f, 1f];
        var experts = new int[2];
        TopKSoftmax.Route(logits, true, experts, new float[2]);
        Assert.Equal([1, 2], experts);
    }
}
