namespace Precision.Orleans.RL.Algorithms;

/// <summary>Collects weights (as log raw weight + applied weight) and clip flags into <see cref="ImportanceWeightStats"/>.</summary>
internal sealed class ImportanceWeightStatsBuilder
{
    private readonly List<double> _logRaw = [];
    private double _appliedSum;
    private int _truncated, _masked, _tokens, _clippedTokens;

    /// <summary>One weight: its raw value as a log (so a huge sequence ratio never overflows here) and its value as applied.</summary>
    public void AddWeight(double logRaw, double applied, bool truncated = false, bool masked = false)
    {
        _logRaw.Add(logRaw);
        _appliedSum += applied;
        if (truncated) _truncated++;
        if (masked) _masked++;
    }

    /// <summary>One response token, and whether its PPO/GSPO ratio was clipped (no gradient).</summary>
    public void AddToken(bool clipped)
    {
        _tokens++;
        if (clipped) _clippedTokens++;
    }

    public ImportanceWeightStats Build()
    {
        int n = _logRaw.Count;
        double clippedFraction = _tokens == 0 ? 0 : (double)_clippedTokens / _tokens;
        if (n == 0) return ImportanceWeightStats.Empty with { ClippedFraction = clippedFraction };

        // Infinite logs (from infinite log-probs) are pinned so the max-shift below stays finite.
        double maxLog = double.NegativeInfinity;
        foreach (double l in _logRaw) maxLog = Math.Max(maxLog, Pin(l));
        double sum = 0, sumSquares = 0;
        foreach (double l in _logRaw)
        {
            double w = Math.Exp(Pin(l) - maxLog);
            sum += w;
            sumSquares += w * w;
        }
        return new ImportanceWeightStats(
            Count: n,
            Mean: _appliedSum / n,
            // Saturates at double.MaxValue rather than +∞ so the metrics stay writable as JSON.
            Max: Math.Min(Math.Exp(maxLog), double.MaxValue),
            EffectiveSampleSize: sum * sum / (n * sumSquares),
            TruncatedFraction: (double)_truncated / n,
            MaskedFraction: (double)_masked / n,
            ClippedFraction: clippedFraction);
    }

    private static double Pin(double log) => Math.Clamp(log, -1e6, 1e6);
}
