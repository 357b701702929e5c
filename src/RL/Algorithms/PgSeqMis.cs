namespace Precision.Orleans.RL.Algorithms;

/// <summary>
/// <c>pg-seq-mis</c> (paper eq. 7): w = ρ·1[ρ ≤ C]; a response with ρ &gt; C gets no gradient (its objective
/// stays at the constant C). ρ = C exactly is kept. With <see cref="AlgorithmOptions.MisLowerBound"/> a response with
/// ρ &lt; 1/C is dropped too (its objective stays at the constant 1/C).
/// </summary>
public sealed class PgSeqMis(AlgorithmOptions options) : SequenceImportancePolicyGradient(options)
{
    public override string Name => "pg-seq-mis";

    protected override SequenceWeight Weigh(double logRho)
    {
        double cap = Options.ImportanceCap;
        // exp overflows to +∞ for a huge log-ratio, which fails "≤ C": the weight is then exactly 0, never NaN.
        double rho = Math.Exp(Options.ClampLogRatio(logRho).LogRatio);
        return Options.MisKeeps(rho)
            ? new SequenceWeight(Applied: rho, Objective: rho)
            : new SequenceWeight(Applied: 0, Objective: rho > cap ? cap : 1 / cap, Masked: true);
    }
}
