using Precision.Orleans.RL.Tasks;

namespace Precision.Orleans.RL.Training;

/// <summary>Prompt <see cref="Index"/> of a step: the problem and its tokens (with BOS).</summary>
public sealed record StepPrompt(int Index, Problem Problem, int[] Tokens);
