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
/// and membership are PostgreSQL (one directory lookup per call, as the runtime does today); otherwise in memory.
/// </summary>
internal static class GrainCallBenchmark
{
    private const string Token = "bench-cluster-token-0123456789";
    private const int Concurrency = 64;

    public static async Task<int> RunAsync(BenchArgs args)
    {
        var calls = args.Int("--calls", 3000);
        var postgres = args.Get("--postgres") ?? Environment.GetEnvironmentVariable("PRECISION_TEST_PG");
        Console.WriteLine($"grain-call: empty call, {calls} sequential + {calls * 4} by {Concurrency} concurrent callers per row; " +
                          $"{Environment.ProcessorCount} cores; one process (client, silo and peers)");
        Console.WriteLine($"{"path",-44} {"p50 µs",9} {"p99 µs",9} {"seq calls/s",12} {"x64 calls/s",12}");

        await using var server = await StartKestrelAsync();
        var raw = new RawHttp2Peer(server.Endpoint);
        var rawRow = await MeasureAsync("raw HTTP/2 POST (no grain layer)", calls, raw.SendAsync);
        Print(rawRow);

        var grainRows = new List<Row>();
        grainRows.Add(await MeasureHttp2GrainCallAsync(server, "grain call over HTTP/2, in-memory directory", null, calls));
        if (postgres is not null)
        {
            grainRows.Add(await MeasureHttp2GrainCallAsync(server, "grain call over HTTP/2, PostgreSQL directory", postgres, calls));
        }

        var loopRow = await MeasureLoopbackAsync(calls);
        Print(loopRow);
        foreach (var row in grainRows)
        {
            Console.WriteLine($"ratio {row.Name} / raw HTTP/2: p50 {row.P50 / rawRow.P50:F2}×, sequential throughput {row.SequentialRate / rawRow.SequentialRate:F2}×, x64 throughput {row.ConcurrentRate / rawRow.ConcurrentRate:F2}×");
        }

        if (postgres is null)
        {
            Console.WriteLine("(no PostgreSQL row: pass --postgres or set PRECISION_TEST_PG, as bench/run.sh does)");
        }

        return 0;
    }

    private sealed record Row(string Name, double P50, double P99, double SequentialRate, double ConcurrentRate);

    private static void Print(Row row) =>
        Console.WriteLine($"{row.Name,-44} {row.P50,9:F0} {row.P99,9:F0} {row.SequentialRate,12:F0} {row.ConcurrentRate,12:F0}");

    private static async Task<Row> MeasureHttp2GrainCallAsync(BenchServer server, string name, string? postgres, int calls)
    {
        PostgresClustering? pg = null;
        IMembershipTable membership;
        IGrainDirectory directory;
        if (postgres is not null)
        {
            pg = await PostgresClustering.ConnectAsync(new PostgresClusteringOptions
            {
                ConnectionString = postgres,
                ClusterId = "bench-" + Guid.NewGuid().ToString("N")[..8],
            });
            (membership, directory) = (pg.Membership, pg.Directory);
        }
        else
        {
            var memory = new InMemoryMembershipTable();
            (membership, directory) = (memory, new InMemoryGrainDirectory(memory));
        }

        try
        {
            using var transport = new Http2GrainTransport(new Http2TransportOptions { ClusterToken = Token });
            var silo = new SiloBuilder()
                .UseSiloId("callee")
                .AddRoles("callee")
                .Configure(o => o with { Endpoint = server.Endpoint })
                .UseClustering(membership, directory)
                .UseTransport(transport)
                .AddGrain<EmptyGrain>()
                .Build();
            server.Handler = silo;
            await silo.StartAsync();
            await using var client = new ClusterClient(membership, directory, transport, new ClusterClientOptions { GrainClasses = [typeof(EmptyGrain)] });
            await client.ConnectAsync();
            var row = await MeasureAsync(name, calls, PingOne(client));
            Print(row);
            await silo.StopAsync();
            await silo.DisposeAsync();
            return row;
        }
        finally
        {
            if (pg is not null)
            {
                await pg.DisposeAsync();
            }
        }
    }

    private static async Task<Row> MeasureLoopbackAsync(int calls)
    {
        var cluster = new InProcessCluster();
        var silo = cluster.NewSilo("callee", "callee").AddGrain<EmptyGrain>().Build();
        await silo.StartAsync();
        await using var client = cluster.NewClient(new ClusterClientOptions { GrainClasses = [typeof(EmptyGrain)] });
        await client.ConnectAsync();
        var row = await MeasureAsync("grain call over loopback (no network)", calls, PingOne(client));
        await silo.StopAsync();
        return row;
    }

    // Each concurrent caller has its own grain: one grain serves one call at a time (turn-based), so 64 callers on
    // one grain would measure queueing, not the layer.
    private static Func<int, Task> PingOne(ClusterClient client)
    {
        var grains = Enumerable.Range(0, Concurrency).Select(i => client.GetGrain<IEmptyGrain>($"g{i}")).ToArray();
        return caller => grains[caller].PingAsync();
    }

    private static async Task<Row> MeasureAsync(string name, int calls, Func<int, Task> call)
    {
        // Warm-up: JIT, connections, activations of all 64 grains.
        for (var i = 0; i < Math.Min(500, calls); i++)
        {
            await call(i % Concurrency);
        }

        var latencies = new double[calls];
        var total = Stopwatch.StartNew();
        for (var i = 0; i < calls; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            await call(0);
            latencies[i] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
        }

        var sequentialRate = calls / total.Elapsed.TotalSeconds;
        Array.Sort(latencies);

        var perCaller = calls * 4 / Concurrency;
        total.Restart();
        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(async caller =>
        {
            for (var i = 0; i < perCaller; i++)
            {
                await call(caller);
            }
        }));
        var concurrentRate = perCaller * Concurrency / total.Elapsed.TotalSeconds;
        return new Row(name, Percentile(latencies, 0.50), Percentile(latencies, 0.99), sequentialRate, concurrentRate);
    }

    private static double Percentile(double[] sorted, double q) => sorted[(int)Math.Min(sorted.Length - 1, Math.Floor(q * sorted.Length))];

    /// <summary>Kestrel h2c on a free loopback port: /grain-call for the silo under test and /raw for the peer.</summary>
    private sealed class BenchServer(WebApplication app, string endpoint) : IAsyncDisposable
    {
        public string Endpoint { get; } = endpoint;

        public IGrainCallHandler? Handler { get; set; }

        public WebApplication App { get; } = app;

        public async ValueTask DisposeAsync()
        {
            await App.StopAsync();
            await App.DisposeAsync();
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
