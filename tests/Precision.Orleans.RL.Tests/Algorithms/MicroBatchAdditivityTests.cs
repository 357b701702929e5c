using Xunit;
using Precision.Orleans.RL.Algorithms;

namespace Precision.Orleans.RL.Tests.Algorithms;

/// <summary>A mini-batch split into two micro-batches with the whole batch's normalisers sums to the one-pass result.</summary>
public sealed class MicroBatchAdditivityTests
{
    public static TheoryData<string, LossAggregation> Cases() => FiniteDifferenceTests.Cases();

    [Theory]
    [MemberData(nameof(Cases))]
    public void TwoHalvesAddUpToTheWhole(string algorithm, LossAggregation aggregation)
    {
        var loss = AlgorithmCatalog.Create(algorithm, new AlgorithmOptions { GspoClipLow = 0.1, GspoClipHigh = 0.1, ImportanceCap = 1.3 });
        var whole = LossFixture.Random(seed: 11, spread: 0.3, sequences: 5);
        var all = loss.Compute(whole, aggregation);
        var first = loss.Compute(LossFixture.Slice(whole, 0, 2), aggregation);
        var second = loss.Compute(LossFixture.Slice(whole, 2, 3), aggregation);

        Close.Equal(all.Loss, first.Loss + second.Loss, tol: 1e-12);
        Assert.Equal(all.DLogProbs, first.DLogProbs.Concat(second.DLogProbs).ToArray());
        Assert.NotEqual(0, first.Loss);
        Assert.NotEqual(0, second.Loss);
    }

    [Fact]
    public void MicroBatchLargerThanItsNormalisersIsRefused()
    {
        var wrong = LossFixture.Build(6, [new Seq(1, 1, new Tok(1, 1)), new Seq(1, 1, new Tok(1, 1))],
            normalizers: new AggregationNormalizers(1, 2, 4));
        var e = Assert.Throws<ArgumentException>(() => new PgSeqIs(new()).Compute(wrong, LossAggregation.SeqMeanTokenSum));
        Assert.Contains("whole mini-batch", e.Message);
    }
}
