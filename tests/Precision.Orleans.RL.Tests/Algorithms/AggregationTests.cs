using Xunit;
using Precision.Orleans.RL.Algorithms;

namespace Precision.Orleans.RL.Tests.Algorithms;

public sealed class AggregationTests
{
    // A mini-batch of 4 sequences and 10 response tokens, maximum response length 16.
    private static readonly AggregationNormalizers Batch = new(Sequences: 4, Tokens: 10, MaxResponseLength: 16);

    [Theory]
    [InlineData(LossAggregation.TokenMean, 3, 1.0 / 10)]
    [InlineData(LossAggregation.TokenMean, 5, 1.0 / 10)]
    [InlineData(LossAggregation.SeqMeanTokenSum, 3, 1.0 / 4)]
    [InlineData(LossAggregation.SeqMeanTokenMean, 3, 1.0 / 12)]
    [InlineData(LossAggregation.SeqMeanTokenMean, 5, 1.0 / 20)]
    [InlineData(LossAggregation.SeqMeanTokenSumNorm, 3, 1.0 / 64)]
    [InlineData(LossAggregation.SeqMeanTokenSumNorm, 5, 1.0 / 64)]
    public void CoefficientPerMode(LossAggregation mode, int responseLength, double expected) =>
        Assert.Equal(expected, Aggregator.TokenCoefficient(mode, Batch, responseLength), 15);

    [Fact]
    public void EachModeWeighsTheSameTokensDifferently()
    {
        // REINFORCE on-policy (pg-seq-is, μ = π): ∂ = −c_i·A_i, so DLogProbs reads the coefficients off directly.
        // Sequence 0: 3 tokens, A = 1; sequence 1: 1 token, A = 1. MaxResponseLength 8.
        var inputs = LossFixture.Build(5, [new Seq(1, 1, new Tok(1, 1), new Tok(1, 1), new Tok(1, 1)), new Seq(1, 2, new Tok(1, 1))]);
        double[] Grad(LossAggregation mode) => [.. new PgSeqIs(new()).Compute(inputs, mode).DLogProbs.Select(d => -(double)d)];
        Close.All([0, 0.25, 0.25, 0.25, 0, 0, 0, 0.25, 0, 0], [.. Grad(LossAggregation.TokenMean).Select(d => (float)d)]);
        Close.All([0, 0.5, 0.5, 0.5, 0, 0, 0, 0.5, 0, 0], [.. Grad(LossAggregation.SeqMeanTokenSum).Select(d => (float)d)]);
        Close.All([0, 1.0 / 6, 1.0 / 6, 1.0 / 6, 0, 0, 0, 0.5, 0, 0], [.. Grad(LossAggregation.SeqMeanTokenMean).Select(d => (float)d)]);
        Close.All([0, 1.0 / 16, 1.0 / 16, 1.0 / 16, 0, 0, 0, 1.0 / 16, 0, 0], [.. Grad(LossAggregation.SeqMeanTokenSumNorm).Select(d => (float)d)]);
    }

    [Fact]
    public void NamesRoundTrip()
    {
        Assert.Equal(["token-mean", "seq-mean-token-sum", "seq-mean-token-mean", "seq-mean-token-sum-norm"], LossAggregationNames.All);
        foreach (var mode in Enum.GetValues<LossAggregation>())
            Assert.Equal(mode, LossAggregationNames.Parse(LossAggregationNames.Name(mode)));
        Assert.Equal(LossAggregation.SeqMeanTokenSumNorm, LossAggregationNames.Parse(" Seq-Mean-Token-Sum-Norm "));
    }

    [Fact]
    public void UnknownNameListsTheFour()
    {
        var e = Assert.Throws<ArgumentException>(() => LossAggregationNames.Parse("seq-mean"));
        Assert.Contains("'seq-mean'", e.Message);
        foreach (var name in LossAggregationNames.All) Assert.Contains(name, e.Message);
    }

    [Fact]
    public void ZeroNormaliserIsRefusedNamingIt()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            Aggregator.TokenCoefficient(LossAggregation.SeqMeanTokenSumNorm, Batch with { MaxResponseLength = 0 }, 3));
        Assert.Contains("MaxResponseLength", e.Message);
        Assert.Throws<ArgumentException>(() => Aggregator.TokenCoefficient(LossAggregation.TokenMean, Batch with { Tokens = 0 }, 3));
    }
}
