namespace Precision.Orleans.RL.Algorithms;

/// <summary>
/// <c>grpo</c> (Dr.GRPO, paper eq. 8): per token ℓ = −min(r·A, clip(r, 1 − ε_low, 1 + ε_high)·A) with
/// r = π_θ/π_θ'. No mismatch correction: every importance weight is 1.
/// </summary>
public sealed class Grpo(AlgorithmOptions options) : PolicyLoss
{
    private readonly AlgorithmOptions _options = options.Validate();

    public override string Name => "grpo";
    public override bool NeedsOldLogProbs => true;

    public override PolicyLossResult Compute(PolicyLossInputs inputs, LossAggregation aggregation)
    {
        var batch = new PolicyLossBuilder(inputs, aggregation, NeedsOldLogProbs, Name);
        var stats = new ImportanceWeightStatsBuilder();
        foreach (int i in batch.ResponseSequences())
        {
            foreach (int k in batch.ResponseTokens(i))
            {
                var (loss, dLogProb, clipped) = ClippedSurrogate.Evaluate(
                    (double)inputs.LogProbs[k] - inputs.OldLogProbs![k], batch.Advantage(i), _options.ClipLow, _options.ClipHigh, _options);
                batch.AddTokenTerm(i, k, weight: 1, loss, dLogProb);
                stats.AddWeight(logRaw: 0, applied: 1);
                stats.AddToken(clipped);
            }
        }
        return batch.Build(stats.Build());
    }
}
