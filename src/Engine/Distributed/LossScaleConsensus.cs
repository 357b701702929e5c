using Precision.Orleans.Engine.Training;

namespace Precision.Orleans.Engine.Distributed;

/// <summary>
/// The FP16 loss-scale consensus as a pure function: given every holder's overflow report and every shard's per-tensor
/// norms for one step, either all shards skip and the scale backs off (GradScaler semantics, via
/// <see cref="LossScaleState.After"/>), or all of them step with one global clip coefficient — the same decision
/// <see cref="TrainingEngine.OptimizerStep"/> takes on one process's whole gradient buffer. A shard's summed slice is a
/// holder too: it overflows iff the one-process sum would, so the decision matches even when finite parts sum past FP32.
/// </summary>
public static class LossScaleConsensus
{
    /// <param name="reductions">One per shard, in shard order (tensor norms in layout order once concatenated).</param>
    public static ConsensusDecision Decide(long step, LossScaleState state, LossScalerOptions options, bool scalingEnabled,
        IReadOnlyList<HolderReport> workers, IReadOnlyList<ShardReduction> reductions, float maxGradNorm, float learningRate)
    {
        ArgumentNullException.ThrowIfNull(workers);
        ArgumentNullException.ThrowIfNull(reductions);
        if (reductions.Count == 0) throw new ArgumentException("the consensus needs every shard's reduction, got none", nameof(reductions));
        for (int s = 0; s < reductions.Count; s++)
        {
            if (reductions[s].Shard != s) throw new ArgumentException($"reduction {s} is shard {reductions[s].Shard}: reductions must come in shard order", nameof(reductions));
            if (reductions[s].Step != step) throw new ArgumentException($"shard {s} reduced step {reductions[s].Step}, the consensus is for step {step}", nameof(reductions));
        }
        var overflowed = workers.Where(w => w.Overflow).Select(w => w.Holder)
            .Concat(reductions.Where(r => r.Overflow).Select(r => $"shard-{r.Shard}")).ToArray();
        var (next, apply) = state.After(overflowed.Length > 0, options, scalingEnabled);
        if (!apply) return new ConsensusDecision(step, false, state.Scale, float.NaN, null, learningRate, next, overflowed);
        float norm = GradientNorms.Global(reductions.SelectMany(r => r.TensorNorms).ToArray());
        return new ConsensusDecision(step, true, state.Scale, norm, GradientNorms.ClipCoefficient(norm, maxGradNorm), learningRate, next, overflowed);
    }
}
