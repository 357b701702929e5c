using Precision.Orleans.Engine.Rollout;

namespace Precision.Orleans.Abstractions.Grains.Rl;

/// <summary>
/// Work for a rollout worker: <paramref name="Count"/> responses to one prompt, drawn as sequences
/// <paramref name="FirstSequenceIndex"/> … +Count−1 of the step's sampling streams, so the samples do not depend on
/// which worker runs them or what else it batches.
/// </summary>
/// <param name="RunId">The run (the worker pulls weights from its learner).</param>
/// <param name="Model">Model checkpoint directory (config only).</param>
/// <param name="RolloutDType">Rollout dtype name.</param>
/// <param name="PromptTokens">The prompt.</param>
/// <param name="Count">Responses wanted (G).</param>
/// <param name="FirstSequenceIndex">Sequence index of the first response within the step.</param>
/// <param name="MinWeightVersion">The worker pulls weights first when its version is older.</param>
/// <param name="MaxWeightVersion">Newest version the learner has published: a worker holding a newer one (from a learner
/// incarnation that failed over since, and resumed from an older checkpoint) must pull again.</param>
/// <param name="Sampling">The step's sampling options (the engine's own); the worker sets each prompt's sequence streams.</param>
/// <param name="Lora">A LoRA run's adapter settings (null: full fine-tuning).</param>
/// <param name="ExpertWorkers">parallel.expert_workers: above 1, the worker's MoE experts run on that many ExpertWorker grains.</param>
[GenerateSerializer, Immutable]
public sealed record RolloutRequest(
    [property: Id(0)] string RunId,
    [property: Id(1)] string Model,
    [property: Id(2)] string RolloutDType,
    [property: Id(3)] int[] PromptTokens,
    [property: Id(4)] int Count,
    [property: Id(5)] int FirstSequenceIndex,
    [property: Id(6)] long MinWeightVersion,
    [property: Id(7)] long MaxWeightVersion,
    [property: Id(8)] SamplingOptions Sampling,
    [property: Id(9)] LoraSettings? Lora,
    [property: Id(10)] int ExpertWorkers = 1);
