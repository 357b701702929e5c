using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Precision.Orleans.Abstractions.Grains;
using Precision.Orleans.Runtime.Activation;
using Precision.Orleans.Runtime.Clustering.Postgres;
using Precision.Orleans.Runtime.Directory;
using Precision.Orleans.Runtime.Hosting;
using Precision.Orleans.Runtime.Membership;
using Precision.Orleans.Runtime.Messaging;
using Precision.Orleans.Runtime.Placement;
using Precision.Orleans.Runtime.Transport.Http2;

namespace Precision.Orleans.Bench;

public interface IEmptyGrain : IGrainWithStringKey
{
    Task PingAsync();
}

[PlacementRole("callee")]
public sealed class EmptyGrain : Grain, IEmptyGrain
{
    public Task PingAsync() => Task.CompletedTask;
}

/// <summary>
/// The cost of the grain layer: an empty grain call from a cluster client to a silo over HTTP/2 (Kestrel h2c on
/// loopback, cluster token, Polly pipeline, GrainCodec, directory lookup, turn-based activation), sequential and
/// with 64 concurrent callers. Peers measured in the same run: (1) a raw HTTP/2 POST of the same request bytes to
/// a Kestrel endpoint answering fixed bytes (the network path without the grain layer); (2) the same grain call
/// over the in-process loopback transport (the grain layer without the network). With --postgres the directory
/// and membership are PostgreSQL (the caller's location cache spares the per-call directory query); otherwise
/// in memory.
/// </summary>
internal static class Http2GrainCallBenchmark
{
    private const string Token = "bench-cluster-token-0123456789";
    private const int Concurrency = 64;

    private const int Rounds = 5;

    public static async Task<int> RunAsync(BenchArgs args)
    {
        var calls = args.Int("--calls", 3000);
        var postgres = args.Get("--postgres") ?? Environment.GetEnvironmentVariable("PRECISION_TEST_PG");
        Console.WriteLine($"grain-call-http2: empty call; per path {calls} sequential + {calls * 4} by {Concurrency} concurrent callers, " +
                          $"in {Rounds} interleaved rounds (paths alternate, so machine noise hits all alike); " +
                          $"{Environment.ProcessorCount} cores; one process (client, silo and peers)");

        await using var server = await StartKestrelAsync();
        await using var stack = new Stack();
        var raw = new RawHttp2Peer(server.Endpoint);
        var paths = new List<Path> { new("raw HTTP/2 POST (no grain layer)", raw.SendAsync) };
        paths.Add(new("grain call over HTTP/2, in-memory directory", await stack.Http2ClientAsync(null)));
        if (postgres is not null)
        {
            paths.Add(new("grain call over HTTP/2, PostgreSQL directory", await stack.Http2ClientAsync(postgres)));
        }

        paths.Add(new("grain call over loopback (no network)", await stack.LoopbackClientAsync()));

        foreach (var path in paths)
        {
            for (var i = 0; i < Math.Min(500, calls); i++)
            {
                await path.Call(i % Concurrency); // JIT, connections, the 64 activations
            }
        }

        for (var round = 0; round < Rounds; round++)
        {
            foreach (var path in paths)
            {
                await path.MeasureRoundAsync(calls / Rounds);
            }
        }

        Console.WriteLine($"{"path",-46} {"p50 µs",9} {"p99 µs",9} {"seq calls/s",12} {"x64 calls/s",12}");
        foreach (var path in paths)
        {
            Console.WriteLine($"{path.Name,-46} {path.P50,9:F0} {path.P99,9:F0} {path.SequentialRate,12:F0} {path.ConcurrentRate,12:F0}");
        }

        Console.WriteLine($"grain calls served by each silo's Kestrel endpoint: {string.Join(", ", stack.Servers.Select(s => s.GrainCalls))} (sanity: every HTTP/2 row crossed the network)");
        var peer = paths[0];
        foreach (var path in paths.Skip(1).Where(p => !p.Name.Contains("loopback", StringComparison.Ordinal)))
        {
            Console.WriteLine($"ratio {path.Name.Trim()} / raw HTTP/2: p50 {path.P50 / peer.P50:F2}×, " +
                              $"sequential throughput {path.SequentialRate / peer.SequentialRate:F2}×, x64 throughput {path.ConcurrentRate / peer.ConcurrentRate:F2}×");
        }

        if (postgres is null)
        {
            Console.WriteLine("(no PostgreSQL rows: pass --postgres or set PRECISION_TEST_PG, as bench/run.sh does)");
        }

        return 0;
    }

    /// <summary>One measured path: latencies pooled over rounds, rates as the median of the rounds.</summary>
    private sealed class Path(string name, Func<int, Task> call)
    {
        private readonly List<double> _latencies = [];
        private readonly List<double> _sequentialRates = [];
        private readonly List<double> _concurrentRates = [];

        public string Name { get; } = name;

        public Func<int, Task> Call { get; } = call;

        public double P50 => Percentile(0.50);

        public double P99 => Percentile(0.99);

        public double SequentialRate => Median(_sequentialRates);

        public double ConcurrentRate => Median(_concurrentRates);

        public async Task MeasureRoundAsync(int calls)
        {
            var total = Stopwatch.StartNew();
            for (var i = 0; i < calls; i++)
            {
                var t0 = Stopwatch.GetTimestamp();
                await Call(0);
                _latencies.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
            }

            _sequentialRates.Add(calls / total.Elapsed.TotalSeconds);
            var perCaller = Math.Max(1, calls * 4 / Concurrency);
            total.Restart();
            await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(async caller =>
            {
                for (var i = 0; i < perCaller; i++)
                {
                    await Call(caller);
                }
            }));
            _concurrentRates.Add(perCaller * Concurrency / total.Elapsed.TotalSeconds);
        }

        private double Percentile(double q)
        {
            var sorted = _latencies.Order().ToArray();
            return sorted[(int)Math.Min(sorted.Length - 1, Math.Floor(q * sorted.Length))];
        }

        private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
    }

    /// <summary>The silos and clients of the measured paths, stopped at the end.</summary>
    private sealed class Stack : IAsyncDisposable
    {
        private readonly List<Func<ValueTask>> _cleanup = [];

        public List<BenchServer> Servers { get; } = [];

        /// <summary>A silo behind its own Kestrel server (its own cluster) and a client calling it over HTTP/2.</summary>
        public async Task<Func<int, Task>> Http2ClientAsync(string? postgres)
        {
            IMembershipTable membership;
            IGrainDirectory directory;
            if (postgres is not null)
            {
                var pg = await PostgresClustering.ConnectAsync(new PostgresClusteringOptions
                {
                    ConnectionString = postgres,
                    ClusterId = "bench-" + Guid.NewGuid().ToString("N")[..8],
                });
                _cleanup.Add(pg.DisposeAsync);
                membership = pg.Membership;
                directory = pg.Directory;
            }
            else
            {
                var memory = new InMemoryMembershipTable();
                (membership, directory) = (memory, new InMemoryGrainDirectory(memory));
            }

            var server = await StartKestrelAsync();
            Servers.Add(server);
            var transport = new Http2GrainTransport(new Http2TransportOptions { ClusterToken = Token });
            var endpoint = server.Endpoint;
            var silo = new SiloBuilder()
                .UseSiloId("callee")
                .AddRoles("callee")
                .Configure(o => o with { Endpoint = endpoint })
                .UseClustering(membership, directory)
                .UseTransport(transport)
                .AddGrain<EmptyGrain>()
                .Build();
            server.Handler = silo;
            await silo.StartAsync();
            var client = new ClusterClient(membership, directory, transport, new ClusterClientOptions { GrainClasses = [typeof(EmptyGrain)] });
            await client.ConnectAsync();
            _cleanup.Add(async () =>
            {
                await client.DisposeAsync();
                await silo.StopAsync();
                await silo.DisposeAsync();
                transport.Dispose();
                await server.DisposeAsync();
            });
            return PingOne(client);
        }

        public async Task<Func<int, Task>> LoopbackClientAsync()
        {
            var cluster = new InProcessCluster();
            var silo = cluster.NewSilo("callee", "callee").AddGrain<EmptyGrain>().Build();
            await silo.StartAsync();
            var client = cluster.NewClient(new ClusterClientOptions { GrainClasses = [typeof(EmptyGrain)] });
            await client.ConnectAsync();
            _cleanup.Add(async () =>
            {
                await client.DisposeAsync();
                await silo.StopAsync();
            });
            return PingOne(client);
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var cleanup in Enumerable.Reverse(_cleanup)) // silos stop before their database goes
            {
                await cleanup();
            }
        }
    }

    // Each concurrent caller has its own grain: one grain serves one call at a time (turn-based), so 64 callers on
    // one grain would measure queueing, not the layer.
    private static Func<int, Task> PingOne(ClusterClient client)
    {
        var grains = Enumerable.Range(0, Concurrency).Select(i => client.GetGrain<IEmptyGrain>($"g{i}")).ToArray();
        return caller => grains[caller].PingAsync();
    }


    /// <summary>Kestrel h2c on a free loopback port: /grain-call for one silo, /raw for the peer.</summary>
    private sealed class BenchServer(WebApplication app, string endpoint) : IAsyncDisposable
    {
        private int _grainCalls;

        public string Endpoint { get; } = endpoint;

        public IGrainCallHandler? Handler { get; set; }

        public int GrainCalls => Volatile.Read(ref _grainCalls);

        public void CountGrainCall() => Interlocked.Increment(ref _grainCalls);

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private static async Task<BenchServer> StartKestrelAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        BenchServer? server = null;
        var answer = GrainMessageCodec.EncodeResponse(GrainCallResponse.Ok([]));
        app.UseClusterToken(new ClusterToken(Token));
        app.Use((context, next) =>
        {
            if (context.Request.Path == GrainCallEndpoints.CallPath)
            {
                server!.CountGrainCall();
            }

            return next(context);
        });
        app.MapGrainCalls(() => server!.Handler);
        app.MapPost("/raw", async (HttpContext context) =>
        {
            await context.Request.Body.CopyToAsync(Stream.Null);
            context.Response.ContentLength = answer.Length;
            await context.Response.Body.WriteAsync(answer);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server = new BenchServer(app, address);
        return server;
    }

    /// <summary>The same bytes a grain call puts on the wire, without proxy, codec, directory, Polly or activation.</summary>
    private sealed class RawHttp2Peer(string endpoint)
    {
        private readonly HttpClient _client = new(new SocketsHttpHandler { EnableMultipleHttp2Connections = true });
        private readonly Uri _uri = new(endpoint + "/raw");
        private readonly byte[] _body = GrainMessageCodec.EncodeRequest(new GrainCallRequest(
            GrainId.For(typeof(IEmptyGrain), "g0"), typeof(IEmptyGrain).FullName!, "PingAsync", [], false, DateTimeOffset.UtcNow));

        public async Task SendAsync(int caller)
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, _uri)
            {
                Content = new ByteArrayContent(_body),
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            };
            message.Headers.Authorization = new("Bearer", Token);
            using var response = await _client.SendAsync(message);
            response.EnsureSuccessStatusCode();
            await response.Content.ReadAsByteArrayAsync();
        }
    }
}
