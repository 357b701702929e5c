namespace Precision.Orleans.RL.Algorithms;

/// <summary>
/// The vanilla policy gradient with a sequence-level importance weight (paper eqs. 5–7): per token
/// ℓ_t = −sg(w)·A·log π_θ(y_t), with w a function of the sequence ratio ρ = π_θ(y)/μ(y) computed from the CURRENT
/// log π_θ and the rollout's log μ — no π_θ' and so no extra forward pass.
/// <para>
/// Gradient: ∂Loss/∂log π_θ(y_t) = −c_i·w_i·A_i for every response token. Loss value: −c_i·A_i·G(log ρ_i), where
/// G is the antiderivative of the applied weight (G' = w), i.e. the importance-sampled objective whose exact
/// gradient is the stop-gradient surrogate's — so the value and the gradient agree (on-policy, ρ = 1: −c_i·A_i).
/// </para>
/// </summary>
public abstract class SequenceImportancePolicyGradient(AlgorithmOptions options) : PolicyLoss
{
    protected AlgorithmOptions Options { get; } = options.Validate();

    public sealed override bool NeedsOldLogProbs => false;

    /// <summary>A sequence weight: as applied, the objective G(log ρ), and whether it was truncated or masked.</summary>
    protected readonly record struct SequenceWeight(double Applied, double Objective, bool Truncated = false, bool Masked = false);

    /// <summary>The weight of a response with sequence log-ratio <paramref name="logRho"/> = log π_θ(y) − log μ(y).</summary>
    protected abstract SequenceWeight Weigh(double logRho);

    public sealed override PolicyLossResult Compute(PolicyLossInputs inputs, LossAggregation aggregation)
    {
        var batch = new PolicyLossBuilder(inputs, aggregation, NeedsOldLogProbs, Name);
        var stats = new ImportanceWeightStatsBuilder();
        foreach (int i in batch.ResponseSequences())
        {
            double logRho = batch.SequenceLogRatio(inputs.LogProbs, inputs.RolloutLogProbs, i);
            var w = Weigh(logRho);
            stats.AddWeight(logRho, w.Applied, w.Truncated, w.Masked);
            double advantage = batch.Advantage(i);
            // A = 0 contributes nothing; skipping it also keeps 0·∞ (an overflowing IS weight) from becoming NaN.
            if (advantage != 0) batch.AddSequenceLoss(i, -advantage * w.Objective);
            foreach (int k in batch.ResponseTokens(i))
            {
                if (advantage != 0 && w.Applied != 0) batch.SetTokenGradient(i, k, -w.Applied * advantage);
                stats.AddToken(clipped: false);
            }
        }
        return batch.Build(stats.Build());
    }
}
