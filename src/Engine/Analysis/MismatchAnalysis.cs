namespace Precision.Orleans.Engine.Analysis;

/// <summary>
/// Pure functions from per-token log-probabilities of sampled response tokens to
/// <see cref="MismatchMetrics"/>. Reused every RL step, so they take plain arrays and allocate little.
/// Sums run in FP64 so that the statistic, not its own rounding, is what is measured.
/// </summary>
public static class MismatchAnalysis
{
    /// <summary>Upper edges of the default response-length buckets (the last bucket is open-ended).</summary>
    public static readonly IReadOnlyList<int> DefaultBucketEdges = [16, 32, 64, 128, 256, 512, 1024, 2048];

    /// <param name="logPi">Per response, log π of each response token (training engine).</param>
    /// <param name="logMu">Per response, log μ of the same tokens (rollout engine).</param>
    /// <param name="bucketEdges">Increasing upper length edges; responses longer than the last edge form a final bucket.</param>
    public static MismatchMetrics Compute(
        IReadOnlyList<float[]> logPi, IReadOnlyList<float[]> logMu, IReadOnlyList<int>? bucketEdges = null)
    {
        ArgumentNullException.ThrowIfNull(logPi);
        ArgumentNullException.ThrowIfNull(logMu);
        if (logPi.Count != logMu.Count)
            throw new ArgumentException($"mismatch: {logPi.Count} sequences of log π but {logMu.Count} of log μ");
        var edges = bucketEdges ?? DefaultBucketEdges;
        for (int i = 0; i < edges.Count; i++)
            if (edges[i] <= 0 || (i > 0 && edges[i] <= edges[i - 1]))
                throw new ArgumentException($"mismatch: bucket edges must be positive and increasing, got [{string.Join(", ", edges)}]");

        int sequences = logPi.Count, tokens = 0;
        double k1 = 0, k3 = 0, absDiff = 0, maxAbsDiff = 0, sumSqLogR = 0;
        double minDiff = double.PositiveInfinity, maxDiff = double.NegativeInfinity;
        var seqRatios = new double[sequences];
        var seqLengths = new int[sequences];
        for (int s = 0; s < sequences; s++)
        {
            float[] pi = logPi[s], mu = logMu[s];
            if (pi.Length != mu.Length)
                throw new ArgumentException($"mismatch: sequence {s} has {pi.Length} log π values but {mu.Length} log μ values");
            double seq = 0;
            for (int t = 0; t < pi.Length; t++)
            {
                double lp = pi[t], lm = mu[t];
                if (!double.IsFinite(lp) || !double.IsFinite(lm))
                    throw new ArgumentException($"mismatch: sequence {s} token {t} has a non-finite log-probability (log π={lp}, log μ={lm})");
                double logR = lp - lm;
                seq += logR;
                sumSqLogR += logR * logR;
                k1 -= logR;
                k3 += Math.Exp(logR) - 1 - logR;
                double diff = Math.Exp(lp) - Math.Exp(lm);
                absDiff += Math.Abs(diff);
                maxAbsDiff = Math.Max(maxAbsDiff, Math.Abs(diff));
                minDiff = Math.Min(minDiff, diff);
                maxDiff = Math.Max(maxDiff, diff);
            }
            tokens += pi.Length;
            seqRatios[s] = seq;
            seqLengths[s] = pi.Length;
        }

        double n = Math.Max(tokens, 1), m = Math.Max(sequences, 1);
        // Per-token decomposition of log π − log μ: mean (drift, = −k1) and spread σ (population form).
        double tokenMean = -k1 / n, tokenVar = Math.Max(0, sumSqLogR / n - tokenMean * tokenMean);
        return new MismatchMetrics
        {
            TokenLogRatioMean = tokenMean,
            TokenLogRatioStd = Math.Sqrt(tokenVar),
            Sequences = sequences,
            Tokens = tokens,
            K1 = k1 / n,
            K3 = k3 / n,
            MeanAbsProbDiff = absDiff / n,
            MaxAbsProbDiff = maxAbsDiff,
            MinProbDiff = tokens == 0 ? 0 : minDiff,
            MaxProbDiff = tokens == 0 ? 0 : maxDiff,
            MeanSeqLogRatio = seqRatios.Sum() / m,
            MeanAbsSeqLogRatio = seqRatios.Sum(Math.Abs) / m,
            MaxAbsSeqLogRatio = sequences == 0 ? 0 : seqRatios.Max(Math.Abs),
            SeqLogRatios = seqRatios,
            SeqLengths = seqLengths,
            ByLength = Buckets(seqRatios, seqLengths, edges),
        };
    }

    /// <summary>
    /// Response length at which the summed per-token drift |L·mean| equals the summed noise √L·σ:
    /// L* = σ² / drift², with drift the per-token KL (estimated by k3) or mean. Below it a sequence log-ratio is mostly noise (scales with the dtype's ulp),
    /// above it mostly drift (scales with ulp², because the drift is a KL). Infinite when mean is 0.
    /// </summary>
    public static double DriftLengthMeasured(double tokenDrift, double tokenStd) =>
        tokenDrift == 0 ? double.PositiveInfinity : tokenStd * tokenStd / (tokenDrift * tokenDrift);

    /// <summary>
    /// The same crossover if the drift were the small-noise KL, mean ≈ σ²/2 (log-ratios Gaussian and
    /// E_μ[π/μ] = 1): L* = 4/σ². Comparing it with <see cref="DriftLengthMeasured"/> checks that theory.
    /// </summary>
    public static double DriftLengthTheory(double tokenStd) => tokenStd == 0 ? double.PositiveInfinity : 4 / (tokenStd * tokenStd);

    private static LengthBucketStats[] Buckets(double[] ratios, int[] lengths, IReadOnlyList<int> edges)
    {
        var buckets = new List<LengthBucketStats>(edges.Count + 1);
        for (int b = 0; b <= edges.Count; b++)
        {
            int lo = b == 0 ? 0 : edges[b - 1] + 1, hi = b < edges.Count ? edges[b] : int.MaxValue;
            var inBucket = Enumerable.Range(0, ratios.Length).Where(i => lengths[i] >= lo && lengths[i] <= hi).Select(i => ratios[i]).ToArray();
            if (inBucket.Length == 0) continue;
            buckets.Add(new LengthBucketStats(lo, hi, inBucket.Length, inBucket.Average(),
                inBucket.Average(Math.Abs), inBucket.Max(Math.Abs)));
        }
        return [.. buckets];
    }
}
