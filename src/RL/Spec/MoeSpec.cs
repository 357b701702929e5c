namespace Precision.Orleans.RL.Spec;

/// <summary>
/// <c>model.moe</c>: training options of a Mixture-of-Experts checkpoint (model_type qwen3_moe). Refused on a dense model.
/// </summary>
public sealed record MoeSpec
{
    /// <summary>Weight of the Switch-Transformer load-balancing loss added to the policy loss (YAML <c>aux_loss_coef</c>).
    /// Default 0 = off: RL fine-tuning usually leaves the router's balance to pretraining.</summary>
    public double AuxLossCoef { get; init; }
}
