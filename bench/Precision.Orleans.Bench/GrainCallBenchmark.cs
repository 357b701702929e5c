using System.Diagnostics;
using Precision.Orleans.Abstractions.Grains;
using Precision.Orleans.Runtime.Activation;
using Precision.Orleans.Runtime.Hosting;

namespace Precision.Orleans.Bench;

public interface IPingGrain : IGrainWithStringKey
{
    Task Ping();
}

public sealed class PingGrain : Grain, IPingGrain
{
    public Task Ping() => Task.CompletedTask;
}

/// <summary>
/// Cost of the grain layer on the loopback transport: an empty grain call between two silos of one process (full
/// path: proxy, codec, directory lookup, loopback message encode/decode, activation turn) against its peer, a direct
/// call of the same method on a plain object. The HTTP/2 cross-silo figures come from the network transport's
/// benchmark. Options: --calls N (sequential calls timed one by one, default 20000), --concurrency N (default 64).
/// </summary>
internal static class GrainCallBenchmark
{
    public static async Task<int> RunAsync(BenchArgs options)
    {
        var calls = options.Int("--calls", 20_000);
        var concurrency = options.Int("--concurrency", 64);
        var cluster = new InProcessCluster();
        await using var host = cluster.NewSilo("host").AddGrain<PingGrain>().Build();
        await host.StartAsync();
        // A client hosts nothing: every call crosses the loopback transport to "host".
        await using var client = cluster.NewClient();
        await client.ConnectAsync();

        var grain = client.GetGrain<IPingGrain>("p");
        IPingGrain direct = new DirectPing();
        var grainLatency = await LatenciesAsync(grain, calls);
        var directNanos = await DirectNanosAsync(direct, calls);
        var grainRate = await ThroughputAsync(i => client.GetGrain<IPingGrain>("p" + (i % concurrency)), concurrency, calls);
        var sameGrainRate = await ThroughputAsync(_ => grain, concurrency, calls);

        Console.WriteLine($"grain-call (loopback transport, client → silo, {calls} sequential empty calls, concurrency {concurrency})");
        Console.WriteLine($"  grain call   p50 {Micros(grainLatency, 0.50),8:F1} µs   p99 {Micros(grainLatency, 0.99),8:F1} µs");
        Console.WriteLine($"  direct call  mean {directNanos,7:F1} ns   (peer: the same awaited method on a plain object)");
        Console.WriteLine($"  throughput   {grainRate,10:N0} calls/s over {concurrency} grains, {sameGrainRate,10:N0} calls/s on one grain (turn-based)");
        Console.WriteLine($"  ratio grain p50 / direct mean: {Micros(grainLatency, 0.5) * 1000 / directNanos:F0}x");
        return 0;
    }

    private static async Task<double[]> LatenciesAsync(IPingGrain target, int calls)
    {
        for (var i = 0; i < Math.Min(calls, 2000); i++)
        {
            await target.Ping();
        }
        var ticks = new double[calls];
        for (var i = 0; i < calls; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            await target.Ping();
            ticks[i] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
        }
        Array.Sort(ticks);
        return ticks;
    }

    /// <summary>Mean of many direct calls: one is below the stopwatch's resolution.</summary>
    private static async Task<double> DirectNanosAsync(IPingGrain target, int calls)
    {
        var repeats = calls * 50;
        var t0 = Stopwatch.GetTimestamp();
        for (var i = 0; i < repeats; i++)
        {
            await target.Ping();
        }
        return Stopwatch.GetElapsedTime(t0).TotalNanoseconds / repeats;
    }

    private static async Task<double> ThroughputAsync(Func<int, IPingGrain> grainFor, int concurrency, int calls)
    {
        var perWorker = Math.Max(1, calls / concurrency);
        var t0 = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            var grain = grainFor(w);
            for (var i = 0; i < perWorker; i++)
            {
                await grain.Ping();
            }
        })));
        return perWorker * concurrency / Stopwatch.GetElapsedTime(t0).TotalSeconds;
    }

    private static double Micros(double[] sorted, double quantile) => sorted[(int)Math.Min(sorted.Length - 1, quantile * sorted.Length)];

    private sealed class DirectPing : IPingGrain
    {
        public Task Ping() => Task.CompletedTask;
    }
}
