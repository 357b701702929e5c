namespace Precision.Orleans.Engine.Analysis;

/// <summary>
/// What mean |log π(y)/μ(y)| the measured per-token statistics imply for responses of another length.
/// A response's log-ratio is a sum of L per-token log-ratios. Treating them as independent with mean
/// −KL (estimated by k3) and spread σ, the sum is about N(−L·KL, L·σ²), whose mean absolute value is
/// the folded-normal mean. Short responses sit in the noise regime (√L·σ, so bf16/fp16 ≈ the ratio of σ,
/// ≈ 8 = 2³ for linear rounding errors); long ones in the drift regime (L·KL, so the ratio tends to the
/// k3 ratio, ≈ 64). This is how a measurement on short responses speaks to the paper's 8K–32K-token ones.
/// It is a projection, not a measurement: the report also prints it at the measured lengths so that
/// its error (tails, correlation between a response's tokens) can be read next to the measured value.
/// </summary>
public static class SequenceRatioProjection
{
    /// <summary>E|X| for X ~ N(length·tokenMean, length·tokenStd²).</summary>
    public static double ExpectedAbsSum(double tokenMean, double tokenStd, double length)
    {
        if (length < 0 || !double.IsFinite(length)) throw new ArgumentOutOfRangeException(nameof(length), length, "length must be finite and non-negative");
        if (tokenStd < 0) throw new ArgumentOutOfRangeException(nameof(tokenStd), tokenStd, "a standard deviation is non-negative");
        double mean = length * tokenMean, sd = Math.Sqrt(length) * tokenStd;
        if (sd == 0) return Math.Abs(mean);
        double z = Math.Abs(mean) / sd;
        // Folded normal: sd·√(2/π)·exp(−z²/2) + |mean|·(1 − 2Φ(−z)), and 1 − 2Φ(−z) = erf(z/√2).
        return sd * Math.Sqrt(2 / Math.PI) * Math.Exp(-z * z / 2) + Math.Abs(mean) * (1 - Erfc(z / Math.Sqrt(2)));
    }

    /// <summary>Projected mean |seq log-ratio| at <paramref name="length"/> from a dtype's measured statistics (drift = −k3).</summary>
    public static double Project(MismatchMetrics m, double length) => ExpectedAbsSum(-m.K3, m.TokenLogRatioStd, length);

    /// <summary>
    /// Projection averaged over the measured responses' own lengths: the like-for-like counterpart of
    /// <see cref="MismatchMetrics.MeanAbsSeqLogRatio"/>, to show how far the independent-Gaussian model is off.
    /// </summary>
    public static double ProjectAtMeasuredLengths(MismatchMetrics m) =>
        m.SeqLengths.Count == 0 ? 0 : m.SeqLengths.Average(l => Project(m, l));

    /// <summary>Projected ratio of mean |seq log-ratio|, <paramref name="a"/> over <paramref name="b"/>, at one length.</summary>
    public static double ProjectedRatio(MismatchMetrics a, MismatchMetrics b, double length)
    {
        double denominator = Project(b, length);
        return denominator > 0 ? Project(a, length) / denominator : double.NaN;
    }

    /// <summary>
    /// Shortest response length (searched up to <paramref name="maxLength"/>) at which the projected ratio a/b
    /// reaches <paramref name="target"/>; null when it does not within that range. The ratio starts at the σ ratio
    /// and rises monotonically towards the k3 ratio when a's drift grows faster than b's, which is what the
    /// bisection relies on; a non-monotone pair (not seen from rounding errors) is reported as not reached.
    /// </summary>
    public static double? LengthForRatio(MismatchMetrics a, MismatchMetrics b, double target, double maxLength = 1e9)
    {
        double lo = 1, hi = maxLength;
        if (ProjectedRatio(a, b, lo) >= target) return lo;
        if (!(ProjectedRatio(a, b, hi) >= target)) return null;
        for (int i = 0; i < 200 && hi / lo > 1.0001; i++)
        {
            double mid = Math.Sqrt(lo * hi);
            if (ProjectedRatio(a, b, mid) >= target) hi = mid; else lo = mid;
        }
        return hi;
    }

    /// <summary>
    /// Complementary error function to about 1e-15 relative: the Maclaurin series below 2, a continued
    /// fraction (Lentz) above. Only the projection uses it, so clarity wins over speed.
    /// </summary>
    public static double Erfc(double x)
    {
        if (double.IsNaN(x)) return double.NaN;
        if (x < 0) return 2 - Erfc(-x);
        if (x < 2)
        {
            // erf(x) = 2/√π · Σ (−1)ⁿ x^(2n+1) / (n! (2n+1))
            double term = x, sum = x, x2 = x * x;
            for (int n = 1; n < 200; n++)
            {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.Abs(add) < 1e-17 * Math.Abs(sum)) break;
            }
            return 1 - 2 / Math.Sqrt(Math.PI) * sum;
        }
        if (x > 27) return 0; // below double's smallest subnormal
        // erfc(x) = exp(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …))))), evaluated by modified Lentz.
        const double tiny = 1e-300;
        double f = x, c = x, d = 0;
        for (int k = 1; k < 500; k++)
        {
            double an = k / 2.0;
            d = x + an * d;
            d = Math.Abs(d) < tiny ? tiny : d;
            c = x + an / c;
            c = Math.Abs(c) < tiny ? tiny : c;
            d = 1 / d;
            double delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1) < 1e-16) break;
        }
        return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / f;
    }
}
