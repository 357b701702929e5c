namespace Precision.Orleans.RL.Algorithms;

/// <summary>
/// An RL policy-gradient algorithm, reduced to what differs between them: a per-token surrogate loss
/// ℓ[i,t] of the log-probs, masks and advantages, and its derivative with respect to log π_θ(y_t).
/// The aggregation (<see cref="LossAggregation"/>) is shared.
/// </summary>
public abstract class PolicyLoss
{
    /// <summary>The run-spec name, e.g. <c>grpo-token-tis</c>.</summary>
    public abstract string Name { get; }

    /// <summary>True for the GRPO family: they need log π_θ' from an extra training-engine forward pass.</summary>
    public abstract bool NeedsOldLogProbs { get; }

    /// <summary>
    /// The aggregated loss and ∂loss/∂log π_θ for <paramref name="inputs"/>. The gradient is the exact derivative of
    /// the returned loss (zero on clipped branches, as autograd of min/clamp gives). Inputs of the wrong shape, or
    /// without <see cref="PolicyLossInputs.OldLogProbs"/> when <see cref="NeedsOldLogProbs"/>, throw <see cref="ArgumentException"/>.
    /// </summary>
    public abstract PolicyLossResult Compute(PolicyLossInputs inputs, LossAggregation aggregation);
}
