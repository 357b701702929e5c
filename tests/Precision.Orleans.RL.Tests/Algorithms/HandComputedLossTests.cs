using Xunit;
using Precision.Orleans.RL.Algorithms;

namespace Precision.Orleans.RL.Tests.Algorithms;

/// <summary>
/// Each algorithm on a tiny batch, against arithmetic written out by hand. Layout (SeqLen 4): sequence 0 has one
/// prompt position then 3 response tokens; sequence 1 one prompt position, 2 response tokens, 1 padding; further
/// sequences as noted. Masked positions hold junk log-probs that must not matter. Defaults: ε_low 0.2, ε_high 0.28, C 3.
/// </summary>
public sealed class HandComputedLossTests
{
    private static readonly AlgorithmOptions Defaults = new();

    [Fact]
    public void Grpo_TokenMean()
    {
        var inputs = LossFixture.Build(4,
        [
            new Seq(+1.0, 1, new Tok(1.1, 1), new Tok(1.5, 1), new Tok(0.5, 1)),
            new Seq(-0.5, 1, new Tok(1.5, 1), new Tok(0.5, 1)),
        ]);
        var result = new Grpo(Defaults).Compute(inputs, LossAggregation.TokenMean);

        // A = +1:  r 1.1 in range → ℓ = −1.1, ∂ = −1.1;  r 1.5 > 1.28 → clipped: ℓ = −1.28, ∂ = 0;
        //          r 0.5 < 0.8 → min(0.5, 0.8) = 0.5 unclipped: ℓ = −0.5, ∂ = −0.5.
        // A = −0.5: r 1.5 → min(−0.75, −0.64) = −0.75 unclipped: ℓ = 0.75, ∂ = +0.75;
        //          r 0.5 → min(−0.25, −0.4) = −0.4 clipped: ℓ = 0.4, ∂ = 0.   token-mean: ÷ 5 tokens.
        Close.Equal((-1.1 - 1.28 - 0.5 + 0.75 + 0.4) / 5, result.Loss);
        Close.All([0, -1.1 / 5, 0, -0.5 / 5, 0, 0.75 / 5, 0, 0], result.DLogProbs);
        Assert.Equal(new ImportanceWeightStats(5, 1, 1, 1, 0, 0, 2.0 / 5), result.Stats);
    }

    [Fact]
    public void GrpoTokenTis_SeqMeanTokenSum()
    {
        var inputs = LossFixture.Build(4,
        [
            new Seq(+1.0, 1, new Tok(1.1, 0.5), new Tok(1.0, 4), new Tok(1.5, 1)),
            new Seq(-0.5, 1, new Tok(1.5, 2), new Tok(0.9, 1)),
        ]);
        var result = new GrpoTokenTis(Defaults).Compute(inputs, LossAggregation.SeqMeanTokenSum);

        // weights min(ρ, 3): 0.5, 3 (truncated from 4), 1 | 2, 1.
        // A = +1:  0.5·(−1.1) = −0.55 (∂ −0.55);  3·(−1.0) = −3 (∂ −3);  1·(−1.28) clipped (∂ 0).
        // A = −0.5: 2·0.75 = 1.5 (∂ +1.5);  r 0.9 in range: 1·0.45 (∂ +0.45).   seq-mean-token-sum: ÷ 2 sequences.
        Close.Equal((-0.55 - 3 - 1.28 + 1.5 + 0.45) / 2, result.Loss);
        Close.All([0, -0.55 / 2, -3.0 / 2, 0, 0, 1.5 / 2, 0.45 / 2, 0], result.DLogProbs);
        var s = result.Stats;
        Assert.Equal(5, s.Count);
        Close.Equal((0.5 + 3 + 1 + 2 + 1) / 5, s.Mean, what: "mean applied");
        Close.Equal(4, s.Max, what: "max raw");
        Close.Equal(Math.Pow(0.5 + 4 + 1 + 2 + 1, 2) / (5 * (0.25 + 16 + 1 + 4 + 1)), s.EffectiveSampleSize, what: "ESS raw");
        Close.Equal(1.0 / 5, s.TruncatedFraction);
        Close.Equal(0, s.MaskedFraction);
        Close.Equal(1.0 / 5, s.ClippedFraction);
    }

    [Fact]
    public void GrpoSeqMis_SeqMeanTokenMean()
    {
        var inputs = LossFixture.Build(4,
        [
            new Seq(+1.0, 1, new Tok(1.1, 2), new Tok(0.7, 1), new Tok(1.0, 1)),   // ρ = 2·1·1 = 2 ≤ 3: kept
            new Seq(-0.5, 1, new Tok(1.1, 2), new Tok(1.0, 2)),                     // ρ = 4 > 3: masked
        ]);
        var result = new GrpoSeqMis(Defaults).Compute(inputs, LossAggregation.SeqMeanTokenMean);

        // Sequence 0, weight 2: r 1.1 → −1.1; r 0.7 < 0.8 with A > 0 → unclipped −0.7; r 1 → −1. Coefficient 1/(2·3).
        // Sequence 1, weight 0: nothing.
        Close.Equal(2 * (-1.1 - 0.7 - 1.0) / 6, result.Loss);
        Close.All([0, 2 * -1.1 / 6, 2 * -0.7 / 6, 2 * -1.0 / 6, 0, 0, 0, 0], result.DLogProbs);
        var s = result.Stats;
        Assert.Equal(2, s.Count);
        Close.Equal((2 + 0) / 2.0, s.Mean);
        Close.Equal(4, s.Max);
        Close.Equal(36.0 / (2 * 20), s.EffectiveSampleSize);
        Close.Equal(0.5, s.MaskedFraction);
        Close.Equal(0, s.ClippedFraction);
    }

    [Fact]
    public void Gspo_SeqMeanTokenSumNorm()
    {
        var options = Defaults with { GspoClipLow = 0.1, GspoClipHigh = 0.2 };
        var inputs = LossFixture.Build(4,
        [
            new Seq(+1.0, 1, new Tok(1.2, 1), new Tok(1.0, 1), new Tok(1.0, 1)),
            new Seq(-0.5, 1, new Tok(1.5, 1), new Tok(1.5, 1)),
            new Seq(+2.0, 2, new Tok(1.5, 1)),
        ], maxResponseLength: 8);
        var result = new Gspo(options).Compute(inputs, LossAggregation.SeqMeanTokenSumNorm);

        // s0 = (1.2·1·1)^(1/3) ∈ [0.9, 1.2]: ℓ_t = −s0, ∂ = −s0 on each of 3 tokens.
        // s1 = (1.5·1.5)^(1/2) = 1.5 > 1.2 with A < 0: min(−0.75, −0.6) = −0.75 unclipped: ℓ_t = 0.75, ∂ = +0.75.
        // s2 = 1.5 with A = 2 > 0: clipped: ℓ = −1.2·2 = −2.4, ∂ = 0.   Coefficient 1/(3·8).
        double s0 = Math.Pow(1.2, 1.0 / 3);
        Close.Equal((3 * -s0 + 2 * 0.75 - 2.4) / 24, result.Loss);
        Close.All([0, -s0 / 24, -s0 / 24, -s0 / 24, 0, 0.75 / 24, 0.75 / 24, 0, 0, 0, 0, 0], result.DLogProbs);
        Close.Equal(1.0 / 6, result.Stats.ClippedFraction);
        Assert.Equal(1, result.Stats.Mean);
    }

    [Fact]
    public void PgSeqIs_TokenMean()
    {
        // π_θ/μ per token is R·Rho; the π_θ' (R) split must not matter to pg-*.
        var inputs = LossFixture.Build(4,
        [
            new Seq(+1.0, 1, new Tok(1.5, 1), new Tok(0.8, 1.25), new Tok(1, 1)),   // ρ = 1.5·1·1 = 1.5
            new Seq(-0.5, 1, new Tok(0.25, 2), new Tok(1, 1)),                      // ρ = 0.5
        ]);
        var result = new PgSeqIs(Defaults).Compute(inputs, LossAggregation.TokenMean);

        // ∂ = −ρ·A on every token: −1.5 | +0.25; value −A·ρ per sequence: −1.5 | +0.25; token-mean ÷ 5.
        Close.Equal((-1.5 + 0.25) / 5, result.Loss);
        Close.All([0, -1.5 / 5, -1.5 / 5, -1.5 / 5, 0, 0.25 / 5, 0.25 / 5, 0], result.DLogProbs);
        Close.Equal((1.5 + 0.5) / 2, result.Stats.Mean);
        Close.Equal(1.5, result.Stats.Max);
        Close.Equal(4.0 / (2 * 2.5), result.Stats.EffectiveSampleSize);
    }

    [Fact]
    public void PgSeqTis_SeqMeanTokenSum()
    {
        var inputs = LossFixture.Build(4,
        [
            new Seq(+1.0, 1, new Tok(2, 1), new Tok(1, 3), new Tok(1, 1)),   // ρ = 6 > 3: truncated
            new Seq(-0.5, 1, new Tok(1, 2), new Tok(1, 1)),                  // ρ = 2
        ]);
        var result = new PgSeqTis(Defaults).Compute(inputs, LossAggregation.SeqMeanTokenSum);

        // Sequence 0: w = 3, ∂ = −3; value −A·3·(1 + ln 6 − ln 3) = −3(1 + ln 2).
        // Sequence 1: w = 2, ∂ = +1; value −(−0.5)·2 = 1.   ÷ 2 sequences.
        Close.Equal((-3 * (1 + Math.Log(2)) + 1) / 2, result.Loss);
        Close.All([0, -1.5, -1.5, -1.5, 0, 0.5, 0.5, 0], result.DLogProbs);
        Close.Equal(0.5, result.Stats.TruncatedFraction);
        Close.Equal((3 + 2) / 2.0, result.Stats.Mean);
        Close.Equal(6, result.Stats.Max);
    }

    [Fact]
    public void PgSeqMis_SeqMeanTokenMean()
    {
        var inputs = LossFixture.Build(4,
        [
            new Seq(+1.0, 1, new Tok(2, 1), new Tok(1, 3), new Tok(1, 1)),   // ρ = 6 > 3: masked
            new Seq(-0.5, 1, new Tok(1, 2), new Tok(1, 1)),                  // ρ = 2: kept
        ]);
        var result = new PgSeqMis(Defaults).Compute(inputs, LossAggregation.SeqMeanTokenMean);

        // Sequence 0: ∂ = 0; value −A·C = −3, coefficient 1/(2·3).  Sequence 1: ∂ = +1, value 1, coefficient 1/(2·2).
        Close.Equal(-3.0 / 6 + 1.0 / 4, result.Loss);
        Close.All([0, 0, 0, 0, 0, 0.25, 0.25, 0], result.DLogProbs);
        Close.Equal(0.5, result.Stats.MaskedFraction);
        Close.Equal((0 + 2) / 2.0, result.Stats.Mean);
        Close.Equal(6, result.Stats.Max);
        Close.Equal(64.0 / (2 * 40), result.Stats.EffectiveSampleSize);
    }
}
