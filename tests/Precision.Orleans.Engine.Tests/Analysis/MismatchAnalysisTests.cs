using Precision.Orleans.Engine.Analysis;
using Xunit;

namespace Precision.Orleans.Engine.Tests.Analysis;

public class MismatchAnalysisTests
{
    [Fact]
    public void Identical_engines_give_zero_mismatch()
    {
        float[] lp = [-0.1f, -2f, -0.5f];
        var m = MismatchAnalysis.Compute([lp], [(float[])lp.Clone()]);
        Assert.Equal(0, m.K1);
        Assert.Equal(0, m.K3);
        Assert.Equal(0, m.MeanAbsProbDiff);
        Assert.Equal(0, m.MeanAbsSeqLogRatio);
        Assert.Equal(3, m.Tokens);
    }

    [Fact]
    public void Metrics_match_hand_computed_values()
    {
        // Sequence 0: π = (0.5, 0.25), μ = (0.25, 0.5); sequence 1: π = 0.8, μ = 0.4.
        float[][] pi = [[MathF.Log(0.5f), MathF.Log(0.25f)], [MathF.Log(0.8f)]];
        float[][] mu = [[MathF.Log(0.25f), MathF.Log(0.5f)], [MathF.Log(0.4f)]];
        var m = MismatchAnalysis.Compute(pi, mu);

        double ln2 = Math.Log(2);
        // log r per token: +ln2, −ln2, +ln2.
        Assert.Equal(-ln2 / 3, m.K1, 6);
        // k3 = r − 1 − ln r: r=2 → 1 − ln2; r=0.5 → −0.5 + ln2; r=2 → 1 − ln2.
        Assert.Equal((2 * (1 - ln2) + (-0.5 + ln2)) / 3, m.K3, 6);
        Assert.Equal((0.25 + 0.25 + 0.4) / 3, m.MeanAbsProbDiff, 6);
        Assert.Equal(0.4, m.MaxAbsProbDiff, 6);
        Assert.Equal(-0.25, m.MinProbDiff, 6);
        Assert.Equal(0.4, m.MaxProbDiff, 6);
        Assert.Equal(0, m.SeqLogRatios[0], 6);
        Assert.Equal(ln2, m.SeqLogRatios[1], 6);
        Assert.Equal(ln2 / 2, m.MeanAbsSeqLogRatio, 6);
        Assert.Equal(ln2, m.MaxAbsSeqLogRatio, 6);
        Assert.Equal([2, 1], m.SeqLengths);
    }

    [Fact]
    public void K3_is_non_negative_and_close_to_k1_for_small_mismatch()
    {
        var rng = new Random(1);
        float[] mu = Enumerable.Range(0, 2000).Select(_ => (float)Math.Log(0.05 + 0.9 * rng.NextDouble())).ToArray();
        float[] pi = mu.Select(x => x + (float)(0.01 * (rng.NextDouble() - 0.5))).ToArray();
        var m = MismatchAnalysis.Compute([pi], [mu]);
        Assert.True(m.K3 >= 0);
        // k3 ≈ ½ E[(log r)²] for small log r: (0.01)²/12/2 ≈ 4.2e-6.
        Assert.InRange(m.K3, 2e-6, 7e-6);
    }

    [Fact]
    public void Sequences_are_bucketed_by_response_length()
    {
        float[][] pi = [new float[10], new float[20], new float[30], new float[300]];
        float[][] mu = pi.Select(p => p.Select(_ => -0.01f).ToArray()).ToArray();
        var m = MismatchAnalysis.Compute(pi, mu, [16, 64]);
        Assert.Equal(3, m.ByLength.Count);
        Assert.Equal((0, 16, 1), (m.ByLength[0].MinLength, m.ByLength[0].MaxLength, m.ByLength[0].Count));
        Assert.Equal((17, 64, 2), (m.ByLength[1].MinLength, m.ByLength[1].MaxLength, m.ByLength[1].Count));
        Assert.Equal(65, m.ByLength[2].MinLength);
        Assert.Equal(0.25, m.ByLength[1].MeanSeqLogRatio, 4);
        Assert.Equal(3.0, m.ByLength[2].MaxAbsSeqLogRatio, 3);
    }

    [Fact]
    public void Mismatched_shapes_and_non_finite_values_are_rejected()
    {
        Assert.Contains("sequence 0", Assert.Throws<ArgumentException>(() => MismatchAnalysis.Compute([new float[2]], [new float[3]])).Message);
        Assert.Contains("sequences", Assert.Throws<ArgumentException>(() => MismatchAnalysis.Compute([new float[2]], [])).Message);
        Assert.Contains("non-finite", Assert.Throws<ArgumentException>(() => MismatchAnalysis.Compute([[float.NegativeInfinity]], [[-1f]])).Message);
        Assert.Contains("increasing", Assert.Throws<ArgumentException>(() => MismatchAnalysis.Compute([], [], [5, 5])).Message);
    }
}

public class BootstrapIntervalTests
{
    [Fact]
    public void Interval_contains_the_true_ratio_and_narrows_with_more_data()
    {
        var rng = new Random(3);
        double[] Draw(int n, double scale) => Enumerable.Range(0, n).Select(_ => scale * (rng.NextDouble() - 0.5)).ToArray();
        var (lo, hi) = BootstrapInterval.RatioOfMeanAbs(Draw(400, 8), Draw(400, 1));
        Assert.InRange(8.0, lo, hi);
        var (lo2, hi2) = BootstrapInterval.RatioOfMeanAbs(Draw(40, 8), Draw(40, 1));
        Assert.True(hi2 - lo2 > hi - lo, $"small-sample interval [{lo2}, {hi2}] should be wider than [{lo}, {hi}]");
        double[] a = Draw(50, 4), b = Draw(50, 1);
        Assert.Equal(BootstrapInterval.RatioOfMeanAbs(a, b), BootstrapInterval.RatioOfMeanAbs(a, b)); // seeded: reproducible
    }

    [Fact]
    public void Empty_sample_is_rejected() =>
        Assert.Contains("both samples", Assert.Throws<ArgumentException>(() => BootstrapInterval.RatioOfMeanAbs([], [1.0])).Message);

    [Fact]
    public void Per_token_decomposition_matches_hand_computed_mean_std_and_crossover_lengths()
    {
        // log r per token: +ln2, −ln2, +ln2 → mean ln2/3, population variance (ln2)² − (ln2/3)² = (8/9)(ln2)².
        float[][] pi = [[MathF.Log(0.5f), MathF.Log(0.25f)], [MathF.Log(0.8f)]];
        float[][] mu = [[MathF.Log(0.25f), MathF.Log(0.5f)], [MathF.Log(0.4f)]];
        var m = MismatchAnalysis.Compute(pi, mu);
        double ln2 = Math.Log(2), mean = ln2 / 3, std = Math.Sqrt(8.0 / 9) * ln2;
        Assert.Equal(mean, m.TokenLogRatioMean, 6);
        Assert.Equal(-m.K1, m.TokenLogRatioMean, 12);
        Assert.Equal(std, m.TokenLogRatioStd, 6);
        Assert.Equal(std * std / (m.K3 * m.K3), m.DriftLengthMeasured, 4);
        Assert.Equal(4 / (std * std), m.DriftLengthTheory, 4);
        Assert.Equal(1.5, m.MeanLength, 12);
        // Crossover σ²/k3² ≈ 5 tokens, mean length 1.5: still noise-dominated.
        Assert.Equal("noise", m.Regime);
    }

    [Fact]
    public void A_constant_per_token_bias_is_pure_drift()
    {
        float[] mu = Enumerable.Repeat(-1f, 50).ToArray();
        float[] pi = Enumerable.Repeat(-1.01f, 50).ToArray();
        var m = MismatchAnalysis.Compute([pi], [mu]);
        Assert.Equal(-0.01, m.TokenLogRatioMean, 5);
        Assert.True(m.TokenLogRatioStd < 1e-6, $"σ = {m.TokenLogRatioStd}");
        Assert.True(m.DriftLengthMeasured < 1, $"L* = {m.DriftLengthMeasured}");
        Assert.Equal("drift", m.Regime);
    }

    [Fact]
    public void Zero_mismatch_has_infinite_crossover_length()
    {
        float[] lp = [-0.1f, -2f];
        var m = MismatchAnalysis.Compute([lp], [(float[])lp.Clone()]);
        Assert.Equal(0, m.TokenLogRatioStd);
        Assert.True(double.IsPositiveInfinity(m.DriftLengthMeasured));
        Assert.True(double.IsPositiveInfinity(m.DriftLengthTheory));
        Assert.Equal("noise", m.Regime);
    }
}
