using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;
using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Grains.Placement;

namespace Precision.Orleans.Grains.Tests;

/// <summary>
/// An in-process Orleans cluster (Microsoft.Orleans.TestingHost) for the RL grains: silos started one at a time with
/// their own name, roles and rollout slots, the fast-failover membership of the real silos, grain storage shared by
/// all silos, and the test cluster's client.
/// </summary>
internal sealed class RlCluster : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, (byte[] Data, string ETag)> _storage = new();
    private readonly string _runsRoot;
    private readonly Func<RlGrainOptions, RlGrainOptions>? _tune;
    private readonly Action<ISiloBuilder>? _configureSilo;
    private (string Name, string[] Roles, int Slots) _next;
    private InProcessTestCluster? _cluster;

    /// <param name="runsRoot">The silos' RunsRoot.</param>
    /// <param name="tune">Changes to every silo's RL grain options (applied to the test defaults).</param>
    /// <param name="configureSilo">More configuration of every silo (e.g. a test-only fault hook).</param>
    public RlCluster(string runsRoot, Func<RlGrainOptions, RlGrainOptions>? tune = null, Action<ISiloBuilder>? configureSilo = null)
    {
        _runsRoot = runsRoot;
        _tune = tune;
        _configureSilo = configureSilo;
    }

    public IClusterClient Client => _cluster?.Client ?? throw new InvalidOperationException("start a silo first");

    /// <summary>Starts a silo named <paramref name="name"/> (its workers are "{name}/{slot}").</summary>
    public async Task<InProcessSiloHandle> StartSiloAsync(string name, string role, int rolloutSlots = 0)
    {
        _next = (name, [role, .. rolloutSlots > 0 ? new[] { SiloRoles.Rollout } : []], rolloutSlots);
        if (_cluster is null)
        {
            var builder = new InProcessTestClusterBuilder(1);
            builder.ConfigureSilo((options, silo) =>
            {
                var (siloName, roles, slots) = _next;
                // After the test host's own configuration, which names silos Silo_N.
                silo.Services.PostConfigure<SiloOptions>(o => o.SiloName = siloName);
                silo.Services.AddKeyedSingleton<IGrainStorage>(RlStorage.Name, (sp, _) => new SharedGrainStorage(_storage, sp.GetRequiredService<Serializer>()));
                silo.UseFastFailover(TimeSpan.FromSeconds(60));
                // 4 KiB weight chunks: the tiny policy's weights cross in many pooled chunks, several in flight (the real 1 MiB
                // chunks would carry them in one), so the bit-for-bit tests check the chunked path.
                var grains = new RlGrainOptions { RunsRoot = _runsRoot, RolloutSlots = slots, Roles = roles, WorkerWaitTimeout = TimeSpan.FromSeconds(30), WeightChunkBytes = 4096 };
                silo.AddRlGrains(_tune is null ? grains : _tune(grains));
                _configureSilo?.Invoke(silo);
            });
            builder.ConfigureClient(client => client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(60)));
            _cluster = builder.Build();
            await _cluster.DeployAsync();
            return _cluster.Silos[0];
        }
        return await _cluster.StartAdditionalSiloAsync();
    }

    /// <summary>Stops a silo abruptly: no deactivations, no goodbye to the membership (what SIGKILL does to a process).</summary>
    public Task KillAsync(InProcessSiloHandle silo) => _cluster!.KillSiloAsync(silo);

    /// <summary>Waits until the cluster's membership no longer lists <paramref name="siloName"/> as active.</summary>
    public async Task WaitDeadAsync(string siloName, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var membership = _cluster!.Silos[^1].ServiceProvider.GetRequiredService<IClusterMembershipService>();
        while (membership.CurrentSnapshot.Members.Values.Any(m => m.Name == siloName && m.Status == SiloStatus.Active))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"silo {siloName} was not declared dead within {timeout}");
            await Task.Delay(20);
        }
    }

    /// <summary>Polls the run until <paramref name="done"/> holds for its status (or the time runs out).</summary>
    public async Task<RunStatus> WaitAsync(string runId, Func<RunStatus, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            RunStatus status;
            try
            {
                status = await Client.GetGrain<IRunGrain>(runId).GetStatus();
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException && DateTime.UtcNow < deadline)
            {
                // The client's gateway silo was just killed: the client moves to another gateway.
                await Task.Delay(100);
                continue;
            }
            if (done(status)) return status;
            if (status.State == RunState.Failed) throw new Xunit.Sdk.XunitException($"run {runId} failed: {status.Error}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"run {runId}: condition not met within {timeout}; last status {status}");
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_cluster is null) return;
        try
        {
            await _cluster.StopAllSilosAsync();
        }
        finally
        {
            await _cluster.DisposeAsync();
        }
    }
}
