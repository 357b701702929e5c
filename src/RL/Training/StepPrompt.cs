using Precision.Orleans.RL.Tasks;

namespace Precision.Orleans.RL.Training;

/// <summary>Prompt <see cref="Index"/> of a step: the problem and its tokens as the run's prompt encoder makes them (chat template, BOS where the tokenizer has one).</summary>
public sealed record StepPrompt(int Index, Problem Problem, int[] Tokens);
