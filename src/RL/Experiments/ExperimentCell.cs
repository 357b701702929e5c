using Precision.Orleans.RL.Spec;

namespace Precision.Orleans.RL.Experiments;

/// <summary>One run of a grid: its name (also its directory under the experiment's output) and its full run spec.</summary>
public sealed record ExperimentCell(string Name, string Algorithm, PrecisionPair Precision, int? Seed, RunSpec Spec);
