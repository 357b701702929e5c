using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Precision.Orleans.Abstractions.Grains.Distributed;
using Precision.Orleans.Bench.Cluster;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Training;
using Precision.Orleans.Grains.Distributed;
using Precision.Orleans.Grains.Placement;

namespace Precision.Orleans.Bench;

/// <summary>
/// <c>sharded-step</c>: the distributed learner on two learner-role silos in this process (Orleans over loopback TCP): one
/// fp16 optimizer step of a ~4M-parameter model over 4 micro-batches with 1 vs 2 gradient workers (placed by the
/// learner-role director), the weight-version fetch of 4 workers from 1 vs 3 shards, the consensus round's cost, and
/// the bytes that cross the wire per step. Each figure is the median of the steps after a warm-up step, from a second
/// pass over all configurations.
/// </summary>
internal static class ShardedStepBenchmark
{
    private const int Steps = 6;

    public static async Task<int> RunAsync(BenchArgs options)
    {
        var config = new ModelConfig
        {
            ModelType = "qwen2", VocabSize = 2048, HiddenSize = 256, IntermediateSize = 704, NumHiddenLayers = 4,
            NumAttentionHeads = 4, NumKeyValueHeads = 2, TieWordEmbeddings = false,
        };
        var training = new TrainingOptions { ComputeDType = Abstractions.DType.Fp16, Optimizer = new AdamWOptions { LearningRate = 1e-4f } };
        long parameters = new ParameterLayout(config).TotalCount;
        await using var cluster = new BenchCluster(Path.Combine(Path.GetTempPath(), "bench-sharded"));
        await cluster.StartSiloAsync("learner-a", [SiloRoles.Learner]);
        await cluster.StartSiloAsync("learner-b", [SiloRoles.Learner]);
        var micro = MicroBatches(config.VocabSize, count: 4, rows: 2, length: 64);
        Console.WriteLine($"sharded-step: {parameters:N0} parameters ({parameters * 4 / 1e6:0.0} MB FP32), fp16, 4 micro-batches of 2×64 tokens; " +
            $"two learner-role silos in one process (Orleans 10.4.2, loopback TCP); {Environment.ProcessorCount} cores");
        Console.WriteLine($"{"workers",8}{"shards",8}{"step s",10}{"fetch s",10}{"consensus ms",14}{"MB moved/step",15}");
        // Every configuration runs twice and only the second pass is printed: JIT tiering and the silos' first activations
        // would otherwise be charged to whichever configuration comes first.
        (int, int)[] configurations = [(1, 1), (2, 1), (4, 1), (4, 3)];
        foreach (var (workers, shards, print) in configurations.Select(c => (c.Item1, c.Item2, false)).Concat(configurations.Select(c => (c.Item1, c.Item2, true))))
        {
            var learner = await ShardedLearnerCoordinator.StartAsync(cluster.Client, $"bench-{workers}-{shards}-{Guid.NewGuid():N}", new TrainingEngine(config, training, seed: 1),
                workers, shards, NullLogger.Instance);
            var stepSeconds = new List<double>();
            var fetchSeconds = new List<double>();
            var consensusMs = new List<double>();
            for (int step = 0; step <= Steps; step++)
            {
                var clock = Stopwatch.StartNew();
                var (_, reports) = await learner.StepAsync(step, micro, 1f, 1e-4f);
                if (step == 0) continue;   // warm-up (JIT, first activations)
                stepSeconds.Add(clock.Elapsed.TotalSeconds);
                fetchSeconds.Add(reports.Max(r => r.FetchSeconds));
                consensusMs.Add(learner.LastConsensusSeconds * 1000);
            }
            // Per step: every micro-batch's whole gradient to the shards, every worker fetches the new version, the shards'
            // norms come back (tensor count × 4 bytes, negligible).
            double moved = (micro.Length + workers) * parameters * 4.0 / 1e6;
            if (print) Console.WriteLine($"{workers,8}{shards,8}{Median(stepSeconds),10:0.000}{Median(fetchSeconds),10:0.000}{Median(consensusMs),14:0.0}{moved,15:0.0}");
        }
        Console.WriteLine("consensus ms = shards begin + reduce (overflow check, unscale, per-tensor norms) + decision + apply (clip, AdamW on the slices);");
        Console.WriteLine("fetch s = slowest worker's parallel chunked fetch of the new version; both silos share this machine's cores with each other (and with other jobs).");
        return 0;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private static LanguageModelMicroBatch[] MicroBatches(int vocab, int count, int rows, int length)
    {
        var rng = new Random(7);
        float total = count * rows * (length - 1);
        return [.. Enumerable.Range(0, count).Select(i => new LanguageModelMicroBatch(i,
            [.. Enumerable.Range(0, rows).Select(_ => Enumerable.Range(0, length).Select(_ => rng.Next(1, vocab)).ToArray())],
            [.. Enumerable.Range(0, rows).Select(_ => 1)], total))];
    }
}
