using System.Net;
using System.Runtime.CompilerServices;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Precision.Orleans.Runtime.Directory;
using Precision.Orleans.Runtime.Membership;
using Precision.Orleans.Runtime.Messaging;
using Precision.Orleans.Runtime.Transport.Http2;
using Xunit;

namespace Precision.Orleans.Runtime.Tests.Transport;

public sealed class Http2GrainTransportTests
{
    private const string Token = "test-cluster-token-0123456789";
    private static readonly GrainId Grain = new("ITestGrain", "k");

    private static Http2TransportOptions Options => new()
    {
        ClusterToken = Token,
        RetryBaseDelay = TimeSpan.FromMilliseconds(5),
        BreakerMinimumThroughput = 4,
        BreakerBreakDuration = TimeSpan.FromSeconds(30),
    };

    private static GrainCallRequest Request(bool idempotent, byte[]? args = null, DateTimeOffset? deadline = null) =>
        new(Grain, "ITestGrain", "Do", args ?? [1, 2, 3], idempotent, deadline);

    private static SiloAddress At(string endpoint) => new("peer", endpoint, 1);

    /// <summary>A handler that echoes the arguments reversed, counting calls, after an optional delay.</summary>
    private sealed class EchoHandler(TimeSpan delay = default) : IGrainCallHandler
    {
        public int Calls;

        public bool IsServing { get; set; } = true;

        public async Task<GrainCallResponse> HandleAsync(GrainCallRequest request, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref Calls);
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, cancellationToken);
            }

            return request.Method == "Throw"
                ? GrainCallResponse.Error(new InvalidOperationException("grain said no"))
                : GrainCallResponse.Ok([.. request.Args.Reverse()]);
        }
    }

    private static Task<TestServer> StartSiloServerAsync(IGrainCallHandler handler) =>
        TestServer.StartAsync(app =>
        {
            app.UseClusterToken(new ClusterToken(Token));
            app.MapGrainCalls(() => handler);
        });

    /// <summary>A peer that fails with <paramref name="status"/> for its first <paramref name="failures"/> calls.</summary>
    private static Task<TestServer> StartFlakyServerAsync(int failures, HttpStatusCode status, StrongBox<int> hits) =>
        TestServer.StartAsync(app => app.MapPost(GrainCallEndpoints.CallPath, (HttpContext _) =>
            Interlocked.Increment(ref hits.Value) <= failures
                ? Results.StatusCode((int)status)
                : Results.Bytes(GrainMessageCodec.EncodeResponse(GrainCallResponse.Ok([42])))));

    [Fact]
    public async Task A_call_round_trips_over_http2_with_binary_payloads_and_grain_errors_come_back_as_responses()
    {
        var handler = new EchoHandler();
        await using var server = await StartSiloServerAsync(handler);
        using var transport = new Http2GrainTransport(Options);
        var payload = Enumerable.Range(0, 100_000).Select(i => (byte)i).ToArray();

        var response = await transport.SendAsync(At(server.Endpoint), Request(false, payload));

        Assert.Equal(GrainCallStatus.Ok, response.Status);
        Assert.Equal(payload.Reverse(), response.Result);
        var error = await transport.SendAsync(At(server.Endpoint), Request(false) with { Method = "Throw" });
        Assert.Equal(GrainCallStatus.Exception, error.Status);
        Assert.Equal(typeof(InvalidOperationException).FullName, error.ErrorType);
        Assert.Equal("grain said no", error.ErrorMessage);
        Assert.True(await transport.ProbeAsync(At(server.Endpoint), TimeSpan.FromSeconds(5)));
        handler.IsServing = false;
        Assert.False(await transport.ProbeAsync(At(server.Endpoint), TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Every_endpoint_refuses_a_request_without_the_token_or_with_a_wrong_one()
    {
        var handler = new EchoHandler();
        await using var server = await StartSiloServerAsync(handler);
        using var http = new HttpClient();
        var body = GrainMessageCodec.EncodeRequest(Request(false));

        foreach (var authorization in new[] { null, "Bearer wrong-token-wrong-token", "Bearer " + Token + "x", Token, "Basic " + Token })
        {
            foreach (var (method, path) in new[] { (HttpMethod.Post, GrainCallEndpoints.CallPath), (HttpMethod.Get, GrainCallEndpoints.HealthPath), (HttpMethod.Get, GrainCallEndpoints.ReadyPath) })
            {
                using var message = new HttpRequestMessage(method, server.Endpoint + path) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
                if (method == HttpMethod.Post)
                {
                    message.Content = new ByteArrayContent(body);
                }

                if (authorization is not null)
                {
                    message.Headers.TryAddWithoutValidation("Authorization", authorization);
                }

                using var response = await http.SendAsync(message);
                Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            }
        }

        Assert.Equal(0, handler.Calls);
        using var authorized = new HttpRequestMessage(HttpMethod.Get, server.Endpoint + GrainCallEndpoints.HealthPath) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        authorized.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(authorized)).StatusCode);

        using var wrongClient = new Http2GrainTransport(Options with { ClusterToken = "another-cluster-token-xyz" });
        var refused = await Assert.ThrowsAsync<GrainTransportException>(() => wrongClient.SendAsync(At(server.Endpoint), Request(true)));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(0, handler.Calls);
    }

    [Fact]
    public async Task An_idempotent_call_is_retried_after_a_transient_failure_a_non_idempotent_one_is_not()
    {
        var hits = new StrongBox<int>();
        await using var server = await StartFlakyServerAsync(failures: 2, HttpStatusCode.InternalServerError, hits);
        using var transport = new Http2GrainTransport(Options);

        var failed = await Assert.ThrowsAsync<GrainTransportException>(() => transport.SendAsync(At(server.Endpoint), Request(idempotent: false)));
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Equal(1, hits.Value);

        var response = await transport.SendAsync(At(server.Endpoint), Request(idempotent: true));
        Assert.Equal([42], response.Result);
        Assert.Equal(3, hits.Value); // one more failure, then the success
    }

    [Fact]
    public async Task The_breaker_opens_after_repeated_failures_and_then_rejects_without_calling_the_silo()
    {
        var hits = new StrongBox<int>();
        await using var server = await StartFlakyServerAsync(failures: int.MaxValue, HttpStatusCode.InternalServerError, hits);
        using var transport = new Http2GrainTransport(Options);

        for (var i = 0; i < Options.BreakerMinimumThroughput; i++)
        {
            await Assert.ThrowsAsync<GrainTransportException>(() => transport.SendAsync(At(server.Endpoint), Request(false)));
        }

        var sent = hits.Value;
        var open = await Assert.ThrowsAsync<SiloUnavailableException>(() => transport.SendAsync(At(server.Endpoint), Request(true)));
        Assert.Contains("circuit breaker", open.Message);
        Assert.Equal(sent, hits.Value);

        // The breaker is per silo: another peer is unaffected.
        var handler = new EchoHandler();
        await using var healthy = await StartSiloServerAsync(handler);
        Assert.Equal(GrainCallStatus.Ok, (await transport.SendAsync(At(healthy.Endpoint), Request(false))).Status);
    }

    [Fact]
    public async Task A_refused_connection_is_silo_unavailable_and_a_slow_silo_times_out_at_the_deadline()
    {
        using var transport = new Http2GrainTransport(Options);
        int freePort;
        using (var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            freePort = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        await Assert.ThrowsAsync<SiloUnavailableException>(() => transport.SendAsync(At($"http://127.0.0.1:{freePort}"), Request(false)));
        Assert.False(await transport.ProbeAsync(At($"http://127.0.0.1:{freePort}"), TimeSpan.FromSeconds(1)));

        var slow = new EchoHandler(TimeSpan.FromSeconds(10));
        await using var server = await StartSiloServerAsync(slow);
        var started = DateTimeOffset.UtcNow;
        await Assert.ThrowsAsync<GrainCallTimeoutException>(() =>
            transport.SendAsync(At(server.Endpoint), Request(false, deadline: started.AddMilliseconds(300))));
        Assert.InRange(DateTimeOffset.UtcNow - started, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
    }
}
