using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Engine.Analysis;

/// <summary>
/// How often the two engines route a token to a different top-k expert SET (paper §5.2: under rounding the
/// router's near-ties flip). Counted over the positions that produce response log-probs, per MoE layer and overall.
/// </summary>
/// <param name="Tokens">Token positions compared (each in every MoE layer).</param>
/// <param name="DifferingPerLayer">Per MoE layer, the positions whose expert sets differ.</param>
/// <param name="DifferingAnyLayer">Positions whose expert set differs in at least one MoE layer.</param>
public sealed record RoutingMismatch(long Tokens, IReadOnlyList<long> DifferingPerLayer, long DifferingAnyLayer)
{
    /// <summary>Per MoE layer, the fraction of compared tokens routed to a different expert set; 0 when nothing was compared.</summary>
    public IReadOnlyList<double> PerLayer => [.. DifferingPerLayer.Select(n => Tokens > 0 ? n / (double)Tokens : 0)];

    /// <summary>Fraction of (token, MoE layer) routing decisions that differ: the mean of <see cref="PerLayer"/>.</summary>
    public double Overall => Tokens > 0 && DifferingPerLayer.Count > 0 ? DifferingPerLayer.Sum() / ((double)Tokens * DifferingPerLayer.Count) : 0;

    /// <summary>Fraction of tokens whose expert set differs in at least one MoE layer.</summary>
    public double AnyLayer => Tokens > 0 ? DifferingAnyLayer / (double)Tokens : 0;

    /// <summary>
    /// Compares sequence i's rollout routing with its training routing at positions promptLengths[i] − 1 …
    /// lengths[i] − 2 (position p's output gives the log-prob of token p + 1, so these are the response tokens).
    /// The training routing may hold more positions (a padded batch row); both must hold at least lengths[i] − 1.
    /// </summary>
    public static RoutingMismatch Compute(IReadOnlyList<ExpertRouting> rollout, IReadOnlyList<ExpertRouting> training,
        IReadOnlyList<int> promptLengths, IReadOnlyList<int> lengths)
    {
        ArgumentNullException.ThrowIfNull(rollout);
        ArgumentNullException.ThrowIfNull(training);
        int n = rollout.Count;
        if (training.Count != n || promptLengths.Count != n || lengths.Count != n)
            throw new ArgumentException($"routing mismatch: {n} rollout routings but {training.Count} training routings, {promptLengths.Count} prompt lengths and {lengths.Count} lengths");
        int layers = n > 0 ? rollout[0].MoeLayers : 0;
        var differing = new long[layers];
        long tokens = 0, any = 0;
        for (int i = 0; i < n; i++)
        {
            var mu = rollout[i];
            var pi = training[i];
            if (mu.MoeLayers != layers || pi.MoeLayers != layers || mu.TopK != pi.TopK)
                throw new ArgumentException($"routing mismatch: sequence {i} records {mu.MoeLayers} / {pi.MoeLayers} MoE layers with top-{mu.TopK} / top-{pi.TopK}, expected {layers} layers in both");
            int first = promptLengths[i] - 1, last = lengths[i] - 2;
            if (first < 0 || last + 1 > mu.Positions || last + 1 > pi.Positions)
                throw new ArgumentException($"routing mismatch: sequence {i} (prompt {promptLengths[i]}, length {lengths[i]}) needs positions up to {last}, rollout has {mu.Positions}, training {pi.Positions}");
            for (int p = first; p <= last; p++)
            {
                tokens++;
                bool differs = false;
                for (int l = 0; l < layers; l++)
                    if (!mu.SameSet(pi, l, p))
                    {
                        differing[l]++;
                        differs = true;
                    }
                if (differs) any++;
            }
        }
        return new RoutingMismatch(tokens, differing, any);
    }
}
