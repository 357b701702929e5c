using System.Diagnostics;
using Precision.Orleans.Bench.Cluster;
using Precision.Orleans.Grains.Placement;

namespace Precision.Orleans.Bench;

/// <summary>
/// <c>grain-call</c>: an empty grain call from a grain on silo A to a (reentrant) grain on silo B, two Orleans silos in
/// this process, p50/p99 latency and calls/s sequentially and with 64 concurrent callers (64 caller grains on silo A,
/// one call loop each). Measured twice: over real loopback TCP sockets, and over the TestingHost's in-memory
/// connection hub; printed beside the stand-in runtime's figures measured before its removal
/// (bench/results/2026-12-04-grain-call-http2-old-runtime-2core-shared.txt): its HTTP/2 row and its no-network row.
/// </summary>
internal static class OrleansGrainCallBenchmark
{
    // The old runtime's "grain call over HTTP/2, in-memory directory" and "grain call over loopback (no network)" rows.
    private static readonly Row OldHttp2 = new("old runtime over HTTP/2 (saved, 2026-12-04)", 259, 3849, 2841, 14479, double.NaN, double.NaN);
    private static readonly Row OldNoNetwork = new("old runtime, no network (saved, 2026-12-04)", 8, 12, 102025, 92970, double.NaN, double.NaN);

    private sealed record Row(string Path, double P50, double P99, double Sequential, double Concurrent, double LoopsInOne, double CpuMicrosPerCall);

    public static async Task<int> RunAsync(BenchArgs options)
    {
        int sequential = options.Int("--calls", 3000), concurrentEach = options.Int("--calls-each", 3000);
        string runs = Path.Combine(Path.GetTempPath(), "precision-bench-runs");
        Row tcp, memory;
        await using (var pair = await TcpSiloPair.StartAsync("silo-a", "silo-b", runs))
            tcp = await MeasureAsync("Orleans cross-silo call, loopback TCP", pair.Grains, sequential, concurrentEach);
        await using (var cluster = new BenchCluster(runs))
        {
            await cluster.StartSiloAsync("silo-a", [SiloRoles.Learner]);
            await cluster.StartSiloAsync("silo-b", [SiloRoles.Rollout]);
            memory = await MeasureAsync("Orleans cross-silo call, in-memory hub", cluster.Client, sequential, concurrentEach);
        }
        Console.WriteLine($"grain-call: empty call grain(silo-a) → reentrant grain(silo-b), Orleans 10.4.2, two silos in one process; " +
            $"{sequential} sequential + 64 caller grains × {concurrentEach}; {Environment.ProcessorCount} cores");
        Console.WriteLine($"{"path",-46}{"p50 µs",8}{"p99 µs",8}{"seq calls/s",13}{"x64 calls/s",13}{"x64 1-act",11}{"CPU µs/call",13}");
        foreach (var r in new[] { tcp, OldHttp2, memory, OldNoNetwork })
            Console.WriteLine($"{r.Path,-46}{r.P50,8:0}{r.P99,8:0}{r.Sequential,13:0}{r.Concurrent,13:0}{Blank(r.LoopsInOne, 11)}{Blank(r.CpuMicrosPerCall, 13)}");
        Console.WriteLine("(x64 1-act: the same 64 loops inside one caller activation, the earlier setup; CPU µs/call: this process's CPU time per x64 call, both silos)");
        Ratios("TCP / old HTTP/2", tcp, OldHttp2, " (targets: p50 below, x64 ≥ 10×)");
        Ratios("in-memory / old no-network", memory, OldNoNetwork, "");
        Console.WriteLine($"x64 target 10× the old HTTP/2 row = {10 * OldHttp2.Concurrent:0} calls/s = at most {Environment.ProcessorCount * 1e6 / (10 * OldHttp2.Concurrent):0.0} " +
            $"CPU µs per call on {Environment.ProcessorCount} cores; measured {tcp.CpuMicrosPerCall:0.0} (TCP) → ceiling {Environment.ProcessorCount * 1e6 / tcp.CpuMicrosPerCall:0} calls/s, " +
            $"{memory.CpuMicrosPerCall:0.0} (in-memory) → ceiling {Environment.ProcessorCount * 1e6 / memory.CpuMicrosPerCall:0} calls/s");
        return 0;
    }

    private static async Task<Row> MeasureAsync(string path, IGrainFactory grains, int sequential, int concurrentEach)
    {
        var caller = grains.GetGrain<ICallerGrain>("silo-a/caller");
        await caller.Call("silo-b/ping", 8, 200); // warm-up: activations, connections, JIT
        // Warm-up of the 64 caller activations and of the call path's code to its optimized tier: with only 200 calls
        // each, the measured 64×1000 calls still ran partly in tier-0 code and through its re-JIT (18.9 CPU µs per call
        // then vs ~10 µs in steady state on the same machine).
        await caller.Fan("silo-b/ping", 64, 1000);
        var seq = await caller.Call("silo-b/ping", 1, sequential);
        var loops = await caller.Call("silo-b/ping", 64, concurrentEach);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var par = await caller.Fan("silo-b/ping", 64, concurrentEach);
        double cpuPerCall = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / par.Micros.Length;
        return new Row(path, Percentile(seq.Micros, 0.50), Percentile(seq.Micros, 0.99), seq.Micros.Length / seq.WallSeconds,
            par.Micros.Length / par.WallSeconds, loops.Micros.Length / loops.WallSeconds, cpuPerCall);
    }

    private static void Ratios(string label, Row ours, Row old, string targets) =>
        Console.WriteLine($"ratio {label}: p50 {ours.P50 / old.P50:0.00}×, p99 {ours.P99 / old.P99:0.00}×, sequential throughput {ours.Sequential / old.Sequential:0.00}×, " +
            $"x64 throughput {ours.Concurrent / old.Concurrent:0.00}×{targets}");

    private static string Blank(double value, int width) => double.IsNaN(value) ? new string(' ', width) : value.ToString("0").PadLeft(width);

    private static double Percentile(double[] values, double q)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
    }
}
