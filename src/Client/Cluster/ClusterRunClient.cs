using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Grains;
using Precision.Orleans.Grains.Reports;
using Orleans.Runtime;
using Orleans.Runtime.Messaging;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using StackExchange.Redis;

namespace Precision.Orleans.Client.Cluster;

/// <summary>
/// The console as an Orleans client of the cluster: finds the gateways in the cluster's Redis, connects within
/// <see cref="ConnectTimeout"/> (or stops with a message saying what failed: Redis unreachable, wrong password, no silo),
/// and calls the run grains. The embedded mode reads the same grains through <see cref="GrainRunSource"/>.
/// </summary>
public sealed class ClusterRunClient : IRunSource, IAsyncDisposable
{
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(15);

    private readonly IHost _host;

    private ClusterRunClient(IHost host, ClusterTarget target)
    {
        _host = host;
        Target = target;
        Grains = host.Services.GetRequiredService<IClusterClient>();
    }

    public ClusterTarget Target { get; }

    public IClusterClient Grains { get; }

    /// <summary>How long the console waits for one grain call's response.</summary>
    public static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(10);

    public static async Task<ClusterRunClient> ConnectAsync(ClusterTarget target, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        var limit = timeout ?? ConnectTimeout;
        // Redis first: its own errors (refused, wrong password) are clearer than the client's "no gateways".
        try
        {
            using var redis = await ConnectionMultiplexer.ConnectAsync(ConfigurationOptions.Parse(target.RedisConfiguration.Replace("abortConnect=false", "abortConnect=true")));
            await redis.GetDatabase().PingAsync();
        }
        catch (RedisConnectionException e)
        {
            throw new ClusterException($"Cannot connect to the cluster's Redis at {target.Display}: {FirstLine(e.Message)}", e);
        }
        X509Certificate2? certificate = null;
        if (target.CertificatePath.Length > 0)
        {
            try
            {
                certificate = ClusterCertificate.Load(target.CertificatePath, target.CertificatePassword);
            }
            catch (InvalidDataException e)
            {
                throw new ClusterException($"{ClusterTarget.CertificateVariable}: {e.Message}.", e);
            }
        }
        try
        {
            var host = await ConnectPipeline(limit).ExecuteAsync(
                static async (state, token) => await StartClientAsync(state.target, state.certificate, token), (target, certificate), cancellationToken);
            return new ClusterRunClient(host, target);
        }
        catch (Exception e) when (TlsRefusal(e) is { } refusal && !cancellationToken.IsCancellationRequested)
        {
            throw new ClusterException($"Cannot connect to cluster '{target.ClusterId}' through {target.Display}: the TLS handshake with its silo failed " +
                $"({FirstLine(refusal.Message)}). " + (certificate is null
                    ? $"The cluster requires its certificate: set {ClusterTarget.CertificateVariable}."
                    : "Is this the cluster's certificate?"), e);
        }
        catch (Exception e) when (e is TimeoutRejectedException or OrleansException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            throw new ClusterException($"Cannot connect to cluster '{target.ClusterId}' through {target.Display} within {limit.TotalSeconds:0} s: " +
                (e is TimeoutRejectedException ? "no silo answered (is a silo running with this Redis and cluster id?" +
                    (certificate is null ? $" If the cluster requires its certificate, set {ClusterTarget.CertificateVariable}.)" : " Is this the cluster's certificate?)")
                    : FirstLine(e.Message)), e);
        }
    }

    /// <summary>
    /// Connection attempts within <paramref name="limit"/> in all: a silo that is starting, restarting or not yet in the
    /// gateway list is tried again after an exponentially growing, jittered pause; anything else fails at once.
    /// </summary>
    internal static ResiliencePipeline ConnectPipeline(TimeSpan limit) =>
        new ResiliencePipelineBuilder()
            .AddTimeout(limit)
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                MaxDelay = TimeSpan.FromSeconds(2),
                MaxRetryAttempts = int.MaxValue,
            })
            .Build();

    /// <summary>
    /// Failures a later attempt may not see: no gateway yet, a gateway that went away, a connection refused. A failed TLS
    /// handshake (a certificate the other side does not accept) is not one: the next attempt presents the same certificate.
    /// </summary>
    internal static bool IsTransient(Exception e) =>
        TlsRefusal(e) is null
        && (e is SiloUnavailableException or ConnectionFailedException or GatewayTooBusyException or TimeoutException
            || (e is OrleansException && e.Message.Contains("gateway", StringComparison.OrdinalIgnoreCase)));

    /// <summary>The <see cref="AuthenticationException"/> somewhere in <paramref name="e"/>'s chain (Orleans wraps a
    /// gateway's handshake failure in two <see cref="ConnectionFailedException"/>s), or null.</summary>
    internal static AuthenticationException? TlsRefusal(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is AuthenticationException auth) return auth;
            if (e is AggregateException all)
                foreach (var inner in all.InnerExceptions)
                    if (TlsRefusal(inner) is { } found) return found;
        }
        return null;
    }

    /// <summary>One connection attempt: a fresh client host (a failed one cannot be started again), disposed if it fails.</summary>
    private static async Task<IHost> StartClientAsync(ClusterTarget target, X509Certificate2? certificate, CancellationToken cancellationToken)
    {
        string? refusal = null;
        var host = Host.CreateDefaultBuilder([])
            .ConfigureLogging(logging => logging.ClearProviders())
            .UseOrleansClient(client =>
            {
                client.UseRedisClustering(o => o.ConfigurationOptions = ConfigurationOptions.Parse(target.RedisConfiguration))
                    .Configure<ClusterOptions>(o =>
                    {
                        o.ClusterId = target.ClusterId;
                        o.ServiceId = target.ClusterId;
                    })
                    // The console's calls are short (submit, status, metrics): one to a silo that just died fails in
                    // seconds and is retried by the caller, instead of holding the console for Orleans' default 30 s.
                    .Configure<ClientMessagingOptions>(o => o.ResponseTimeout = ResponseTimeout)
                    // Each failed attempt comes back to ConnectPipeline, which tells a transient failure from one that
                    // cannot heal (a refused TLS handshake); Orleans' own filter would retry both, silently, 15 times.
                    .UseConnectionRetryFilter(static (_, _) => Task.FromResult(false));
                // Orleans logs a refused handshake and reports only "connection initialization failed": note it here.
                if (certificate is not null)
                    client.UseClusterCertificate(certificate, remote => refusal ??= remote is null ? "the silo presented no certificate"
                        : $"the silo presented '{remote.Subject}' (SHA-256 {remote.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256)}), not this certificate");
            })
            .Build();
        try
        {
            await host.StartAsync(cancellationToken).WaitAsync(cancellationToken);
            return host;
        }
        catch (Exception e)
        {
            host.Dispose();
            if (refusal is not null) throw new AuthenticationException(refusal, e);
            throw;
        }
    }

    public async Task<RunStatus> SubmitAsync(string specYaml, string runId, CancellationToken cancellationToken = default)
    {
        try
        {
            return await Grains.GetGrain<IRunGrain>(runId).Submit(specYaml);
        }
        catch (ArgumentException e)
        {
            throw new ClusterException($"The run spec was refused: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            throw new ClusterException(e.Message, e);
        }
    }

    public async Task<IReadOnlyList<RunStatus>> ListAsync(CancellationToken cancellationToken = default) =>
        await Grains.GetGrain<IRunRegistryGrain>(IRunRegistryGrain.Key).List();

    public async Task<RunStatus> StatusAsync(string runId, CancellationToken cancellationToken = default) =>
        await Known(runId, run => run.GetStatus());

    public async Task<IReadOnlyList<IterationRecord>> MetricsAsync(string runId, int fromStep, CancellationToken cancellationToken = default) =>
        await Known(runId, run => run.GetMetrics(fromStep));

    public async Task<string> MetricsCsvAsync(string runId, int fromStep, CancellationToken cancellationToken = default) =>
        IterationCsv.Write(await MetricsAsync(runId, fromStep, cancellationToken));

    public async Task<string> ReportHtmlAsync(string runId, CancellationToken cancellationToken = default) =>
        RunReportPage.Render(await StatusAsync(runId, cancellationToken), await MetricsAsync(runId, 0, cancellationToken));

    public async Task<RunStatus> CancelAsync(string runId, CancellationToken cancellationToken = default) =>
        await Known(runId, async run =>
        {
            await run.Cancel();
            return await run.GetStatus();
        });

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _host.StopAsync(grace.Token);
        }
        catch (OperationCanceledException)
        {
        }
        _host.Dispose();
    }

    /// <summary>Calls a registered run, or says the id is unknown (a run grain would answer for any key).</summary>
    private async Task<T> Known<T>(string runId, Func<IRunGrain, Task<T>> call)
    {
        if (!(await ListAsync()).Any(r => r.RunId == runId))
            throw new ClusterException($"No run '{runId}' in cluster '{Target.ClusterId}' (`precision list` shows them).");
        return await call(Grains.GetGrain<IRunGrain>(runId));
    }

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();
}
