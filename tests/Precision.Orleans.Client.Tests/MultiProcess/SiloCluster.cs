using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Client.Cluster;
using Precision.Orleans.Client.Tests.Fakes;

namespace Precision.Orleans.Client.Tests.MultiProcess;

/// <summary>
/// redis-server + silo PROCESSES on loopback (one cluster id per instance, so test classes never share membership),
/// the tiny policy they run, and an Orleans client of the cluster (the console's <see cref="ClusterRunClient"/>).
/// </summary>
public sealed class SiloCluster : IAsyncDisposable
{
    public const string WebPassword = "test-web-password-0123456789";

    private readonly List<SiloProcess> _silos = [];
    private ClusterRunClient? _client;

    public SiloCluster()
    {
        Redis = TestRedis.Start();
        ClusterId = "mp-" + Guid.NewGuid().ToString("N")[..8];
    }

    public TestRedis Redis { get; }

    public string ClusterId { get; }

    public TinyPolicy Tiny { get; } = new();

    public string RunsRoot => Path.Combine(Tiny.Root, "runs");

    /// <summary>The console's --cluster (password in the URL); the cluster id goes in PRECISION_CLUSTER_ID.</summary>
    public string Url => Redis.Url;

    /// <summary>The certificate the console presents (PRECISION_CLUSTER_CERTIFICATE); null: none.</summary>
    public string? CertificatePath { get; set; }

    public string CertificatePassword { get; set; } = "";

    public ClusterRunClient Client => _client ?? throw new InvalidOperationException("connect first");

    /// <param name="extra">More Silo:* options (e.g. the cluster certificate).</param>
    public async Task<SiloProcess> StartSiloAsync(string name, string roles, int rolloutSlots = 0, bool web = false, IReadOnlyDictionary<string, string>? extra = null,
        TimeSpan? activeWithin = null)
    {
        var options = new Dictionary<string, string>
        {
            ["Redis"] = Redis.Configuration,
            ["ClusterId"] = ClusterId,
            ["ServiceId"] = ClusterId,
            ["Roles"] = roles,
            ["RolloutSlots"] = rolloutSlots.ToString(),
            ["RunsRoot"] = RunsRoot,
            ["SpecBaseDirectory"] = Tiny.Root,
            ["WebPassword"] = WebPassword,
            ["ResponseTimeoutSeconds"] = "20",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>()) options[key] = value;
        var silo = await SiloProcess.StartAsync(name, options, web, activeWithin);
        _silos.Add(silo);
        return silo;
    }

    public async Task ConnectAsync()
    {
        Environment.SetEnvironmentVariable(ClusterTarget.ClusterIdVariable, ClusterId);
        Environment.SetEnvironmentVariable(ClusterTarget.CertificateVariable, CertificatePath);
        Environment.SetEnvironmentVariable(ClusterTarget.CertificatePasswordVariable, CertificatePath is null ? null : CertificatePassword);
        _client = await ClusterRunClient.ConnectAsync(ClusterTarget.Require(Url, null, Environment.GetEnvironmentVariable));
    }

    /// <summary>Polls the run until <paramref name="done"/> holds (calls failing while the cluster re-forms are retried).</summary>
    public async Task<RunStatus> WaitAsync(string runId, Func<RunStatus, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        RunStatus? last = null;
        while (true)
        {
            try
            {
                last = await Client.Grains.GetGrain<IRunGrain>(runId).GetStatus();
                if (done(last)) return last;
                if (last.State == RunState.Failed) throw new Xunit.Sdk.XunitException($"run {runId} failed: {last.Error}");
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException && DateTime.UtcNow < deadline)
            {
            }
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"run {runId}: condition not met within {timeout}; last status {last}\n" +
                    string.Join("\n", _silos.Select(s => $"--- {s.Name}:\n{Tail(s.Output)}")));
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is not null) await _client.DisposeAsync();
        Environment.SetEnvironmentVariable(ClusterTarget.CertificateVariable, null);
        Environment.SetEnvironmentVariable(ClusterTarget.CertificatePasswordVariable, null);
        foreach (var silo in _silos) await silo.DisposeAsync();
        Tiny.Dispose();
        Redis.Dispose();
    }

    private static string Tail(string text) => text.Length <= 4000 ? text : text[^4000..];
}
