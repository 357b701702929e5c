using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Runtime.Hosting;
using Precision.Orleans.Runtime.Messaging;
using Precision.Orleans.Runtime.Storage;
using RuntimeSilo = Precision.Orleans.Runtime.Hosting.Silo;

namespace Precision.Orleans.Grains.Tests;

/// <summary>
/// An in-process cluster for the RL grains: one shared in-memory grain storage, silos with fast failure detection
/// (a crashed silo is declared dead within about a second), and a client.
/// </summary>
internal sealed class RlCluster : IAsyncDisposable
{
    private readonly InProcessCluster _cluster = new();
    private readonly List<RuntimeSilo> _silos = [];
    private readonly string _runsRoot;

    public RlCluster(string runsRoot)
    {
        _runsRoot = runsRoot;
        Client = _cluster.NewClient(new ClusterClientOptions { Calls = new GrainCallOptions { ResponseTimeout = TimeSpan.FromSeconds(60) } });
    }

    public InMemoryGrainStorage Storage { get; } = new();

    public ClusterClient Client { get; }

    public async Task<RuntimeSilo> StartSiloAsync(string siloId, string role, int rolloutSlots = 0)
    {
        var silo = _cluster.NewSilo(siloId, role)
            .Configure(o => o with
            {
                Membership = o.Membership with { HeartbeatPeriod = TimeSpan.FromMilliseconds(150), MissedHeartbeatsBeforeSuspect = 3, ProbeTimeout = TimeSpan.FromMilliseconds(200) },
                Calls = o.Calls with { ResponseTimeout = TimeSpan.FromSeconds(60) },
            })
            .AddRlGrains(new RlGrainOptions { RunsRoot = _runsRoot, RolloutSlots = rolloutSlots, WorkerWaitTimeout = TimeSpan.FromSeconds(30) }, Storage)
            .Build();
        await silo.StartAsync();
        _silos.Add(silo);
        return silo;
    }

    /// <summary>
    /// Waits until the membership table says <paramref name="silo"/> is Dead — what a real restart sees: Kubernetes
    /// replaces a crashed pod after its process is gone, while an in-process <c>Abort</c> leaves the aborted silo's
    /// background tasks running until they next check that their silo still serves.
    /// </summary>
    public async Task WaitDeadAsync(RuntimeSilo silo, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!(await _cluster.Membership.ReadAllAsync()).Any(e => e.Silo == silo.Address && e.Status == Runtime.Membership.SiloStatus.Dead))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"silo {silo.Address} was not declared dead within {timeout}");
            await Task.Delay(20);
        }
    }

    /// <summary>Polls the run until <paramref name="done"/> holds for its status (or the time runs out).</summary>
    public async Task<RunStatus> WaitAsync(string runId, Func<RunStatus, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var status = await Client.GetGrain<IRunGrain>(runId).GetStatus();
            if (done(status)) return status;
            if (status.State == RunState.Failed) throw new Xunit.Sdk.XunitException($"run {runId} failed: {status.Error}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"run {runId}: condition not met within {timeout}; last status {status}");
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            if (silo.IsServing)
            {
                try
                {
                    using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    await silo.StopAsync(grace.Token);
                }
                catch (Exception)
                {
                    silo.Abort();
                }
            }
            await silo.DisposeAsync();
        }
        await Client.DisposeAsync();
    }
}
