using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Training;

namespace Precision.Orleans.RL.Training;

/// <summary>
/// One micro-batch of the old-log-prob pass (π_θ', for algorithms that need it): per row the log-probs of its response
/// tokens and, for MoE policies, the engine's expert routing of each row (null for dense ones). The single learner's
/// engine computes it itself; in a <c>parallel</c> run the gradient worker that holds the micro-batch's share does.
/// </summary>
public sealed record OldLogProbPass(float[][] ResponseLogProbs, IReadOnlyList<ExpertRouting>? Routing)
{
    /// <summary>A no-grad forward of <paramref name="rows"/> (padded exactly as the policy loss pads them) on <paramref name="engine"/>.</summary>
    public static OldLogProbPass Run(TrainingEngine engine, PolicyMicroBatchRows rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return Run(engine, rows.Sequences, rows.PromptLengths);
    }

    /// <summary>The same from the rows' prompt+response tokens and prompt lengths (a gradient worker's wire form).</summary>
    public static OldLogProbPass Run(TrainingEngine engine, int[][] sequences, int[] promptLengths)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(sequences);
        ArgumentNullException.ThrowIfNull(promptLengths);
        if (promptLengths.Length != sequences.Length)
            throw new ArgumentException($"old-log-prob micro-batch: {sequences.Length} sequences but {promptLengths.Length} prompt lengths");
        for (int r = 0; r < sequences.Length; r++)
            if (promptLengths[r] < 0 || promptLengths[r] > sequences[r].Length)
                throw new ArgumentException($"old-log-prob micro-batch row {r}: prompt length {promptLengths[r]} outside [0, {sequences[r].Length}]");
        var batch = TokenBatch.FromSequences(sequences, promptLengths);
        var logp = engine.ComputeLogProbs(batch);
        var response = new float[sequences.Length][];
        for (int r = 0; r < response.Length; r++)
            response[r] = logp.AsSpan(r * batch.SeqLen + promptLengths[r], sequences[r].Length - promptLengths[r]).ToArray();
        return new OldLogProbPass(response, engine.LastRouting);
    }
}
