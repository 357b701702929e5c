namespace Precision.Orleans.SiloHost.Api;

/// <summary>
/// The cluster as one silo sees it (<c>GET /api/cluster</c>): a row per silo of the membership table with its status,
/// roles and heartbeat age, and — for the live ones — what that silo reports about itself (null with
/// <see cref="ClusterSiloRow.Error"/> when it could not be asked); plus activations summed per grain type.
/// </summary>
public sealed record ClusterSnapshot(
    string AnsweredBy,
    DateTimeOffset At,
    IReadOnlyList<ClusterSiloRow> Silos,
    IReadOnlyDictionary<string, int> ActivationsByType,
    double CallsPerSecond);

/// <summary>One silo row of <see cref="ClusterSnapshot"/>.</summary>
public sealed record ClusterSiloRow(
    string SiloId,
    string Endpoint,
    long Generation,
    string Status,
    IReadOnlyList<string> Roles,
    DateTimeOffset StartedAt,
    double HeartbeatAgeSeconds,
    SiloSnapshot? Self,
    string? Error);
