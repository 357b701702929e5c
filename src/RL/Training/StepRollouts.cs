using Precision.Orleans.Engine.Rollout;

namespace Precision.Orleans.RL.Training;

/// <summary>What the loop asks a collector for in one step.</summary>
/// <param name="Step">Policy iteration, 1-based.</param>
/// <param name="Prompts">The step's B prompts (index, problem, tokens).</param>
/// <param name="Sampling">The step's sampling options (sequence i draws from stream (Seed, i)); FirstSequenceIndex 0.</param>
/// <param name="MinWeightVersion">Oldest weight version a rollout may be sampled with (learner version − schedule.max_weight_lag).</param>
/// <param name="MaxWeightVersion">The learner's newest published version.</param>
public sealed record StepRollouts(int Step, IReadOnlyList<StepPrompt> Prompts, SamplingOptions Sampling, long MinWeightVersion, long MaxWeightVersion);
