using System.Security.Cryptography;
using System.Text;
using Xunit;
using Precision.Orleans.RL.Algorithms;

namespace Precision.Orleans.RL.Tests.Algorithms;

/// <summary>
/// The loss options verl users rely on — dual-clip PPO, the ±b log-ratio safety clamp, the GRPO advantage baseline and
/// the MIS lower rejection bound — against arithmetic written out by hand, and the proof that each is off by default.
/// Layout as in <see cref="HandComputedLossTests"/>: SeqLen 4, one prompt position, then the response tokens.
/// </summary>
public sealed class VerlLossOptionsTests
{
    private static readonly AlgorithmOptions Defaults = new();

    [Fact]
    public void DefaultsReproduceTheLossesFromBeforeTheOptionsExisted()
    {
        // SHA-256 over (loss, ∂loss/∂log π) of all seven algorithms × four aggregations × 9 random batches, recorded with
        // the code as it was before these options were added: the defaults must leave every bit where it was.
        var lines = new List<string>();
        foreach (string name in AlgorithmCatalog.Names)
        foreach (var aggregation in Enum.GetValues<LossAggregation>())
        foreach (int seed in new[] { 1, 2, 3 })
        foreach (double spread in new[] { 0.05, 0.7, 3.0 })
        {
            var r = AlgorithmCatalog.Create(name).Compute(LossFixture.Random(seed, spread, sequences: 4, seqLen: 7), aggregation);
            var bytes = new List<byte>(BitConverter.GetBytes(r.Loss));
            foreach (float g in r.DLogProbs) bytes.AddRange(BitConverter.GetBytes(g));
            lines.Add(Convert.ToHexStringLower(SHA256.HashData(bytes.ToArray())));
        }
        string all = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", lines))));
        Assert.Equal("1e67db96c80c7f306a3c33550ceaf0553cb3185b551ebb67f8bc34eaf694d0ee", all);

        // Advantages with the default estimator (RLOO), without and with std normalisation, bit for bit as before.
        double[] rewards = [1, 0, 0, 1, 0.5, 0, 0, 1];
        var bits = Advantages.GroupRelative(rewards, 4, false).Concat(Advantages.GroupRelative(rewards, 4, true))
            .Select(BitConverter.SingleToInt32Bits);
        Assert.Equal(
            "1059760811,-1087722837,-1087722837,1059760811,1042983595,-1090519040,-1090519040,1062557013,"
            + "1066650921,-1080832727,-1080832727,1066650921,1051869521,-1081757443,-1081757443,1071567270",
            string.Join(",", bits));

        Assert.Null(Defaults.DualClipRatio);
        Assert.Null(Defaults.LogRatioClamp);
        Assert.False(Defaults.MisLowerBound);
    }

    private static PolicyLossInputs DualClipBatch() => LossFixture.Build(4,
    [
        new Seq(+1.0, 1, new Tok(5, 1), new Tok(0.5, 1)),
        new Seq(-0.5, 1, new Tok(5, 1), new Tok(2, 1), new Tok(0.5, 1)),
    ]);

    [Fact]
    public void DualClipBoundsTheLossOfNegativeAdvantagesAtCTimesAbsA()
    {
        var result = new Grpo(Defaults with { DualClipRatio = 3 }).Compute(DualClipBatch(), LossAggregation.TokenMean);

        // A = +1 (dual clip never applies): r 5 > 1.28 clipped high: ℓ = −1.28, ∂ 0;  r 0.5 unclipped: ℓ = −0.5, ∂ −0.5.
        // A = −0.5, c·|A| = 1.5:  r 5 → −min(−2.5, −0.64) = 2.5 > 1.5 → ℓ = 1.5, ∂ 0 (the dual clip);
        //   r 2 → 1.0 ≤ 1.5, unclipped: ℓ = 1.0, ∂ = −r·A = +1.0;  r 0.5 < 0.8 clipped low: ℓ = 0.4, ∂ 0.   ÷ 5 tokens.
        Close.Equal((-1.28 - 0.5 + 1.5 + 1.0 + 0.4) / 5, result.Loss);
        Close.All([0, 0, -0.5 / 5, 0, 0, 0, 1.0 / 5, 0], result.DLogProbs);
        Close.Equal(3.0 / 5, result.Stats.ClippedFraction, what: "clipped: high, dual, low");

        // Without it the r = 5, A < 0 token keeps its unbounded loss 2.5 and gradient +2.5.
        var plain = new Grpo(Defaults).Compute(DualClipBatch(), LossAggregation.TokenMean);
        Close.Equal((-1.28 - 0.5 + 2.5 + 1.0 + 0.4) / 5, plain.Loss);
        Close.All([0, 0, -0.5 / 5, 0, 0, 2.5 / 5, 1.0 / 5, 0], plain.DLogProbs);
    }

    [Fact]
    public void DualClipAppliesToEveryClippedSurrogate()
    {
        // grpo-token-tis with weight 1 and gspo with a wide clip range give the same bounded term as grpo.
        var options = Defaults with { DualClipRatio = 3, GspoClipLow = 0.2, GspoClipHigh = 0.28 };
        var single = LossFixture.Build(4, [new Seq(-0.5, 1, new Tok(5, 1))]);
        foreach (var loss in new PolicyLoss[] { new Grpo(options), new GrpoTokenTis(options), new GrpoSeqMis(options), new Gspo(options) })
        {
            var result = loss.Compute(single, LossAggregation.TokenMean);
            Close.Equal(1.5, result.Loss, what: loss.Name);
            Close.All([0, 0, 0, 0], result.DLogProbs);
        }
    }

    [Fact]
    public void LogRatioClampHoldsRatiosAtEToThe20WithZeroGradientBeyond()
    {
        var inputs = LossFixture.Build(4,
        [
            new Seq(-1.0, 1, new Tok(2, 1)),
            new Seq(+1.0, 1, new Tok(2, 1)),
        ]);
        // log r = +50 for sequence 0's token, −50 for sequence 1's (set directly: e^50 as a ratio would be exact only in log form).
        inputs.LogProbs[1] = (float)(LossFixture.OldLogProb + 50);
        inputs.LogProbs[5] = (float)(LossFixture.OldLogProb - 50);
        var result = new Grpo(Defaults with { LogRatioClamp = 20 }).Compute(inputs, LossAggregation.TokenMean);

        // A = −1, log r clamped to 20: ℓ = −min(−e^20, −1.28) = e^20 unclipped, ∂ 0 (beyond the clamp).
        // A = +1, log r clamped to −20: ℓ = −min(e^−20, 0.8) = −e^−20, ∂ 0.   ÷ 2 tokens.
        Close.Equal((Math.Exp(20) - Math.Exp(-20)) / 2, result.Loss, tol: 1e-12);
        Close.All([0, 0, 0, 0, 0, 0, 0, 0], result.DLogProbs);

        // Unclamped, the same batch's loss is e^50/2 ≈ 2.6e21 and its gradient too: what the clamp is for.
        var plain = new Grpo(Defaults).Compute(inputs, LossAggregation.TokenMean);
        Assert.True(plain.Loss > 1e21, $"unclamped loss {plain.Loss}");
    }

    [Fact]
    public void LogRatioClampKeepsPgSeqIsWeightAndObjectiveConsistent()
    {
        var inputs = LossFixture.Build(4, [new Seq(+0.5, 1, new Tok(1, 1), new Tok(1, 1))]);
        inputs.LogProbs[1] = (float)(LossFixture.OldLogProb + 30);   // log ρ = π_θ/μ = 30 over the sequence
        var result = new PgSeqIs(Defaults with { LogRatioClamp = 20 }).Compute(inputs, LossAggregation.SeqMeanTokenSum);

        // w = e^20 (truncated); value −A·e^20·(1 + 30 − 20) = −0.5·11·e^20; ∂ = −w·A on both tokens; ÷ 1 sequence.
        Close.Equal(-0.5 * 11 * Math.Exp(20), result.Loss, tol: 1e-6);
        Close.All([0, -0.5 * Math.Exp(20), -0.5 * Math.Exp(20), 0], result.DLogProbs, tol: 1e-6);
        Close.Equal(1, result.Stats.TruncatedFraction);
    }

    [Fact]
    public void LogRatioClampLeavesNoNaNOrInfinityAnywhere()
    {
        var options = Defaults with { LogRatioClamp = 20, DualClipRatio = 3 };
        foreach (string name in AlgorithmCatalog.Names)
        foreach (var aggregation in Enum.GetValues<LossAggregation>())
        foreach (double huge in new[] { 1000.0, -1000.0 })
        {
            var inputs = LossFixture.Build(4,
            [
                new Seq(-1.0, 1, new Tok(1, 1), new Tok(1, 1), new Tok(1, 1)),
                new Seq(+1.0, 1, new Tok(1, 1), new Tok(1, 1)),
            ]);
            // Every response token's log π_θ and log μ pushed ±1000 away: per-token and sequence log-ratios of ±1000…±3000.
            foreach (int k in new[] { 1, 2, 3, 5, 6 })
            {
                inputs.LogProbs[k] = (float)(LossFixture.OldLogProb + huge);
                inputs.RolloutLogProbs[k] = (float)(LossFixture.OldLogProb - huge);
            }
            var r = AlgorithmCatalog.Create(name, options).Compute(inputs, aggregation);
            Assert.True(double.IsFinite(r.Loss), $"{name} {aggregation} log-ratio {huge}: loss {r.Loss}");
            Assert.All(r.DLogProbs, g => Assert.True(float.IsFinite(g), $"{name} {aggregation} log-ratio {huge}: gradient {g}"));
            foreach (double stat in new[] { r.Stats.Mean, r.Stats.Max, r.Stats.EffectiveSampleSize, r.Stats.ClippedFraction })
                Assert.True(double.IsFinite(stat), $"{name} {aggregation} log-ratio {huge}: stats {r.Stats}");
        }
    }

    [Fact]
    public void GrpoBaselineIsTheGroupMeanAndRlooIsGOverGMinusOneTimesIt()
    {
        // One group of G = 5: rewards 1, 0, 0, 1, 1; mean 0.6.
        double[] rewards = [1, 0, 0, 1, 1];
        var grpo = Advantages.GroupRelative(rewards, 5, normalizeStd: false, AdvantageEstimator.Grpo);
        Close.All([0.4, -0.6, -0.6, 0.4, 0.4], grpo, tol: 1e-7);
        // RLOO: R − mean of the other four: 1 − 2/4 = 0.5, 0 − 3/4 = −0.75.
        var rloo = Advantages.GroupRelative(rewards, 5, normalizeStd: false, AdvantageEstimator.Rloo);
        Close.All([0.5, -0.75, -0.75, 0.5, 0.5], rloo, tol: 1e-7);

        // ÷ std: sample std √((3·0.16 + 2·0.36)/4) = √0.3. verl's GRPO is (R − mean)/(std + 1e-6); RLOO ÷ std is 5/4 of it.
        double std = Math.Sqrt(0.3) + Advantages.StdEpsilon;
        var grpoStd = Advantages.GroupRelative(rewards, 5, normalizeStd: true, AdvantageEstimator.Grpo);
        Close.All([0.4 / std, -0.6 / std, -0.6 / std, 0.4 / std, 0.4 / std], grpoStd, tol: 1e-7);
        var rlooStd = Advantages.GroupRelative(rewards, 5, normalizeStd: true, AdvantageEstimator.Rloo);
        for (int i = 0; i < 5; i++) Close.Equal(5.0 / 4 * grpoStd[i], rlooStd[i], tol: 1e-6, what: $"RLOO÷std [{i}]");
    }

    private static PolicyLossInputs LowRatioBatch() => LossFixture.Build(4,
    [
        new Seq(+1.0, 1, new Tok(1.1, 0.25), new Tok(1, 1)),   // mismatch ρ = 0.25 < 1/3
        new Seq(-0.5, 1, new Tok(1, 0.5), new Tok(1, 1)),      // ρ = 0.5 ≥ 1/3: kept either way
    ]);

    [Fact]
    public void MisLowerBoundDropsSequencesBelowOneOverC_GrpoSeqMis()
    {
        var on = new GrpoSeqMis(Defaults with { MisLowerBound = true }).Compute(LowRatioBatch(), LossAggregation.TokenMean);
        // Sequence 0 dropped. Sequence 1, weight 0.5, A = −0.5, r 1: ℓ = 0.5 per token, ∂ = +0.5 each, × 0.5; ÷ 4 tokens.
        Close.Equal(0.5 * (0.5 + 0.5) / 4, on.Loss);
        Close.All([0, 0, 0, 0, 0, 0.25 / 4, 0.25 / 4, 0], on.DLogProbs);
        Close.Equal(0.5, on.Stats.MaskedFraction);

        var off = new GrpoSeqMis(Defaults).Compute(LowRatioBatch(), LossAggregation.TokenMean);
        // Sequence 0 kept at weight 0.25: r 1.1 → −1.1 (∂ −1.1), r 1 → −1 (∂ −1).
        Close.Equal((0.25 * (-1.1 - 1.0) + 0.5 * 1.0) / 4, off.Loss);
        Close.All([0, 0.25 * -1.1 / 4, 0.25 * -1.0 / 4, 0, 0, 0.25 / 4, 0.25 / 4, 0], off.DLogProbs);
        Close.Equal(0, off.Stats.MaskedFraction);
    }

    [Fact]
    public void MisLowerBoundDropsSequencesBelowOneOverC_PgSeqMis()
    {
        // pg-seq-mis's ρ is π_θ/μ = R·Rho: sequence 0 has 1.1·0.25 = 0.275 < 1/3, sequence 1 has 0.5.
        var on = new PgSeqMis(Defaults with { MisLowerBound = true }).Compute(LowRatioBatch(), LossAggregation.TokenMean);
        // Sequence 0 masked: objective the constant 1/C, value −A/3, no gradient. Sequence 1: value −(−0.5)·0.5 = 0.25, ∂ = +0.25.
        Close.Equal((-1.0 / 3 + 0.25) / 4, on.Loss);
        Close.All([0, 0, 0, 0, 0, 0.25 / 4, 0.25 / 4, 0], on.DLogProbs);
        Close.Equal(0.5, on.Stats.MaskedFraction);

        var off = new PgSeqMis(Defaults).Compute(LowRatioBatch(), LossAggregation.TokenMean);
        Close.Equal((-0.275 + 0.25) / 4, off.Loss);
        Close.All([0, -0.275 / 4, -0.275 / 4, 0, 0, 0.25 / 4, 0.25 / 4, 0], off.DLogProbs);
    }

    [Fact]
    public void OutOfRangeOptionsAreRefused()
    {
        Assert.Contains("DualClipRatio", Assert.Throws<ArgumentException>(() => (Defaults with { DualClipRatio = 1 }).Validate()).Message);
        Assert.Contains("LogRatioClamp", Assert.Throws<ArgumentException>(() => (Defaults with { LogRatioClamp = 0 }).Validate()).Message);
        Assert.Throws<ArgumentException>(() => (Defaults with { LogRatioClamp = double.PositiveInfinity }).Validate());
    }
}
