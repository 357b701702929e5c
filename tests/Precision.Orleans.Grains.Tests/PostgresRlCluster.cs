using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Runtime.Clustering.Postgres;
using Precision.Orleans.Runtime.Hosting;
using Precision.Orleans.Runtime.Messaging;
using Precision.Orleans.Runtime.Transport.Http2;

namespace Precision.Orleans.Grains.Tests;

/// <summary>
/// The throwaway PostgreSQL of test.sh (PRECISION_TEST_PG; missing = the test fails, never skips) plus silo
/// processes on loopback sharing one runs directory, and this test as the cluster client (HTTP/2, cluster token).
/// </summary>
internal sealed class PostgresRlCluster : IAsyncDisposable
{
    public const string Token = "rl-grains-multi-process-token-01";
    private readonly List<SiloProcess> _silos = [];
    private PostgresClustering? _clustering;
    private Http2GrainTransport? _transport;

    public PostgresRlCluster(string runsRoot) => RunsRoot = runsRoot;

    public string ClusterId { get; } = "rl-test-" + Guid.NewGuid().ToString("N")[..12];
    public string RunsRoot { get; }
    public ClusterClient Client { get; private set; } = null!;
    public IReadOnlyList<SiloProcess> Silos => _silos;

    public static string ConnectionString =>
        Environment.GetEnvironmentVariable("PRECISION_TEST_PG") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException("PRECISION_TEST_PG is not set: the multi-process RL tests need the throwaway PostgreSQL that ./test.sh starts " +
                "(or `eval \"$(scripts/test-postgres.sh start | sed 's/^/export /')\"` before dotnet test).");

    public async Task<SiloProcess> StartSiloAsync(string siloId, string roles, int rolloutSlots)
    {
        var silo = await SiloProcess.StartAsync(siloId, [
            "--postgres", ConnectionString, "--cluster-token", Token, "--cluster-id", ClusterId,
            "--heartbeat-ms", "250", "--missed-heartbeats", "3", "--roles", roles,
            "--rollout-slots", rolloutSlots.ToString(System.Globalization.CultureInfo.InvariantCulture), "--runs-root", RunsRoot]);
        _silos.Add(silo);
        return silo;
    }

    public async Task ConnectClientAsync()
    {
        _clustering = await PostgresClustering.ConnectAsync(new PostgresClusteringOptions { ConnectionString = ConnectionString, ClusterId = ClusterId });
        _transport = new Http2GrainTransport(new Http2TransportOptions { ClusterToken = Token });
        Client = new ClusterClient(_clustering.Membership, _clustering.Directory, _transport,
            new ClusterClientOptions { Calls = new GrainCallOptions { ResponseTimeout = TimeSpan.FromSeconds(60) } });
        await Client.ConnectAsync();
    }

    public async Task<RunStatus> WaitAsync(string runId, Func<RunStatus, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var status = await Client.GetGrain<IRunGrain>(runId).GetStatus();
            if (done(status)) return status;
            if (status.State == RunState.Failed) throw new Xunit.Sdk.XunitException($"run {runId} failed: {status.Error}\n{Outputs()}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"run {runId}: condition not met within {timeout}; last status {status}\n{Outputs()}");
            await Task.Delay(100);
        }
    }

    public string Outputs() => string.Join("\n", _silos.Select((s, i) => $"--- silo process {i} ---\n{s.Output}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in _silos) await silo.DisposeAsync();
        if (Client is not null) await Client.DisposeAsync();
        _transport?.Dispose();
        if (_clustering is not null) await _clustering.DisposeAsync();
    }
}
