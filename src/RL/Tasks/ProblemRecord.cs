namespace Precision.Orleans.RL.Tasks;

/// <summary>
/// One line of a problem-set JSONL file: the problem, the task that generated it (null for a plain
/// dataset) and, for a measured set, the policy's accuracy over <see cref="Samples"/> samples.
/// </summary>
public sealed record ProblemRecord(Problem Problem, string? Task = null, double? Accuracy = null, int? Samples = null);
