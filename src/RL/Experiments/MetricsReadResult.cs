using Precision.Orleans.RL.Training;

namespace Precision.Orleans.RL.Experiments;

/// <summary>A run's metrics rows in step order, and what could not be read.</summary>
public sealed record MetricsReadResult(IReadOnlyList<IterationMetrics> Rows, IReadOnlyList<string> Problems);
