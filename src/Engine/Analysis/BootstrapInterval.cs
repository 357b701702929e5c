namespace Precision.Orleans.Engine.Analysis;

/// <summary>
/// Percentile bootstrap of the ratio mean|a| / mean|b| of two independent samples (e.g. per-sequence
/// log-ratios of bf16 and fp16): how much the headline ratio could move with another draw of prompts
/// and samples. Deterministic for a given seed.
/// </summary>
public static class BootstrapInterval
{
    public static (double Low, double High) RatioOfMeanAbs(
        IReadOnlyList<double> a, IReadOnlyList<double> b, double confidence = 0.95, int resamples = 2000, int seed = 12345)
    {
        if (a.Count == 0 || b.Count == 0) throw new ArgumentException($"bootstrap: both samples need values (got {a.Count} and {b.Count})");
        if (!(confidence > 0 && confidence < 1)) throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "bootstrap: confidence must be in (0, 1)");
        if (resamples < 10) throw new ArgumentOutOfRangeException(nameof(resamples), resamples, "bootstrap: need at least 10 resamples");
        var rng = new Random(seed);
        var ratios = new double[resamples];
        for (int r = 0; r < resamples; r++)
        {
            double sa = 0, sb = 0;
            for (int i = 0; i < a.Count; i++) sa += Math.Abs(a[rng.Next(a.Count)]);
            for (int i = 0; i < b.Count; i++) sb += Math.Abs(b[rng.Next(b.Count)]);
            ratios[r] = sb > 0 ? (sa / a.Count) / (sb / b.Count) : double.PositiveInfinity;
        }
        Array.Sort(ratios);
        double tail = (1 - confidence) / 2;
        return (ratios[(int)Math.Floor(tail * (resamples - 1))], ratios[(int)Math.Ceiling((1 - tail) * (resamples - 1))]);
    }
}
