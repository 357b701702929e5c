using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.TestingHost;
using Precision.Orleans.Grains;

namespace Precision.Orleans.Bench.Cluster;

/// <summary>
/// Silos in this process on loopback TCP (Microsoft.Orleans.TestingHost), started one at a time with their own name,
/// roles and rollout slots; memory grain storage; the fast-failover settings of the real silos.
/// </summary>
internal sealed class BenchCluster : IAsyncDisposable
{
    private (string Name, string[] Roles, int Slots) _next;
    private InProcessTestCluster? _cluster;

    private readonly int _connectionsPerEndpoint;

    /// <param name="connectionsPerEndpoint">Orleans' <see cref="ConnectionOptions.ConnectionsPerEndpoint"/> of every silo (its default: 1).</param>
    public BenchCluster(string runsRoot, int connectionsPerEndpoint = 1)
    {
        RunsRoot = runsRoot;
        _connectionsPerEndpoint = connectionsPerEndpoint;
    }

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
            silo.AddMemoryGrainStorage(RlStorage.Name);
            silo.UseFastFailover(TimeSpan.FromSeconds(120));
            silo.AddRlGrains(new RlGrainOptions { RunsRoot = RunsRoot, RolloutSlots = slots, Roles = siloRoles, WorkerWaitTimeout = TimeSpan.FromSeconds(60) });
        });
        builder.ConfigureClient(client => client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(120)));
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_cluster is null) return;
        await _cluster.StopAllSilosAsync();
        await _cluster.DisposeAsync();
    }
}
