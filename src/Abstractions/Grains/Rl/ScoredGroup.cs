namespace Precision.Orleans.Abstractions.Grains.Rl;

/// <summary>
/// A prompt group ready for the learner: G responses with their rewards and group-relative advantages.
/// </summary>
/// <param name="RunId">The run.</param>
/// <param name="Step">Policy iteration.</param>
/// <param name="PromptIndex">Index of the prompt within the step.</param>
/// <param name="PromptTokens">The prompt.</param>
/// <param name="Sequences">The G responses, in sequence-index order.</param>
/// <param name="Rewards">Reward of each response.</param>
/// <param name="Advantages">Group-relative advantage of each response.</param>
/// <param name="WeightVersion">Weight version the responses were sampled with.</param>
/// <param name="WeightHash">Its content hash.</param>
/// <param name="WorkerKey">Worker that produced the accepted batch.</param>
/// <param name="Attempts">Dispatches it took (1 = no re-dispatch).</param>
/// <param name="RolloutSeconds">Wall seconds of the accepted generation.</param>
public sealed record ScoredGroup(
    string RunId,
    int Step,
    int PromptIndex,
    int[] PromptTokens,
    IReadOnlyList<GeneratedSequence> Sequences,
    double[] Rewards,
    float[] Advantages,
    long WeightVersion,
    string WeightHash,
    string WorkerKey,
    int Attempts,
    double RolloutSeconds);
