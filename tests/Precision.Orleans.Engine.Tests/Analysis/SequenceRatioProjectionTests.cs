using Precision.Orleans.Engine.Analysis;
using Xunit;

namespace Precision.Orleans.Engine.Tests.Analysis;

public class SequenceRatioProjectionTests
{
    [Theory]
    // Reference values from Python's math.erfc (CPython, libm).
    [InlineData(0.0, 1.0)]
    [InlineData(0.1, 0.8875370839817152)]
    [InlineData(0.5, 0.4795001221869535)]
    [InlineData(1.0, 0.15729920705028513)]
    [InlineData(1.9999, 0.004679802092970608)]
    [InlineData(2.0, 0.004677734981047265)]
    [InlineData(2.5, 0.0004069520174449589)]
    [InlineData(3.0, 2.2090496998585438e-05)]
    [InlineData(5.0, 1.5374597944280351e-12)]
    [InlineData(10.0, 2.088487583762545e-45)]
    [InlineData(-1.0, 1.842700792949715)]
    public void Erfc_matches_reference_values(double x, double expected) =>
        Assert.Equal(expected, SequenceRatioProjection.Erfc(x), expected * 1e-11);

    [Fact]
    public void Without_drift_the_expected_absolute_sum_is_the_half_normal_mean()
    {
        // E|N(0, s²)| = s·√(2/π) with s = √L·σ.
        Assert.Equal(Math.Sqrt(100) * 0.02 * Math.Sqrt(2 / Math.PI), SequenceRatioProjection.ExpectedAbsSum(0, 0.02, 100), 12);
    }

    [Fact]
    public void Without_noise_the_expected_absolute_sum_is_the_summed_drift() =>
        Assert.Equal(250 * 3e-4, SequenceRatioProjection.ExpectedAbsSum(-3e-4, 0, 250), 12);

    [Fact]
    public void Expected_absolute_sum_agrees_with_a_seeded_monte_carlo_sum_of_gaussians()
    {
        // Independent check of the folded-normal formula: draw sums of L Gaussian tokens by Box–Muller.
        const double mean = -6e-5, std = 0.011;
        const int length = 8000, draws = 40_000;
        var rng = new Random(7);
        double total = 0;
        for (int i = 0; i < draws; i++)
        {
            double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
            double z = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            total += Math.Abs(length * mean + Math.Sqrt(length) * std * z); // the sum of L iid N(mean, std²)
        }
        double monteCarlo = total / draws, formula = SequenceRatioProjection.ExpectedAbsSum(mean, std, length);
        // 40,000 draws of a folded normal: relative standard error ≈ 0.6/√40000 = 0.3%.
        Assert.InRange(monteCarlo / formula, 0.985, 1.015);
    }

    [Fact]
    public void Ratio_goes_from_the_sigma_ratio_at_short_lengths_to_the_k3_ratio_at_long_ones()
    {
        // bf16-like and fp16-like statistics: σ ratio 8, k3 ratio 64.
        var bf16 = Metrics(k3: 6.4e-5, std: 0.0112);
        var fp16 = Metrics(k3: 1e-6, std: 0.0014);
        Assert.Equal(8, SequenceRatioProjection.ProjectedRatio(bf16, fp16, 10), 1);
        Assert.Equal(64, SequenceRatioProjection.ProjectedRatio(bf16, fp16, 1e12), 0);
        double previous = 0;
        foreach (double length in new[] { 10.0, 100, 1e3, 1e4, 1e5, 1e6, 1e7 })
        {
            double r = SequenceRatioProjection.ProjectedRatio(bf16, fp16, length);
            Assert.True(r > previous, $"the projected ratio should rise with length; {r} at {length} after {previous}");
            previous = r;
        }
    }

    [Fact]
    public void Length_for_a_ratio_is_where_the_projection_crosses_it()
    {
        var bf16 = Metrics(k3: 6.4e-5, std: 0.0112);
        var fp16 = Metrics(k3: 1e-6, std: 0.0014);
        double length = SequenceRatioProjection.LengthForRatio(bf16, fp16, 24)!.Value;
        Assert.Equal(24, SequenceRatioProjection.ProjectedRatio(bf16, fp16, length), 2);
        Assert.True(SequenceRatioProjection.ProjectedRatio(bf16, fp16, length * 0.99) < 24);
        Assert.Equal(1, SequenceRatioProjection.LengthForRatio(bf16, fp16, 7.9)); // already there at one token
        Assert.Null(SequenceRatioProjection.LengthForRatio(bf16, fp16, 100)); // beyond the k3 ratio: never
    }

    [Fact]
    public void Projection_at_measured_lengths_averages_over_each_response_length()
    {
        var m = MismatchAnalysis.Compute([[-0.01f, 0.01f], [0.02f, 0f, -0.02f, 0.01f]], [new float[2], new float[4]]);
        double expected = (SequenceRatioProjection.Project(m, 2) + SequenceRatioProjection.Project(m, 4)) / 2;
        Assert.Equal(expected, SequenceRatioProjection.ProjectAtMeasuredLengths(m), 15);
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SequenceRatioProjection.ExpectedAbsSum(0, 0.1, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => SequenceRatioProjection.ExpectedAbsSum(0, -0.1, 10));
    }

    private static MismatchMetrics Metrics(double k3, double std) => new() { K3 = k3, TokenLogRatioStd = std };
}
