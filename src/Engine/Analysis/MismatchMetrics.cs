namespace Precision.Orleans.Engine.Analysis;

/// <summary>
/// How far the training engine's π is from the rollout engine's μ on sampled response tokens
/// (paper §3.5, Figure 2). Token statistics pool every response token; sequence statistics use
/// log π(y)/μ(y) = Σ_t (log π_t − log μ_t) per response.
/// </summary>
public sealed record MismatchMetrics
{
    public int Sequences { get; init; }
    public int Tokens { get; init; }

    /// <summary>KL(μ‖π) estimate k1 = mean(log μ − log π) over tokens sampled from μ.</summary>
    public double K1 { get; init; }

    /// <summary>KL(μ‖π) estimate k3 = mean(r − 1 − log r), r = π/μ: non-negative, lower variance.</summary>
    public double K3 { get; init; }

    /// <summary>Per-token mean of log π − log μ (the drift that adds up linearly with length; equals −k1).</summary>
    public double TokenLogRatioMean { get; init; }

    /// <summary>Per-token standard deviation σ of log π − log μ (the noise that adds up like √length).</summary>
    public double TokenLogRatioStd { get; init; }

    /// <summary>
    /// Length where summed drift equals summed noise: σ²/k3². The true per-token drift is exactly −KL(μ‖π)
    /// (both engines' distributions are normalised), and k3 estimates that KL with far less variance than the
    /// raw mean (k1), whose sampling error on ~10⁵ tokens is about as large as the drift itself.
    /// </summary>
    public double DriftLengthMeasured => MismatchAnalysis.DriftLengthMeasured(K3, TokenLogRatioStd);

    /// <summary>Length where drift would equal noise if the drift were the small-noise KL σ²/2: 4/σ².</summary>
    public double DriftLengthTheory => MismatchAnalysis.DriftLengthTheory(TokenLogRatioStd);

    /// <summary>Mean response length in tokens.</summary>
    public double MeanLength => Sequences == 0 ? 0 : (double)Tokens / Sequences;

    /// <summary>"drift" when the mean response is longer than the crossover length σ²/k3², else "noise".</summary>
    public string Regime => MeanLength > DriftLengthMeasured ? "drift" : "noise";

    public double MeanAbsProbDiff { get; init; }
    public double MaxAbsProbDiff { get; init; }

    /// <summary>Smallest π − μ (most negative: π below μ).</summary>
    public double MinProbDiff { get; init; }

    /// <summary>Largest π − μ.</summary>
    public double MaxProbDiff { get; init; }

    public double MeanSeqLogRatio { get; init; }

    /// <summary>Mean |log π(y)/μ(y)| over responses: the headline number of the precision comparison.</summary>
    public double MeanAbsSeqLogRatio { get; init; }

    public double MaxAbsSeqLogRatio { get; init; }

    /// <summary>Per response: log π(y)/μ(y).</summary>
    public IReadOnlyList<double> SeqLogRatios { get; init; } = [];

    /// <summary>Per response: number of tokens.</summary>
    public IReadOnlyList<int> SeqLengths { get; init; } = [];

    public IReadOnlyList<LengthBucketStats> ByLength { get; init; } = [];
}
