namespace Precision.Orleans.RL.Algorithms;

/// <summary>
/// <c>pg-seq-mis</c> (paper eq. 7): w = ρ·1[ρ ≤ C]; a response with ρ &gt; C gets no gradient (its objective
/// stays at the constant C). ρ = C exactly is kept.
/// </summary>
public sealed class PgSeqMis(AlgorithmOptions options) : SequenceImportancePolicyGradient(options)
{
    public override string Name => "pg-seq-mis";

    protected override SequenceWeight Weigh(double logRho)
    {
        double cap = Options.ImportanceCap;
        // exp overflows to +∞ for a huge log-ratio, which fails "≤ C": the weight is then exactly 0, never NaN.
        double rho = Math.Exp(logRho);
        return rho <= cap
            ? new SequenceWeight(Applied: rho, Objective: rho)
            : new SequenceWeight(Applied: 0, Objective: cap, Masked: true);
    }
}
