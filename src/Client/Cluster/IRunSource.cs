using Precision.Orleans.Abstractions.Grains.Rl;

namespace Precision.Orleans.Client.Cluster;

/// <summary>What <see cref="RunWatcher"/> reads: a run's status and its metrics rows. The cluster's Orleans client and an
/// embedded silo's grains both provide it.</summary>
public interface IRunSource
{
    Task<RunStatus> StatusAsync(string runId, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<IterationRecord>> MetricsAsync(string runId, int fromStep, CancellationToken cancellationToken = default);
}
