namespace Precision.Orleans.RL.Algorithms;

/// <summary>The baseline of group-relative advantages (run spec <c>advantage.estimator</c>).</summary>
public enum AdvantageEstimator
{
    /// <summary>A_i = R_i − mean of the OTHER G − 1 rewards of the group (leave-one-out; the default, as the paper authors' code).</summary>
    Rloo,

    /// <summary>A_i = R_i − mean of all G rewards of the group (verl's GRPO), i.e. (G − 1)/G × RLOO.</summary>
    Grpo,
}
