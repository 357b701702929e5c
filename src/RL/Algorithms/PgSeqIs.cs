namespace Precision.Orleans.RL.Algorithms;

/// <summary><c>pg-seq-is</c> (paper eq. 5): the unbiased estimator, w = ρ = π_θ(y)/μ(y). Unbounded by design.</summary>
public sealed class PgSeqIs(AlgorithmOptions options) : SequenceImportancePolicyGradient(options)
{
    public override string Name => "pg-seq-is";

    protected override SequenceWeight Weigh(double logRho)
    {
        double rho = Math.Exp(logRho);
        return new SequenceWeight(Applied: rho, Objective: rho);
    }
}
