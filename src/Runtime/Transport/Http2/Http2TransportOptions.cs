namespace Precision.Orleans.Runtime.Transport.Http2;

/// <summary>
/// Options of the HTTP/2 grain transport. Defaults follow Orleans where it has an equivalent (a 30 s response
/// timeout) and Polly's recommended circuit-breaker shape otherwise.
/// </summary>
public sealed record Http2TransportOptions
{
    /// <summary>The cluster token presented on every request (Authorization: Bearer).</summary>
    public required string ClusterToken { get; init; }

    /// <summary>
    /// Time allowed for one attempt of one call when the request carries no earlier deadline.
    /// Default 30 s, Orleans' default response timeout; long-running grain methods should set a Deadline instead.
    /// </summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries after the first attempt, for [Idempotent] calls only. Default 3.</summary>
    public int MaxRetryAttempts { get; init; } = 3;

    /// <summary>First retry delay; later ones double, with jitter. Default 100 ms.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The breaker opens when at least this fraction of sampled calls failed. Default 0.5.</summary>
    public double BreakerFailureRatio { get; init; } = 0.5;

    /// <summary>... and at least this many calls were sampled. Default 5.</summary>
    public int BreakerMinimumThroughput { get; init; } = 5;

    /// <summary>The window the failure ratio is measured over. Default 10 s.</summary>
    public TimeSpan BreakerSamplingDuration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long an open breaker rejects calls before letting one probe through. Default 5 s.</summary>
    public TimeSpan BreakerBreakDuration { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Keep-alive ping interval on idle HTTP/2 connections, so a dead peer is noticed. Default 10 s.</summary>
    public TimeSpan KeepAlivePingDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Connect timeout to a peer; a dead silo on loopback refuses at once, a dead host does not. Default 5 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);
}
