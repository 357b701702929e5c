namespace Precision.Orleans.RL.Tasks;

/// <summary>
/// One verifiable problem: the prompt the policy sees and the reference final answer the reward checks.
/// <see cref="Difficulty"/> is the generator's knob (e.g. the number of digits), 0 when unknown (a JSONL dataset).
/// </summary>
public sealed record Problem(string Id, string Prompt, string Answer, int Difficulty = 0);
