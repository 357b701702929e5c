using Xunit;

namespace Precision.Orleans.RL.Tests.Algorithms;

internal static class Close
{
    /// <summary>|expected − actual| ≤ tol·max(1, |expected|).</summary>
    public static void Equal(double expected, double actual, double tol = 2e-6, string? what = null)
    {
        double err = Math.Abs(expected - actual);
        Assert.True(err <= tol * Math.Max(1, Math.Abs(expected)),
            $"{what ?? "value"}: expected {expected:R}, got {actual:R} (|Δ| = {err:G3})");
    }

    /// <summary>Every entry of <paramref name="actual"/> against <paramref name="expected"/>.</summary>
    public static void All(double[] expected, float[] actual, double tol = 2e-6)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int k = 0; k < expected.Length; k++) Equal(expected[k], actual[k], tol, $"DLogProbs[{k}]");
    }
}
