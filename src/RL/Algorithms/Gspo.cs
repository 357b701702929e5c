namespace Precision.Orleans.RL.Algorithms;

/// <summary>
/// <c>gspo</c> (GSPO-token form): the length-normalised sequence ratio s = exp(mean_t(log π_θ − log π_θ')) replaces
/// the per-token ratio, ℓ_t = −min(s·A, clip(s, 1 − ε_low, 1 + ε_high)·A) with GSPO's own (narrow) clip range.
/// ∂ℓ_t/∂log π_θ(y_t) = −s·A while unclipped; that is also the exact derivative of the aggregated loss, because
/// the |y| tokens of a response each carry 1/|y| of s's dependence on every token.
/// </summary>
public sealed class Gspo(AlgorithmOptions options) : PolicyLoss
{
    private readonly AlgorithmOptions _options = options.Validate();

    public override string Name => "gspo";
    public override bool NeedsOldLogProbs => true;

    public override PolicyLossResult Compute(PolicyLossInputs inputs, LossAggregation aggregation)
    {
        var batch = new PolicyLossBuilder(inputs, aggregation, NeedsOldLogProbs, Name);
        var stats = new ImportanceWeightStatsBuilder();
        foreach (int i in batch.ResponseSequences())
        {
            double meanLogRatio = batch.SequenceLogRatio(inputs.LogProbs, inputs.OldLogProbs!, i) / batch.ResponseLength(i);
            var (loss, dLogProb, clipped) = ClippedSurrogate.Evaluate(
                meanLogRatio, batch.Advantage(i), _options.GspoClipLow, _options.GspoClipHigh, _options);
            stats.AddWeight(logRaw: 0, applied: 1);
            foreach (int k in batch.ResponseTokens(i))
            {
                batch.AddTokenTerm(i, k, weight: 1, loss, dLogProb);
                stats.AddToken(clipped);
            }
        }
        return batch.Build(stats.Build());
    }
}
