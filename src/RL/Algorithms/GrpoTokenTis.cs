namespace Precision.Orleans.RL.Algorithms;

/// <summary>
/// <c>grpo-token-tis</c> (paper eq. 9): the GRPO per-token term × sg(min(ρ_t, C)), with the per-token mismatch
/// ratio ρ_t = π_θ'(y_t)/μ(y_t) (Yao et al.).
/// </summary>
public sealed class GrpoTokenTis(AlgorithmOptions options) : PolicyLoss
{
    private readonly AlgorithmOptions _options = options.Validate();

    public override string Name => "grpo-token-tis";
    public override bool NeedsOldLogProbs => true;

    public override PolicyLossResult Compute(PolicyLossInputs inputs, LossAggregation aggregation)
    {
        var batch = new PolicyLossBuilder(inputs, aggregation, NeedsOldLogProbs, Name);
        var stats = new ImportanceWeightStatsBuilder();
        double cap = _options.ImportanceCap;
        foreach (int i in batch.ResponseSequences())
        {
            foreach (int k in batch.ResponseTokens(i))
            {
                double logRho = (double)inputs.OldLogProbs![k] - inputs.RolloutLogProbs[k];
                double rho = Math.Exp(_options.ClampLogRatio(logRho).LogRatio);
                double weight = Math.Min(rho, cap);
                var (loss, dLogProb, clipped) = ClippedSurrogate.Evaluate(
                    (double)inputs.LogProbs[k] - inputs.OldLogProbs[k], batch.Advantage(i), _options.ClipLow, _options.ClipHigh, _options);
                batch.AddTokenTerm(i, k, weight, loss, dLogProb);
                stats.AddWeight(logRho, weight, truncated: rho > cap);
                stats.AddToken(clipped);
            }
        }
        return batch.Build(stats.Build());
    }
}
