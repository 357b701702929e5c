using Xunit;
using Precision.Orleans.RL.Algorithms;

namespace Precision.Orleans.RL.Tests.Algorithms;

/// <summary>Masked positions, the PPO clip sides, and the TIS/MIS threshold C, one behaviour per test.</summary>
public sealed class MaskingClippingThresholdTests
{
    private static readonly AlgorithmOptions Defaults = new();

    public static TheoryData<string> Algorithms() => [.. AlgorithmCatalog.Names];

    public static TheoryData<string> ClippedAlgorithms() => ["grpo", "grpo-token-tis", "grpo-seq-mis"];

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void PromptAndPaddingPositionsGetNoGradientAndDoNotChangeTheLoss(string algorithm)
    {
        // GSPO's default range (3e-4) would clip every sequence; widen it so every response token has a gradient.
        var loss = AlgorithmCatalog.Create(algorithm, Defaults with { GspoClipLow = 0.5, GspoClipHigh = 0.5 });
        var inputs = LossFixture.Random(seed: 7, spread: 0.1);
        var baseline = loss.Compute(inputs, LossAggregation.TokenMean);

        var rng = new Random(3);
        float[] Scramble(float[] a)
        {
            var b = (float[])a.Clone();
            for (int k = 0; k < b.Length; k++) if (inputs.Mask[k] == 0) b[k] = (float)(-50 * rng.NextDouble());
            return b;
        }
        var scrambled = new PolicyLossInputs
        {
            Sequences = inputs.Sequences, SeqLen = inputs.SeqLen, Mask = inputs.Mask, Advantages = inputs.Advantages,
            Normalizers = inputs.Normalizers, LogProbs = Scramble(inputs.LogProbs), OldLogProbs = Scramble(inputs.OldLogProbs!),
            RolloutLogProbs = Scramble(inputs.RolloutLogProbs),
        };
        var result = loss.Compute(scrambled, LossAggregation.TokenMean);

        Assert.Equal(baseline.Loss, result.Loss);
        Assert.Equal(baseline.DLogProbs, result.DLogProbs);
        for (int k = 0; k < inputs.Mask.Length; k++)
        {
            if (inputs.Mask[k] == 0) Assert.Equal(0f, result.DLogProbs[k]);
            else Assert.NotEqual(0f, result.DLogProbs[k]);   // spread 0.1: nothing is clipped or capped
        }
    }

    [Theory]
    [MemberData(nameof(ClippedAlgorithms))]
    public void ClippingZeroesTheGradientOnlyOnTheOptimisticSide(string algorithm)
    {
        // Four one-token sequences, ρ = 1: (A > 0, r above 1 + ε_high), (A > 0, r below 1 − ε_low),
        // (A < 0, r above), (A < 0, r below). PPO stops the gradient where moving further would only help:
        // A > 0 above the range and A < 0 below it; the other two keep −r·A.
        var inputs = LossFixture.Build(2,
        [
            new Seq(+1, 1, new Tok(1.35, 1)),
            new Seq(+1, 1, new Tok(0.75, 1)),
            new Seq(-1, 1, new Tok(1.35, 1)),
            new Seq(-1, 1, new Tok(0.75, 1)),
        ]);
        var result = AlgorithmCatalog.Create(algorithm).Compute(inputs, LossAggregation.SeqMeanTokenSum);

        Close.All([0, 0, 0, -0.75 / 4, 0, +1.35 / 4, 0, 0], result.DLogProbs);
        // Clipped values are the bound's: −1.28, −0.75, +1.35, +0.8.
        Close.Equal((-1.28 - 0.75 + 1.35 + 0.8) / 4, result.Loss);
        Close.Equal(0.5, result.Stats.ClippedFraction);
    }

    [Fact]
    public void ClipBoundsFollowTheOptions()
    {
        // r = 1.35 is clipped at ε_high 0.28 but not at 0.4.
        var inputs = LossFixture.Build(2, [new Seq(+1, 1, new Tok(1.35, 1))]);
        Assert.Equal(0f, new Grpo(Defaults).Compute(inputs, LossAggregation.TokenMean).DLogProbs[1]);
        Close.Equal(-1.35, new Grpo(Defaults with { ClipHigh = 0.4 }).Compute(inputs, LossAggregation.TokenMean).DLogProbs[1]);
    }

    [Fact]
    public void GspoClipsTheSequenceRatioWithItsOwnRange()
    {
        // Per-token r 1.3 and 0.9 would be inside PPO's range, but s = √(1.3·0.9) ≈ 1.0817 > 1 + 4e-4 with A > 0: clipped.
        var inputs = LossFixture.Build(3, [new Seq(+1, 1, new Tok(1.3, 1), new Tok(0.9, 1)), new Seq(-1, 1, new Tok(1.3, 1), new Tok(0.9, 1))]);
        var result = new Gspo(Defaults).Compute(inputs, LossAggregation.SeqMeanTokenSum);
        double s = Math.Sqrt(1.3 * 0.9);
        // Sequence 0 clipped (no gradient); sequence 1 (A < 0, above) keeps −s·A = +s.
        Close.All([0, 0, 0, 0, s / 2, s / 2], result.DLogProbs);
        Close.Equal(0.5, result.Stats.ClippedFraction);
    }

    [Fact]
    public void TokenTisTruncatesEachTokenWeightAtC()
    {
        var inputs = LossFixture.Build(4, [new Seq(+1, 1, new Tok(1, 2.5), new Tok(1, 3.5), new Tok(1, 40))]);
        var result = new GrpoTokenTis(Defaults).Compute(inputs, LossAggregation.SeqMeanTokenSum);
        // r = 1 unclipped, so ∂ = −weight: 2.5 below C kept, 3.5 and 40 truncated to 3.
        Close.All([0, -2.5, -3, -3], result.DLogProbs);
        Close.Equal(2.0 / 3, result.Stats.TruncatedFraction);
        Close.Equal(40, result.Stats.Max, tol: 1e-5);
    }

    [Fact]
    public void SequenceTisTruncatesTheSequenceWeightAtC()
    {
        var below = LossFixture.Build(2, [new Seq(+1, 1, new Tok(2.9, 1))]);
        var above = LossFixture.Build(2, [new Seq(+1, 1, new Tok(3.1, 1))]);
        var pg = new PgSeqTis(Defaults);
        Close.Equal(-2.9, pg.Compute(below, LossAggregation.SeqMeanTokenSum).DLogProbs[1]);
        Close.Equal(-3.0, pg.Compute(above, LossAggregation.SeqMeanTokenSum).DLogProbs[1]);
        Assert.Equal(1, pg.Compute(above, LossAggregation.SeqMeanTokenSum).Stats.TruncatedFraction);
    }

    [Theory]
    [InlineData("grpo-seq-mis")]
    [InlineData("pg-seq-mis")]
    public void MisKeepsAWeightExactlyAtCAndMasksAboveIt(string algorithm)
    {
        // One response token with log ρ = log π_θ' − log μ (= log π_θ − log μ, r = 1). C is set to exactly the
        // double the algorithm computes as ρ, so "ρ = C" is tested without rounding doubt.
        var inputs = LossFixture.Build(2, [new Seq(+1, 1, new Tok(1, 2.5))]);
        double rho = Math.Exp((double)inputs.OldLogProbs![1] - inputs.RolloutLogProbs[1]);
        var atC = AlgorithmCatalog.Create(algorithm, Defaults with { ImportanceCap = rho });
        var justBelowRho = AlgorithmCatalog.Create(algorithm, Defaults with { ImportanceCap = Math.BitDecrement(rho) });

        var kept = atC.Compute(inputs, LossAggregation.SeqMeanTokenSum);
        Close.Equal(-rho, kept.DLogProbs[1]);
        Assert.Equal(0, kept.Stats.MaskedFraction);

        var masked = justBelowRho.Compute(inputs, LossAggregation.SeqMeanTokenSum);
        Assert.Equal(0f, masked.DLogProbs[1]);
        Assert.Equal(1, masked.Stats.MaskedFraction);
        Assert.Equal(0, masked.Stats.Mean);
    }

    [Fact]
    public void TisKeepsAWeightExactlyAtCUntruncated()
    {
        var inputs = LossFixture.Build(2, [new Seq(+1, 1, new Tok(1, 2.5))]);
        double rho = Math.Exp((double)inputs.OldLogProbs![1] - inputs.RolloutLogProbs[1]);
        var result = new GrpoTokenTis(Defaults with { ImportanceCap = rho }).Compute(inputs, LossAggregation.SeqMeanTokenSum);
        Close.Equal(-rho, result.DLogProbs[1]);
        Assert.Equal(0, result.Stats.TruncatedFraction);
    }

    [Theory]
    [InlineData("grpo-seq-mis")]
    [InlineData("pg-seq-mis")]
    [InlineData("pg-seq-tis")]
    public void LongSequenceWithLogRatio800StaysFinite(string algorithm)
    {
        // 100 tokens each with π/μ = e^8 (and π_θ' = π_θ): log ρ = 800, so ρ overflows double.
        var toks = Enumerable.Repeat(new Tok(1, Math.Exp(8)), 100).ToArray();
        var inputs = LossFixture.Build(101, [new Seq(+1, 1, toks), new Seq(-1, 1, new Tok(1, 1))], maxResponseLength: 100);
        var result = AlgorithmCatalog.Create(algorithm).Compute(inputs, LossAggregation.SeqMeanTokenSumNorm);

        Assert.True(double.IsFinite(result.Loss), $"loss {result.Loss}");
        Assert.All(result.DLogProbs, d => Assert.True(float.IsFinite(d)));
        double expectedLongGradient = algorithm == "pg-seq-tis" ? -3.0 / (2 * 100) : 0;   // TIS: −C·A·coef; MIS: exactly 0
        for (int t = 1; t <= 100; t++) Close.Equal(expectedLongGradient, result.DLogProbs[t]);
        Close.Equal(1.0 / 200, result.DLogProbs[101 + 1]);   // the short on-policy one: −ρ·A·coef = +1/(2·100)
        var s = result.Stats;
        Assert.Equal(double.MaxValue, s.Max);
        Assert.True(double.IsFinite(s.Mean) && double.IsFinite(s.EffectiveSampleSize), $"mean {s.Mean} ess {s.EffectiveSampleSize}");
        Close.Equal(0.5, s.EffectiveSampleSize);   // one weight dwarfs the other: ESS → 1/n
    }
}
