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
[GenerateSerializer, Immutable]
public sealed record ScoredGroup(
    [property: Id(0)] string RunId,
    [property: Id(1)] int Step,
    [property: Id(2)] int PromptIndex,
    [property: Id(3)] int[] PromptTokens,
    [property: Id(4)] IReadOnlyList<GeneratedSequence> Sequences,
    [property: Id(5)] double[] Rewards,
    [property: Id(6)] float[] Advantages,
    [property: Id(7)] long WeightVersion,
    [property: Id(8)] string WeightHash,
    [property: Id(9)] string WorkerKey,
    [property: Id(10)] int Attempts,
    [property: Id(11)] double RolloutSeconds);
