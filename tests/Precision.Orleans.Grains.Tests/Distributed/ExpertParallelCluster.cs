using Orleans.TestingHost;
using Precision.Orleans.Grains.Placement;
using Xunit;

namespace Precision.Orleans.Grains.Tests.Distributed;

/// <summary>
/// The one cluster <see cref="ExpertParallelRlRunOnGrainsTests"/> share: two learner-role silos (learner grain, shards,
/// gradient workers and the training expert workers) and two rollout silos with one slot each; runs differ by id.
/// </summary>
public sealed class ExpertParallelCluster : IAsyncLifetime
{
    private readonly string _runsRoot = Path.Combine(Path.GetTempPath(), "ep-runs-" + Guid.NewGuid().ToString("N")[..10]);
    private RlCluster? _cluster;

    internal RlCluster Cluster => _cluster ?? throw new InvalidOperationException("the cluster has not started");

    /// <summary>The learner-role silos, sorted by address as placement sorts them.</summary>
    internal SiloAddress[] LearnerSilos { get; private set; } = [];

    public async Task InitializeAsync()
    {
        _cluster = new RlCluster(_runsRoot);
        InProcessSiloHandle[] learners = [await _cluster.StartSiloAsync("learner-a", SiloRoles.Learner), await _cluster.StartSiloAsync("learner-b", SiloRoles.Learner)];
        await _cluster.StartSiloAsync("rollout-a", SiloRoles.Rollout, rolloutSlots: 1);
        await _cluster.StartSiloAsync("rollout-b", SiloRoles.Rollout, rolloutSlots: 1);
        LearnerSilos = [.. learners.Select(h => h.SiloAddress).OrderBy(a => a.ToParsableString(), StringComparer.Ordinal)];
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
        try
        {
            Directory.Delete(_runsRoot, recursive: true);
        }
        catch (IOException)
        {
            // Already gone or still held open: a temp directory.
        }
    }
}
