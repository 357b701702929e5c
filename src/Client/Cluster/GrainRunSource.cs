using Precision.Orleans.Abstractions.Grains.Rl;

namespace Precision.Orleans.Client.Cluster;

/// <summary>A run read straight from its grain (the embedded silo of <c>precision submit</c> without --cluster).</summary>
public sealed class GrainRunSource(IGrainFactory grains) : IRunSource
{
    public Task<RunStatus> StatusAsync(string runId, CancellationToken cancellationToken = default) =>
        grains.GetGrain<IRunGrain>(runId).GetStatus();

    public Task<IReadOnlyList<IterationRecord>> MetricsAsync(string runId, int fromStep, CancellationToken cancellationToken = default) =>
        grains.GetGrain<IRunGrain>(runId).GetMetrics(fromStep);
}
