using System.Diagnostics;
using Precision.Orleans.Bench.Cluster;
using Precision.Orleans.Grains.Placement;

namespace Precision.Orleans.Bench;

/// <summary>
/// <c>grain-call</c>: an empty grain call from a grain on silo A to a grain on silo B (two Orleans silos in this
/// process, loopback TCP), p50/p99 latency and calls/s sequentially and with 64 concurrent callers, printed beside the
/// stand-in runtime's grain-call-http2 figures measured before its removal (bench/results/2026-12-04-…-old-runtime-…).
/// </summary>
internal static class OrleansGrainCallBenchmark
{
    // The old runtime's "grain call over HTTP/2, in-memory directory" row of bench/results/2026-12-04-grain-call-http2-old-runtime-2core-shared.txt.
    private const double OldP50 = 259, OldP99 = 3849, OldSequential = 2841, OldConcurrent = 14479;

    public static async Task<int> RunAsync(BenchArgs options)
    {
        int sequential = options.Int("--calls", 3000), concurrentEach = options.Int("--calls-each", 1000);
        await using var cluster = new BenchCluster(Path.Combine(Path.GetTempPath(), "precision-bench-runs"));
        await cluster.StartSiloAsync("silo-a", [SiloRoles.Learner]);
        await cluster.StartSiloAsync("silo-b", [SiloRoles.Rollout]);
        var caller = cluster.Client.GetGrain<ICallerGrain>("silo-a/caller");
        await caller.Call("silo-b/ping", 8, 200); // warm-up: activations, connections, JIT
        await caller.Fan("silo-b/ping", 64, 200); // warm-up of the 64 caller activations
        var seq = await caller.Call("silo-b/ping", 1, sequential);
        // 64 callers as in the old runtime's run: 64 caller grains on silo A, one call loop each. (64 loops inside one
        // caller activation measured the caller's single turn queue — every continuation runs on it — not the call path.)
        var loops = await caller.Call("silo-b/ping", 64, concurrentEach);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var par = await caller.Fan("silo-b/ping", 64, concurrentEach);
        double cpuPerCall = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / par.Micros.Length;
        double p50 = Percentile(seq.Micros, 0.50), p99 = Percentile(seq.Micros, 0.99);
        double seqRate = seq.Micros.Length / seq.WallSeconds, parRate = par.Micros.Length / par.WallSeconds, loopRate = loops.Micros.Length / loops.WallSeconds;
        Console.WriteLine($"grain-call: empty call grain(silo-a) → grain(silo-b), Orleans 10.4.2, two silos in one process over loopback TCP; " +
            $"{sequential} sequential + 64 caller grains × {concurrentEach}; {Environment.ProcessorCount} cores");
        Console.WriteLine($"{"path",-46}{"p50 µs",10}{"p99 µs",10}{"seq calls/s",13}{"x64 calls/s",13}");
        Console.WriteLine($"{"Orleans cross-silo call",-46}{p50,10:0}{p99,10:0}{seqRate,13:0}{parRate,13:0}");
        Console.WriteLine($"{"  x64 as 64 loops in one caller activation",-46}{"",10}{"",10}{"",13}{loopRate,13:0}");
        Console.WriteLine($"{"old runtime over HTTP/2 (saved, 2026-12-04)",-46}{OldP50,10:0}{OldP99,10:0}{OldSequential,13:0}{OldConcurrent,13:0}");
        Console.WriteLine($"ratio Orleans / old runtime: p50 {p50 / OldP50:0.00}×, p99 {p99 / OldP99:0.00}×, sequential throughput {seqRate / OldSequential:0.00}×, " +
            $"x64 throughput {parRate / OldConcurrent:0.00}× (targets: p50 below, x64 ≥ 10×)");
        // Both silos and the callers share this process, so its CPU time per call is the whole cost of one cross-silo call
        // (caller side + callee side + both sockets); the cores divided by it bound calls/s whatever the concurrency.
        Console.WriteLine($"x64 CPU per call (both silos, this process): {cpuPerCall:0.0} µs → ceiling {Environment.ProcessorCount * 1e6 / cpuPerCall:0} calls/s on " +
            $"{Environment.ProcessorCount} cores; 10× the old runtime needs {10 * OldConcurrent:0} calls/s, i.e. ≤ {Environment.ProcessorCount * 1e6 / (10 * OldConcurrent):0.0} µs per call");
        return 0;
    }

    private static double Percentile(double[] values, double q)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
    }
}
