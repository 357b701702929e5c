namespace Precision.Orleans.SiloHost.Api;

/// <summary>
/// What one silo reports about itself (<c>GET /api/silo</c>): its activations per grain type (short interface name,
/// e.g. "IRunGrain") and the calls it handled, in total and per second over the last
/// <see cref="CallRateSampler.Window"/>.
/// </summary>
public sealed record SiloSnapshot(
    string SiloId,
    string Endpoint,
    long Generation,
    IReadOnlyList<string> Roles,
    int ActivationCount,
    IReadOnlyDictionary<string, int> ActivationsByType,
    long CallsTotal,
    double CallsPerSecond,
    IReadOnlyDictionary<string, long> CallsByType,
    DateTimeOffset At);
