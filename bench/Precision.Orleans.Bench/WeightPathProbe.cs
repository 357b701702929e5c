using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Bench.Cluster;
using Precision.Orleans.Grains.Placement;

namespace Precision.Orleans.Bench;

/// <summary>
/// <c>weight-probe</c>: where one receiver's weight fetch spends its time. Per repetition a fresh run publishes version 0;
/// then, in the same cluster and in turn: the real path (receiver → its silo's cache → learner chunks), the chunks alone
/// from the learner with 8 and 1 in flight, and from 4 chunk-server activations on the learner's silo. The whole set
/// runs with 1 and with 4 Orleans connections per silo pair. Medians; plus in-process costs of copy, hash and the
/// Orleans byte[] codec.
/// </summary>
internal static class WeightPathProbe
{
    public static async Task<int> RunAsync(BenchArgs options, int repetitions = 7)
    {
        using var policy = new BenchPolicy(fullVocabulary: true);
        double mb = policy.ParameterBytes / 1e6;
        Console.WriteLine($"weight-probe: {mb:0.0} MB, one receiver, 1 MiB chunks, 8 in flight unless said, {repetitions} repetitions (medians); GC RetainVM {WeightPublicationBenchmark.GCRetainVm()}; load average before: {File.ReadAllText("/proc/loadavg").Trim()}");
        foreach (int connections in Environment.GetEnvironmentVariable("PROBE_CONNECTIONS") is { } c ? c.Split(',').Select(int.Parse) : new[] { 1, 4 })
        {
            await using var cluster = new BenchCluster(Path.Combine(policy.Root, $"runs-{connections}"), connections);
            await cluster.StartSiloAsync("learner", [SiloRoles.Learner]);
            await cluster.StartSiloAsync("rollout-b", [SiloRoles.Rollout]);
            var rows = new Dictionary<string, List<double>>();
            void Add(string name, double v) => (rows.TryGetValue(name, out var l) ? l : rows[name] = []).Add(v);
            for (int r = 0; r < repetitions + 1; r++)
            {
                string runId = $"probe-{connections}-{r}";
                await cluster.Client.GetGrain<IRunGrain>(runId).Submit(policy.Spec(iterations: 1, prompts: 1, groupSize: 2, maxNewTokens: 4));
                var learner = cluster.Client.GetGrain<ILearnerGrain>(runId);
                while ((await learner.GetVersion()).Version < 0) await Task.Delay(20);
                var probe = cluster.Client.GetGrain<IWeightProbeGrain>("rollout-b/probe");
                // Optionally let the learner's loop settle after publishing (it goes on with the step meanwhile).
                if (int.TryParse(Environment.GetEnvironmentVariable("PROBE_SETTLE_MS"), out int settle)) await Task.Delay(settle);
                var pause0 = GC.GetTotalPauseDuration();
                int gen2 = GC.CollectionCount(2), gen0 = GC.CollectionCount(0);
                var clock = Stopwatch.StartNew();
                await cluster.Client.GetGrain<IWeightReceiverGrain>($"rollout-b/r{r}").Receive(runId, 0);
                double real = clock.Elapsed.TotalSeconds;
                double pause = (GC.GetTotalPauseDuration() - pause0).TotalSeconds;
                gen2 = GC.CollectionCount(2) - gen2; gen0 = GC.CollectionCount(0) - gen0;
                // The same bytes in turn: byte[] vs pooled chunks from one chunk-server activation, pooled from 4
                // activations, from the learner itself, and into a reused buffer (no fresh memory at the receiver).
                var bytes1 = await probe.Fetch(runId, 0, 8, 1, pooled: false);
                var pooled1 = await probe.Fetch(runId, 0, 8, 1);
                var pooled4 = await probe.Fetch(runId, 0, 8, 4);
                var learnerPooled = await probe.Fetch(runId, 0, 8, 0);
                var learnerPooled1 = await probe.Fetch(runId, 0, 1, 0);
                var reused = await probe.Fetch(runId, 0, 8, 1, reuseBuffer: true);
                await cluster.Client.GetGrain<IRunGrain>(runId).Cancel();
                if (r == 0) continue; // the first repetition warms up code paths and connections
                Add("real path (cache ← learner, pooled chunks)", real);
                Add("  GC pause during it", pause);
                Add("  gen0 GCs during it", gen0);
                Add("  gen2 GCs during it", gen2);
                Add("byte[] chunks, 1 server, new buffer", bytes1.Fetch);
                Add("  of which copying chunks into the buffer", bytes1.Copy);
                Add("pooled chunks, 1 server, new buffer", pooled1.Fetch);
                Add("  of which copying pooled chunks into it", pooled1.Copy);
                Add("pooled chunks, 4 servers, new buffer", pooled4.Fetch);
                Add("pooled chunks, learner, new buffer", learnerPooled.Fetch);
                Add("  XXH128 of the whole (after)", learnerPooled.Hash);
                Add("pooled chunks, learner, 1 in flight", learnerPooled1.Fetch);
                Add("pooled chunks, 1 server, reused buffer", reused.Fetch);
            }
            Console.WriteLine($"connections per endpoint: {connections}; load average: {File.ReadAllText("/proc/loadavg").Trim()}");
            Console.WriteLine($"{"",-46}{"median s",10}{"MB/s",8}{"min s",9}{"max s",9}");
            foreach (var (name, values) in rows)
            {
                values.Sort();
                double median = values[values.Count / 2];
                Console.WriteLine($"{name,-46}{median,10:0.0000}{(name.StartsWith("  ") ? "" : (mb / median).ToString("0")),8}{values[0],9:0.0000}{values[^1],9:0.0000}");
            }
            if (connections == 1) InProcess(cluster, policy.ParameterBytes);
        }
        return 0;
    }

    private static void InProcess(BenchCluster cluster, long bytes)
    {
        var serializer = cluster.Client.ServiceProvider.GetRequiredService<Serializer>();
        var payload = new byte[bytes];
        Random.Shared.NextBytes(payload);
        var chunk = new byte[1 << 20];
        double Best(Action a) { var best = double.MaxValue; for (int i = 0; i < 5; i++) { var t = Stopwatch.StartNew(); a(); best = Math.Min(best, t.Elapsed.TotalSeconds); } return best; }
        int chunks = (int)((bytes + chunk.Length - 1) / chunk.Length);
        double copy = Best(() => { var to = new byte[bytes]; payload.CopyTo(to, 0); });
        double hash = Best(() => System.IO.Hashing.XxHash128.Hash(payload));
        double ser = Best(() => { for (int i = 0; i < chunks; i++) serializer.SerializeToArray(chunk); });
        var wire = serializer.SerializeToArray(chunk);
        double de = Best(() => { for (int i = 0; i < chunks; i++) serializer.Deserialize<byte[]>(wire); });
        Console.WriteLine($"in process, 40 MB: new buffer + copy {copy:0.0000} s, XXH128 {hash:0.0000} s, Orleans byte[] codec ×{chunks} 1 MiB: serialize {ser:0.0000} s, deserialize {de:0.0000} s");
    }
}
