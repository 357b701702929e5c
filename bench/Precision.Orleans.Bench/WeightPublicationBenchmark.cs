using System.Diagnostics;
using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Bench.Cluster;
using Precision.Orleans.Grains.Placement;

namespace Precision.Orleans.Bench;

/// <summary>
/// <c>weight-publish</c>: a learner grain publishes the ~10M-parameter model's weights (version 0 of a fresh run) and
/// 1, 4 and 16 receivers on two other silos fetch it through the real path (each silo's weight cache pulls it from
/// the learner once in chunks and shares it); delivered MB/s = weight bytes × receivers ÷ time until all have it.
/// Three Orleans silos in this process over loopback TCP.
/// </summary>
internal static class WeightPublicationBenchmark
{
    private const int Repetitions = 5;

    /// <summary>The GC's RetainVM setting as the runtime read it (runtimeconfig or DOTNET_GCRetainVM).</summary>
    public static string GCRetainVm() => GC.GetConfigurationVariables().TryGetValue("RetainVM", out var v) ? $"{v}" : "?";

    public static async Task<int> RunAsync(BenchArgs options)
    {
        using var policy = new BenchPolicy(fullVocabulary: true);
        await using var cluster = new BenchCluster(Path.Combine(policy.Root, "runs"));
        await cluster.StartSiloAsync("learner", [SiloRoles.Learner]);
        await cluster.StartSiloAsync("rollout-b", [SiloRoles.Rollout]);
        await cluster.StartSiloAsync("rollout-c", [SiloRoles.Rollout]);
        double mb = policy.ParameterBytes / 1e6;
        Console.WriteLine($"weight-publish: {mb:0.0} MB of FP32 weights ({policy.ParameterBytes / 4:N0} parameters) from the learner's silo to receivers on two other silos " +
            $"(Orleans 10.4.2, three silos in one process over loopback TCP, {new Precision.Orleans.Grains.RlGrainOptions().WeightChunkBytes >> 20} MiB chunks); {Environment.ProcessorCount} cores");
        Console.WriteLine($"GC RetainVM {GCRetainVm()}; {Repetitions} repetitions per row, each a fresh run (medians); load average before: {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine($"{"receivers",10}{"seconds",10}{"delivered MB/s",16}{"min s",9}{"max s",9}");
        foreach (int receivers in new[] { 1, 4, 16 })
        {
            var times = new List<double>();
            for (int r = 0; r < Repetitions; r++)
            {
                string runId = $"weights-{receivers}-{r}";
                // A fresh run: its learner loads the model and publishes version 0 (then waits for rollout workers, which never come).
                await cluster.Client.GetGrain<IRunGrain>(runId).Submit(policy.Spec(iterations: 1, prompts: 1, groupSize: 2, maxNewTokens: 4));
                var learner = cluster.Client.GetGrain<ILearnerGrain>(runId);
                while ((await learner.GetVersion()).Version < 0) await Task.Delay(20);
                var clock = Stopwatch.StartNew();
                var sizes = await Task.WhenAll(Enumerable.Range(0, receivers).Select(i =>
                    cluster.Client.GetGrain<IWeightReceiverGrain>($"{(i % 2 == 0 ? "rollout-b" : "rollout-c")}/r{r}-{i}").Receive(runId, 0)));
                times.Add(clock.Elapsed.TotalSeconds);
                if (sizes.Any(s => s != policy.ParameterBytes)) throw new InvalidOperationException($"a receiver got {sizes.First(s => s != policy.ParameterBytes)} bytes, expected {policy.ParameterBytes}");
                await cluster.Client.GetGrain<IRunGrain>(runId).Cancel();
            }
            times.Sort();
            double seconds = times[times.Count / 2];
            Console.WriteLine($"{receivers,10}{seconds,10:0.000}{mb * receivers / seconds,16:0}{times[0],9:0.000}{times[^1],9:0.000}");
        }
        Console.WriteLine($"load average after: {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine("target: ≥ 500 MB/s delivered on loopback");
        return 0;
    }
}
