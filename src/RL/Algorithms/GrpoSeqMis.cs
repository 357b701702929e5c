namespace Precision.Orleans.RL.Algorithms;

/// <summary>
/// <c>grpo-seq-mis</c> (paper eq. 10): the GRPO per-token terms of a response × sg(ρ·1[ρ ≤ C]), with one
/// sequence mismatch ratio ρ = Π_t π_θ'(y_t)/μ(y_t) (Liu et al.). A response with ρ &gt; C is dropped (and with
/// <see cref="AlgorithmOptions.MisLowerBound"/> one with ρ &lt; 1/C).
/// </summary>
public sealed class GrpoSeqMis(AlgorithmOptions options) : PolicyLoss
{
    private readonly AlgorithmOptions _options = options.Validate();

    public override string Name => "grpo-seq-mis";
    public override bool NeedsOldLogProbs => true;

    public override PolicyLossResult Compute(PolicyLossInputs inputs, LossAggregation aggregation)
    {
        var batch = new PolicyLossBuilder(inputs, aggregation, NeedsOldLogProbs, Name);
        var stats = new ImportanceWeightStatsBuilder();
        foreach (int i in batch.ResponseSequences())
        {
            double logRho = batch.SequenceLogRatio(inputs.OldLogProbs!, inputs.RolloutLogProbs, i);
            // exp overflows to +∞ for a huge log-ratio, which fails "≤ C": the weight is then exactly 0.
            double rho = Math.Exp(_options.ClampLogRatio(logRho).LogRatio);
            bool keep = _options.MisKeeps(rho);
            double weight = keep ? rho : 0;
            stats.AddWeight(logRho, weight, masked: !keep);
            foreach (int k in batch.ResponseTokens(i))
            {
                var (loss, dLogProb, clipped) = ClippedSurrogate.Evaluate(
                    (double)inputs.LogProbs[k] - inputs.OldLogProbs![k], batch.Advantage(i), _options.ClipLow, _options.ClipHigh, _options);
                batch.AddTokenTerm(i, k, weight, loss, dLogProb);
                stats.AddToken(clipped);
            }
        }
        return batch.Build(stats.Build());
    }
}
