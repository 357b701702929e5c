using Precision.Orleans.RL.Spec;

namespace Precision.Orleans.RL.Experiments;

/// <summary>One run of a grid: its name (also its directory under the experiment's output) and its full run spec.</summary>
/// <param name="Variant">The <see cref="GridVariant"/> name (e.g. "lora-r8") when the grid has a variants axis, else null.</param>
public sealed record ExperimentCell(string Name, string Algorithm, PrecisionPair Precision, int? Seed, RunSpec Spec, string? Variant = null);
