using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Precision.Orleans.Runtime.Membership;
using Precision.Orleans.Runtime.Transport.Http2;
using RuntimeSilo = Precision.Orleans.Runtime.Hosting.Silo;

namespace Precision.Orleans.SiloHost.Api;

/// <summary>
/// GET /api/silo — this silo's <see cref="SiloSnapshot"/>. GET /api/cluster — the <see cref="ClusterSnapshot"/>: the
/// membership table (re-read for each request), each live peer asked for its own /api/silo over HTTP/2 with the cluster
/// token (in parallel, <see cref="PeerTimeout"/> each; a silo that does not answer keeps its row with the error).
/// </summary>
public sealed class ClusterApiEndpoints : IDisposable
{
    public const string SiloPath = "/api/silo";
    public const string ClusterPath = "/api/cluster";

    /// <summary>How long /api/cluster waits for one peer.</summary>
    public static readonly TimeSpan PeerTimeout = TimeSpan.FromSeconds(2);

    private readonly Func<RuntimeSilo?> _silo;
    private readonly ClusterToken _token;
    private readonly CallRateSampler _rate;
    private readonly HttpClient _peers;

    public ClusterApiEndpoints(Func<RuntimeSilo?> silo, ClusterToken token)
    {
        _silo = silo;
        _token = token;
        _rate = new CallRateSampler(() => silo()?.Calls);
        _peers = new HttpClient(new SocketsHttpHandler { ConnectTimeout = PeerTimeout })
        {
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = PeerTimeout,
        };
    }

    public void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(SiloPath, () => _silo() is { } silo
            ? Results.Json(Local(silo), SiloApiJson.Options)
            : Results.Text("This silo is not serving yet.", statusCode: StatusCodes.Status503ServiceUnavailable));
        endpoints.MapGet(ClusterPath, async (HttpRequest request) => _silo() is { } silo
            ? Results.Json(await SnapshotAsync(silo, request.HttpContext.RequestAborted).ConfigureAwait(false), SiloApiJson.Options)
            : Results.Text("This silo is not serving yet.", statusCode: StatusCodes.Status503ServiceUnavailable));
    }

    public SiloSnapshot Local(RuntimeSilo silo)
    {
        var activations = silo.Activations
            .GroupBy(a => ShortTypeName(a.GrainId.Type))
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return new SiloSnapshot(
            silo.Address.SiloId,
            silo.Address.Endpoint,
            silo.Address.Generation,
            silo.Options.Roles,
            activations.Values.Sum(),
            activations,
            silo.Calls.Total,
            _rate.CallsPerSecond,
            silo.Calls.ByGrainType.ToDictionary(e => ShortTypeName(e.Key), e => e.Value, StringComparer.Ordinal),
            DateTimeOffset.UtcNow);
    }

    public async Task<ClusterSnapshot> SnapshotAsync(RuntimeSilo silo, CancellationToken cancellationToken)
    {
        try
        {
            // Fresh from the membership table: the view the silo keeps is up to a heartbeat period old.
            await silo.View.RefreshAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The table is unreachable: answer from the last view (heartbeat ages show how stale it is).
        }
        var now = DateTimeOffset.UtcNow;
        var rows = await Task.WhenAll(silo.View.Entries
            .OrderBy(e => e.Status == SiloStatus.Dead)
            .ThenBy(e => e.Silo.SiloId, StringComparer.Ordinal)
            .ThenByDescending(e => e.Silo.Generation)
            .Select(e => RowAsync(silo, e, now, cancellationToken))).ConfigureAwait(false);
        var byType = rows.Where(r => r.Self is not null)
            .SelectMany(r => r.Self!.ActivationsByType)
            .GroupBy(e => e.Key)
            .ToDictionary(g => g.Key, g => g.Sum(e => e.Value), StringComparer.Ordinal);
        return new ClusterSnapshot(silo.Address.SiloId, now, rows, byType, rows.Sum(r => r.Self?.CallsPerSecond ?? 0));
    }

    private async Task<ClusterSiloRow> RowAsync(RuntimeSilo silo, MembershipEntry entry, DateTimeOffset now, CancellationToken cancellationToken)
    {
        SiloSnapshot? self = null;
        string? error = null;
        if (entry.Silo == silo.Address)
        {
            self = Local(silo);
        }
        else if (entry.Status != SiloStatus.Dead)
        {
            (self, error) = await AskPeerAsync(entry.Silo, cancellationToken).ConfigureAwait(false);
        }
        return new ClusterSiloRow(
            entry.Silo.SiloId,
            entry.Silo.Endpoint,
            entry.Silo.Generation,
            entry.Status.ToString(),
            entry.Roles,
            entry.StartedAt,
            Math.Max(0, (now - entry.LastHeartbeat).TotalSeconds),
            self,
            error);
    }

    private async Task<(SiloSnapshot?, string?)> AskPeerAsync(SiloAddress peer, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(peer.Endpoint, UriKind.Absolute, out var endpoint) || endpoint.Scheme != Uri.UriSchemeHttp)
        {
            return (null, $"not reachable over HTTP ({peer.Endpoint})");
        }
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(endpoint, SiloPath))
            {
                // A hand-made request does not take the client's default version; silos speak HTTP/2 only.
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            };
            request.Headers.TryAddWithoutValidation("Authorization", _token.AuthorizationHeaderValue);
            using var response = await _peers.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return (null, $"answered {(int)response.StatusCode} {response.ReasonPhrase}");
            }
            return (await response.Content.ReadFromJsonAsync<SiloSnapshot>(SiloApiJson.Options, cancellationToken).ConfigureAwait(false), null);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            return (null, e is TaskCanceledException ? $"no answer within {PeerTimeout.TotalSeconds:0} s" : e.Message);
        }
    }

    /// <summary>"Precision.Orleans.Abstractions.Grains.Rl.IRunGrain" → "IRunGrain".</summary>
    public static string ShortTypeName(string grainType) =>
        grainType.LastIndexOf('.') is var dot and >= 0 ? grainType[(dot + 1)..] : grainType;

    public void Dispose()
    {
        _rate.Dispose();
        _peers.Dispose();
    }
}
