using Precision.Orleans.RL.Algorithms;

namespace Precision.Orleans.RL.Training;

/// <summary>
/// Combines <see cref="ImportanceWeightStats"/>: micro-batches into their mini-batch weighted by how many weights
/// each covers, mini-batches into the iteration as a plain mean (maxima are maxima).
/// </summary>
internal sealed class ImportanceStatsAccumulator
{
    private double _weight, _mean, _ess, _truncated, _masked, _clipped, _max;
    private int _parts;

    public void Add(ImportanceWeightStats s, double weight)
    {
        if (weight <= 0) return;
        _weight += weight;
        _mean += weight * s.Mean;
        _ess += weight * s.EffectiveSampleSize;
        _truncated += weight * s.TruncatedFraction;
        _masked += weight * s.MaskedFraction;
        _clipped += weight * s.ClippedFraction;
        _max = _parts++ == 0 ? s.Max : Math.Max(_max, s.Max);
    }

    public ImportanceWeightStats Result(int count) => _weight == 0
        ? ImportanceWeightStats.Empty
        : new(count, _mean / _weight, _max, _ess / _weight, _truncated / _weight, _masked / _weight, _clipped / _weight);
}
