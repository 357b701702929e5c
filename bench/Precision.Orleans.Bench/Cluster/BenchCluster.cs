using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Storage;
using Orleans.TestingHost;
using Precision.Orleans.Grains;
using StackExchange.Redis;

namespace Precision.Orleans.Bench.Cluster;

/// <summary>
/// Silos in this process on loopback TCP (Microsoft.Orleans.TestingHost), started one at a time with their own name,
/// roles and rollout slots; memory grain storage (or, given a StackExchange.Redis configuration, Redis grain storage as
/// the real silos use); the fast-failover settings of the real silos.
/// </summary>
internal sealed class BenchCluster : IAsyncDisposable
{
    private (string Name, string[] Roles, int Slots) _next;
    private InProcessTestCluster? _cluster;

    private readonly int _connectionsPerEndpoint;
    private readonly string? _redis;
    private readonly bool _timeShardCalls;

    /// <param name="connectionsPerEndpoint">Orleans' <see cref="ConnectionOptions.ConnectionsPerEndpoint"/> of every silo (its default: 1).</param>
    /// <param name="redis">A StackExchange.Redis configuration: the silos keep grain state there instead of in memory.</param>
    /// <param name="timeShardCalls">Registers <see cref="ShardCallTimer"/>'s call filter on the client and times every grain-storage write (<see cref="TimedGrainStorage"/>).</param>
    public BenchCluster(string runsRoot, int connectionsPerEndpoint = 1, string? redis = null, bool timeShardCalls = false)
    {
        RunsRoot = runsRoot;
        _connectionsPerEndpoint = connectionsPerEndpoint;
        _redis = redis;
        _timeShardCalls = timeShardCalls;
    }

    /// <summary>"memory" or "redis": where the silos' grain storage (the shards' durable logs among it) lives.</summary>
    public string StorageName => _redis is null ? "memory" : "redis";

    public string RunsRoot { get; }

    public IClusterClient Client => _cluster!.Client;

    public async Task StartSiloAsync(string name, string[] roles, int rolloutSlots = 0)
    {
        _next = (name, roles, rolloutSlots);
        if (_cluster is not null)
        {
            await _cluster.StartAdditionalSiloAsync();
            return;
        }
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSiloHost((_, host) => host.Logging.SetMinimumLevel(LogLevel.Warning));
        builder.ConfigureSilo((_, silo) =>
        {
            var (siloName, siloRoles, slots) = _next;
            silo.Services.PostConfigure<SiloOptions>(o => o.SiloName = siloName);
            silo.Configure<ConnectionOptions>(o => o.ConnectionsPerEndpoint = _connectionsPerEndpoint);
            // Timed: the provider under its own name, and the grains' storage name answered by a timing wrapper around it.
            string storage = _timeShardCalls ? TimedStorageInner : RlStorage.Name;
            if (_redis is null) silo.AddMemoryGrainStorage(storage);
            else silo.AddRedisGrainStorage(storage, o => o.ConfigurationOptions = ConfigurationOptions.Parse(_redis));
            if (_timeShardCalls)
                silo.Services.AddKeyedSingleton<IGrainStorage>(RlStorage.Name, (sp, _) => new TimedGrainStorage(sp.GetRequiredKeyedService<IGrainStorage>(TimedStorageInner)));
            silo.UseFastFailover(TimeSpan.FromSeconds(120));
            silo.AddRlGrains(new RlGrainOptions { RunsRoot = RunsRoot, RolloutSlots = slots, Roles = siloRoles, WorkerWaitTimeout = TimeSpan.FromSeconds(60) });
        });
        builder.ConfigureClient(client =>
        {
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(120));
            if (_timeShardCalls) client.AddOutgoingGrainCallFilter(ShardCallTimer.TimeShardCall);
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    private const string TimedStorageInner = "bench-timed-inner";

    public async ValueTask DisposeAsync()
    {
        if (_cluster is null) return;
        await _cluster.StopAllSilosAsync();
        await _cluster.DisposeAsync();
    }
}
