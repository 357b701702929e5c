using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Training;
using Precision.Orleans.RL.Algorithms;

namespace Precision.Orleans.RL.Training;

/// <summary>
/// One micro-batch's forward and backward of the policy loss on a training engine, and what the learner keeps of it for
/// its metrics: the loss result, the engine's log-probs π ([rows·<paramref name="SeqLen"/>]) and (MoE) its routing.
/// </summary>
public sealed record PolicyMicroBatchPass(PolicyLossResult Result, float[] LogProbs, int SeqLen, IReadOnlyList<ExpertRouting>? Routing)
{
    /// <summary>Forward, the policy loss and backward of <paramref name="rows"/> on <paramref name="engine"/> (gradients accumulate at its loss scale).</summary>
    public static PolicyMicroBatchPass Run(TrainingEngine engine, PolicyLoss algorithm, LossAggregation aggregation, PolicyMicroBatchRows rows)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(algorithm);
        ArgumentNullException.ThrowIfNull(rows);
        var batch = rows.Batch();
        var logp = engine.Forward(batch);
        var result = algorithm.Compute(rows.Inputs(batch, logp), aggregation);
        engine.Backward(result.DLogProbs);
        return new PolicyMicroBatchPass(result, logp, batch.SeqLen, engine.LastRouting);
    }
}
