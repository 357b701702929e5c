namespace Precision.Orleans.RL.Algorithms;

/// <summary><c>pg-seq-is</c> (paper eq. 5): the unbiased estimator, w = ρ = π_θ(y)/μ(y). Unbounded by design, unless
/// <see cref="AlgorithmOptions.LogRatioClamp"/> bounds log ρ.</summary>
public sealed class PgSeqIs(AlgorithmOptions options) : SequenceImportancePolicyGradient(options)
{
    public override string Name => "pg-seq-is";

    protected override SequenceWeight Weigh(double logRho)
    {
        var (safeLogRho, clamped) = Options.ClampLogRatio(logRho);
        double rho = Math.Exp(safeLogRho);
        // Beyond the safety clamp the weight stays at e^±b and the objective continues linearly in log ρ with that
        // slope (as pg-seq-tis does above C), so value and gradient still agree.
        return clamped
            ? new SequenceWeight(Applied: rho, Objective: rho * (1 + logRho - safeLogRho), Truncated: true)
            : new SequenceWeight(Applied: rho, Objective: rho);
    }
}
