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
/// <param name="Sampling">Sampling settings and the step's seed.</param>
public sealed record PromptGroupWork(
    string RunId,
    int Step,
    int PromptIndex,
    string Prompt,
    string Answer,
    int[] PromptTokens,
    int GroupSize,
    string RewardTask,
    bool NormalizeAdvantageStd,
    string Model,
    string RolloutDType,
    long MinWeightVersion,
    long MaxWeightVersion,
    SamplingSettings Sampling);
