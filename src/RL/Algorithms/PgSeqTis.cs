namespace Precision.Orleans.RL.Algorithms;

/// <summary>
/// <c>pg-seq-tis</c> (paper eq. 6): w = min(ρ, C). Above C the objective continues linearly in log ρ,
/// G = C·(1 + log ρ − log C), so its slope stays C.
/// </summary>
public sealed class PgSeqTis(AlgorithmOptions options) : SequenceImportancePolicyGradient(options)
{
    public override string Name => "pg-seq-tis";

    protected override SequenceWeight Weigh(double logRho)
    {
        double cap = Options.ImportanceCap;
        double rho = Math.Exp(Options.ClampLogRatio(logRho).LogRatio);
        return rho <= cap
            ? new SequenceWeight(Applied: rho, Objective: rho)
            : new SequenceWeight(Applied: cap, Objective: cap * (1 + logRho - Math.Log(cap)), Truncated: true);
    }
}
