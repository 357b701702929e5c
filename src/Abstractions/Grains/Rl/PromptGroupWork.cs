using Precision.Orleans.Engine.Rollout;

namespace Precision.Orleans.Abstractions.Grains.Rl;

/// <summary>
/// One prompt group of one step, as the learner hands it to its <see cref="IPromptGroupGrain"/>: G rollouts of one
/// prompt, sampled as sequences <c>PromptIndex·G … PromptIndex·G + G − 1</c> of the step.
/// </summary>
/// <param name="RunId">The run.</param>
/// <param name="Step">Policy iteration, 1-based.</param>
/// <param name="PromptIndex">0-based index of the prompt within the step.</param>
/// <param name="Prompt">Prompt text (scored against <paramref name="Answer"/>).</param>
/// <param name="Answer">Reference answer for the reward function.</param>
/// <param name="PromptTokens">Tokenized prompt (with BOS).</param>
/// <param name="GroupSize">G.</param>
/// <param name="RewardTask">Reward function name (the spec's data.task, or "" for the default math-answer verifier).</param>
/// <param name="NormalizeAdvantageStd">Divide advantages by the group's reward std.</param>
/// <param name="Model">Model checkpoint directory of the run (workers read its config; weights come from the learner).</param>
/// <param name="RolloutDType">Rollout dtype name.</param>
/// <param name="MinWeightVersion">Oldest weight version the rollouts may be sampled with (learner version − max lag).</param>
/// <param name="MaxWeightVersion">Newest version the learner has published: a worker holding a newer one (from a learner
/// incarnation that failed over since, and resumed from an older checkpoint) must pull again.</param>
/// <param name="Sampling">The step's sampling options (the engine's own; sequence streams start at 0, the worker places them).</param>
/// <param name="Lora">A LoRA run's adapter settings (null: full fine-tuning).</param>
/// <param name="GroupMeanBaseline">Advantages against the mean of all G rewards (advantage.estimator grpo) instead of
/// the other G − 1 (rloo, the default).</param>
/// <param name="ExpertWorkers">parallel.expert_workers, passed on to the rollout worker.</param>
[GenerateSerializer, Immutable]
public sealed record PromptGroupWork(
    [property: Id(0)] string RunId,
    [property: Id(1)] int Step,
    [property: Id(2)] int PromptIndex,
    [property: Id(3)] string Prompt,
    [property: Id(4)] string Answer,
    [property: Id(5)] int[] PromptTokens,
    [property: Id(6)] int GroupSize,
    [property: Id(7)] string RewardTask,
    [property: Id(8)] bool NormalizeAdvantageStd,
    [property: Id(9)] string Model,
    [property: Id(10)] string RolloutDType,
    [property: Id(11)] long MinWeightVersion,
    [property: Id(12)] long MaxWeightVersion,
    [property: Id(13)] SamplingOptions Sampling,
    [property: Id(14)] LoraSettings? Lora,
    [property: Id(15)] bool GroupMeanBaseline = false,
    [property: Id(16)] int ExpertWorkers = 1);
