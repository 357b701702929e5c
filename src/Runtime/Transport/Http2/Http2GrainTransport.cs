using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Precision.Orleans.Runtime.Membership;
using Precision.Orleans.Runtime.Messaging;

namespace Precision.Orleans.Runtime.Transport.Http2;

/// <summary>
/// <see cref="IGrainTransport"/> over HTTP/2 with prior knowledge (h2c: cleartext HTTP/2 without an upgrade round
/// trip) to each silo's <see cref="SiloAddress.Endpoint"/> ("http://host:port"). One multiplexed connection pool per
/// peer; one Polly pipeline per peer (<see cref="SiloCallPipelines"/>). Failure mapping follows the
/// <see cref="IGrainTransport"/> contract: <see cref="SiloUnavailableException"/> only when the request certainly
/// did not reach a grain (connect refused, open breaker, peer not serving), <see cref="GrainCallTimeoutException"/>
/// when the deadline passed with delivery unknown, <see cref="GrainTransportException"/> otherwise.
/// </summary>
public sealed class Http2GrainTransport : IGrainTransport, IDisposable
{
    /// <summary>MIME type of request and response bodies (<see cref="GrainMessageCodec"/>).</summary>
    public const string ContentType = "application/x-precision-grain-call";

    private static readonly MediaTypeHeaderValue BodyType = new(ContentType);

    private readonly HttpClient _client;
    private readonly SiloCallPipelines _pipelines;
    private readonly AuthenticationHeaderValue _authorization;
    private readonly TimeProvider _time;

    public Http2GrainTransport(Http2TransportOptions options, TimeProvider? timeProvider = null)
    {
        var token = new ClusterToken(options.ClusterToken);
        _authorization = new AuthenticationHeaderValue("Bearer", token.Value);
        _time = timeProvider ?? TimeProvider.System;
        _pipelines = new SiloCallPipelines(options, _time);
        _client = new HttpClient(new SocketsHttpHandler
        {
            ConnectTimeout = options.ConnectTimeout,
            KeepAlivePingDelay = options.KeepAlivePingDelay,
            KeepAlivePingTimeout = options.KeepAlivePingDelay,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            // One HTTP/2 connection caps concurrent streams (100 by default on Kestrel); more callers open more.
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
        })
        {
            // Polly's per-attempt timeout governs; HttpClient's own would fire with a less useful exception.
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public async Task<GrainCallResponse> SendAsync(SiloAddress target, GrainCallRequest request, CancellationToken cancellationToken = default)
    {
        var body = GrainMessageCodec.EncodeRequest(request);
        var uri = new Uri(new Uri(target.Endpoint), GrainCallEndpoints.CallPath);
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(SiloCallPipelines.IdempotentKey, request.Idempotent);
        if (request.Deadline is { } deadline)
        {
            context.Properties.Set(SiloCallPipelines.DeadlineKey, deadline);
        }

        try
        {
            return await _pipelines.For(target.Endpoint).ExecuteAsync(
                static (ctx, state) => state.self.SendOnceAsync(state.target, state.uri, state.body, ctx.CancellationToken),
                context,
                (self: this, target, uri, body)).ConfigureAwait(false);
        }
        catch (BrokenCircuitException e)
        {
            throw new SiloUnavailableException(target, "circuit breaker open after repeated failures", e);
        }
        catch (TimeoutRejectedException e)
        {
            throw new GrainCallTimeoutException($"Grain call {request.Interface}.{request.Method} to {target} timed out.", e);
        }
        catch (HttpRequestException e) when (IsNotDelivered(e))
        {
            throw new SiloUnavailableException(target, e.Message, e);
        }
        catch (HttpRequestException e)
        {
            throw new GrainTransportException(target.ToString(), e.StatusCode ?? 0, $"connection lost, delivery unknown: {e.Message}");
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    public async Task<bool> ProbeAsync(SiloAddress target, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        // Outside the pipeline: a probe must see the silo itself, not our breaker's opinion of it.
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            using var message = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(target.Endpoint), GrainCallEndpoints.ReadyPath))
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            };
            message.Headers.Authorization = _authorization;
            using var response = await _client.SendAsync(message, cts.Token).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or UriFormatException)
        {
            return false;
        }
    }

    public void Dispose() => _client.Dispose();

    private async ValueTask<GrainCallResponse> SendOnceAsync(SiloAddress target, Uri uri, byte[] body, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = BodyType } },
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        message.Headers.Authorization = _authorization;
        using var response = await _client.SendAsync(message, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        var content = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.OK)
        {
            return GrainMessageCodec.DecodeResponse(content);
        }

        if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
        {
            // Our server answers 503 before decoding (silo not started): the call did not run.
            throw new SiloUnavailableException(target, "the silo is not serving yet (HTTP 503)");
        }

        var detail = content.Length == 0 ? response.ReasonPhrase ?? "" : System.Text.Encoding.UTF8.GetString(content);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            detail = "the silo refused this cluster token";
        }

        throw new GrainTransportException(target.ToString(), response.StatusCode, detail);
    }

    // A request that failed while connecting never left this process.
    private static bool IsNotDelivered(HttpRequestException e) =>
        e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError
            or HttpRequestError.SecureConnectionError
        || e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused };
}
