using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Serialization;
using Precision.Orleans.Abstractions.Grains.Distributed;
using Precision.Orleans.Bench.Cluster;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Text;
using Precision.Orleans.Engine.Training;
using Precision.Orleans.Grains.Distributed;
using Precision.Orleans.Grains.Placement;
using Precision.Orleans.RL.Checkpoints;
using Precision.Orleans.RL.Training;

namespace Precision.Orleans.Bench;

/// <summary>
/// <c>sharded-step</c>: the distributed learner on two learner-role silos in this process (Orleans over loopback TCP),
/// with a ~4M-parameter model in fp16, over 4 micro-batches of 2×64 tokens, for N ∈ {1, 2, 4} gradient workers ×
/// S ∈ {1, 3} shards (placed by <see cref="LearnerSpreadPlacement"/>: index mod 2 over the two silos):
/// <list type="bullet">
/// <item>the optimizer step (median of 6 after a warm-up step): its time, the slowest worker's fetch of the version,
/// the consensus round (<see cref="ShardedLearnerCoordinator.LastConsensusSeconds"/>) split into BeginStep, Reduce and
/// Apply (which includes each shard's durable log write) by call filters, and the bytes moved per step;</item>
/// <item>the old-log-prob pass on the workers (<see cref="ShardedLearnerCoordinator.OldLogProbsAsync"/>) against the
/// learner's own one-process pass (<see cref="OldLogProbPass.Run(TrainingEngine, int[][], int[])"/>) at the same
/// weights and batch, with the serialized bytes out and back;</item>
/// <item>for S = 1 and 3 (4 workers): the sharded checkpoint (<see cref="CheckpointStore.SaveShardedAsync"/> with the
/// shards writing their slices) against the full checkpoint the learner would write (<see cref="CheckpointStore.Save"/>)
/// of the same model, and what the learner no longer pulls (the shards' AdamW moments).</item>
/// </list>
/// Every configuration runs twice and only the second pass is printed (JIT tiering, first activations).
/// <c>--report PREFIX</c> also writes PREFIX.html (tables and charts) and PREFIX-step.svg / PREFIX-consensus.svg;
/// <c>--redis CONFIG</c> keeps grain state (the shard logs) in Redis instead of memory.
/// </summary>
internal static class ShardedStepBenchmark
{
    private const int Steps = 6;
    private const int PromptTokens = 16;
    private const int Repeats = 3;

    public static async Task<int> RunAsync(BenchArgs options)
    {
        var started = Stopwatch.StartNew();
        string loadBefore = File.ReadAllText("/proc/loadavg").Trim();
        var config = new ModelConfig
        {
            ModelType = "qwen2", VocabSize = 2048, HiddenSize = 256, IntermediateSize = 704, NumHiddenLayers = 4,
            NumAttentionHeads = 4, NumKeyValueHeads = 2, TieWordEmbeddings = false,
        };
        var training = new TrainingOptions { ComputeDType = Abstractions.DType.Fp16, Optimizer = new AdamWOptions { LearningRate = 1e-4f } };
        long parameters = new ParameterLayout(config).TotalCount;
        string root = Path.Combine(Path.GetTempPath(), $"bench-sharded-{Environment.ProcessId}");
        await using var cluster = new BenchCluster(Path.Combine(root, "runs"), redis: options.Get("--redis"), timeShardCalls: true);
        await cluster.StartSiloAsync("learner-a", [SiloRoles.Learner]);
        await cluster.StartSiloAsync("learner-b", [SiloRoles.Learner]);
        var serializer = cluster.Client.ServiceProvider.GetRequiredService<Serializer>();
        var micro = MicroBatches(config.VocabSize, count: 4, rows: 2, length: 64);
        var passBatches = micro.Select(b => new LogProbMicroBatch(b.Index, b.Sequences, [.. b.Sequences.Select(_ => PromptTokens)])).ToArray();
        // The learner's own engine: the peer of the workers' old-log-prob pass and the writer of the full checkpoint.
        var learnerEngine = new TrainingEngine(config, training, seed: 1);
        var tokenizer = new CharTokenizer("abcdefghijklmnopqrstuvwxyz0123456789 +-*/=.");
        string header = $"sharded-step: {parameters:N0} parameters ({parameters * 4 / 1e6:0.0} MB FP32), fp16, 4 micro-batches of 2×64 tokens; " +
            $"two learner-role silos in one process (Orleans 10.4.2, loopback TCP), grain storage: {cluster.StorageName}; {Environment.ProcessorCount} cores, " +
            "shared with other jobs";
        Console.WriteLine(header);
        Console.WriteLine($"load average before: {loadBefore}");

        (int Workers, int Shards)[] configurations = [(1, 1), (2, 1), (4, 1), (1, 3), (2, 3), (4, 3)];
        var rows = new List<Row>();
        foreach (var (workers, shards, print) in configurations.Select(c => (c.Workers, c.Shards, false)).Concat(configurations.Select(c => (c.Workers, c.Shards, true))))
        {
            var learner = await ShardedLearnerCoordinator.StartAsync(cluster.Client, $"bench-{workers}-{shards}-{Guid.NewGuid():N}", new TrainingEngine(config, training, seed: 1),
                workers, shards, NullLogger.Instance);
            var step = new List<double>();
            var fetch = new List<double>();
            var consensus = new List<double>();
            var begin = new List<double>();
            var reduce = new List<double>();
            var apply = new List<double>();
            var logWrite = new List<double>();
            int skipped = 0;
            for (int s = 0; s <= Steps; s++)
            {
                ShardCallTimer.Clear();
                var clock = Stopwatch.StartNew();
                var (decision, reports) = await learner.StepAsync(s, micro, 1f, 1e-4f);
                double seconds = clock.Elapsed.TotalSeconds;
                if (s == 0) continue;   // warm-up (JIT, first activations)
                if (!decision.Apply) skipped++;
                step.Add(seconds);
                fetch.Add(reports.Max(r => r.FetchSeconds));
                consensus.Add(learner.LastConsensusSeconds * 1000);
                begin.Add(ShardCallTimer.Phase("BeginStep"));
                reduce.Add(ShardCallTimer.Phase("Reduce"));
                apply.Add(ShardCallTimer.Phase("Apply"));
                logWrite.Add(ShardCallTimer.Count(ShardCallTimer.StorageWrite) == shards ? ShardCallTimer.Longest(ShardCallTimer.StorageWrite) : double.NaN);
            }
            var pass = await MeasurePassAsync(learner, learnerEngine, passBatches, serializer);
            var checkpoint = print && workers == 4 ? await MeasureCheckpointAsync(cluster, learner, learnerEngine, tokenizer, root, parameters) : null;
            // Per step: every micro-batch's whole gradient to the shards, every worker fetches the new version, the shards'
            // norms come back (tensor count × 4 bytes, negligible).
            double moved = (micro.Length + workers) * parameters * 4.0 / 1e6;
            if (print)
                rows.Add(new Row(workers, shards, Median(step), Median(fetch), Median(consensus), Median(begin), Median(reduce), Median(apply),
                    Median(logWrite), moved, skipped, pass, checkpoint));
        }
        string loadAfter = File.ReadAllText("/proc/loadavg").Trim();
        PrintTables(rows, cluster.StorageName);
        Console.WriteLine($"load average after: {loadAfter}; the bench took {started.Elapsed.TotalSeconds:0} s");
        if (options.Get("--report") is { } prefix)
        {
            var files = ShardedStepReport.Write(prefix, header, rows, cluster.StorageName, loadBefore, loadAfter);
            Console.WriteLine($"report: {string.Join(", ", files)}");
        }
        Directory.Delete(root, recursive: true);
        return 0;
    }

    /// <summary>
    /// The old-log-prob pass at the version the shards hold: the first pass (the workers fetch the version first, as
    /// an iteration's pass does after the previous iteration's last step), then the median of <see cref="Repeats"/>
    /// passes at the held version; the learner's one-process pass at the same weights (fetched from the shards) in
    /// the same run, and whether the workers' log-probs equal its bits.
    /// </summary>
    private static async Task<PassFigures> MeasurePassAsync(ShardedLearnerCoordinator learner, TrainingEngine learnerEngine,
        LogProbMicroBatch[] batches, Serializer serializer)
    {
        var clock = Stopwatch.StartNew();
        var first = await learner.OldLogProbsAsync(batches);
        double firstSeconds = clock.Elapsed.TotalSeconds;
        double firstFetch = first.Max(r => r.FetchSeconds);
        var held = new List<double>();
        LogProbReport[] reports = first;
        for (int r = 0; r < Repeats; r++)
        {
            clock.Restart();
            reports = await learner.OldLogProbsAsync(batches);
            held.Add(clock.Elapsed.TotalSeconds);
            if (reports.Any(x => x.FetchSeconds != 0)) throw new InvalidOperationException("a worker fetched a version it should already hold");
        }
        learnerEngine.LoadTrainedWeights(await learner.FetchWeightsAsync());
        var local = new OldLogProbPass[batches.Length];
        var learnerTimes = new List<double>();
        for (int r = 0; r <= Repeats; r++)
        {
            clock.Restart();
            for (int b = 0; b < batches.Length; b++) local[b] = OldLogProbPass.Run(learnerEngine, batches[b].Sequences, batches[b].PromptLengths);
            if (r > 0) learnerTimes.Add(clock.Elapsed.TotalSeconds);   // the first is a warm-up
        }
        bool sameBits = reports.SelectMany(x => x.MicroBatches).All(o =>
            o.ResponseLogProbs.Length == local[o.Index].ResponseLogProbs.Length
            && o.ResponseLogProbs.Zip(local[o.Index].ResponseLogProbs).All(p => p.First.AsSpan().SequenceEqual(p.Second)));
        // What crosses the wire: the sequences and prompt lengths out (serialized micro-batches), the response log-probs back
        // (serialized reports); Orleans' message headers are not counted.
        long outBytes = batches.Sum(b => (long)serializer.SerializeToArray(b).Length);
        long backBytes = reports.Sum(x => (long)serializer.SerializeToArray(x).Length);
        return new PassFigures(Median(held), firstSeconds, firstFetch, Median(learnerTimes), outBytes, backBytes, sameBits);
    }

    /// <summary>
    /// The sharded checkpoint the learner grain writes (<see cref="CheckpointStore.SaveShardedAsync"/>: the shards write
    /// their slices in parallel, the learner the small files and manifests) against the full one it would write
    /// (<see cref="CheckpointStore.Save"/>: weights, both AdamW moments, the same small files) at the same model size,
    /// each the median of <see cref="Repeats"/> saves; and the moments the learner used to pull from the shards first.
    /// </summary>
    private static async Task<CheckpointFigures> MeasureCheckpointAsync(BenchCluster cluster, ShardedLearnerCoordinator learner,
        TrainingEngine learnerEngine, CharTokenizer tokenizer, string root, long parameters)
    {
        var sharded = new CheckpointStore(Path.Combine(root, $"sharded-{learner.RunId}"));
        var full = new CheckpointStore(Path.Combine(root, $"full-{learner.RunId}"));
        var shardedTimes = new List<double>();
        var fullTimes = new List<double>();
        var pullTimes = new List<double>();
        var shards = Enumerable.Range(0, learner.Layout.Shards.Count).Select(i => cluster.Client.GetGrain<IParameterShardGrain>(ShardKeys.Shard(learner.RunId, i))).ToArray();
        var clock = Stopwatch.StartNew();
        for (int r = 1; r <= Repeats; r++)
        {
            var state = new TrainerState { Step = r, OptimizerStepCount = Steps + 1, LossScale = learner.Scale.Scale, WeightVersion = learner.Version };
            clock.Restart();
            await sharded.SaveShardedAsync(learnerEngine, tokenizer, state, keep: 1, directory => learner.WriteSlicesAsync(directory, r));
            shardedTimes.Add(clock.Elapsed.TotalSeconds);
            clock.Restart();
            full.Save(learnerEngine, tokenizer, state, keep: 1);
            fullTimes.Add(clock.Elapsed.TotalSeconds);
            clock.Restart();
            var moments = await Task.WhenAll(shards.Select(s => s.GetMoments()));
            pullTimes.Add(clock.Elapsed.TotalSeconds);
            if (moments.Sum(m => (long)m.M.Length + m.V.Length) != 2 * parameters) throw new InvalidOperationException("the shards' moments do not cover the model");
        }
        var shardedFiles = new DirectoryInfo(sharded.List()[^1].Path).GetFiles();
        long shardBytes = shardedFiles.Where(f => f.Name.StartsWith("shard-", StringComparison.Ordinal)).Sum(f => f.Length);
        long learnerBytes = shardedFiles.Sum(f => f.Length) - shardBytes;
        long fullBytes = new DirectoryInfo(full.List()[^1].Path).GetFiles().Sum(f => f.Length);
        return new CheckpointFigures(Median(shardedTimes), Median(fullTimes), shardBytes, learnerBytes, fullBytes, Median(pullTimes), 8 * parameters);
    }

    private static void PrintTables(List<Row> rows, string storage)
    {
        Console.WriteLine();
        Console.WriteLine("optimizer step (median of 6 steps after a warm-up):");
        Console.WriteLine($"{"workers",8}{"shards",7}{"step s",9}{"fetch s",9}{"consensus ms",14}{"begin",8}{"reduce",8}{"apply",8}{"log write",11}{"decide+rest",13}{"MB moved/step",15}{"skipped",9}");
        foreach (var r in rows)
            Console.WriteLine($"{r.Workers,8}{r.Shards,7}{r.StepSeconds,9:0.000}{r.FetchSeconds,9:0.000}{r.ConsensusMs,14:0.0}{r.BeginMs,8:0.0}{r.ReduceMs,8:0.0}" +
                $"{r.ApplyMs,8:0.0}{(double.IsNaN(r.LogWriteMs) ? "n/a" : r.LogWriteMs.ToString("0.0")),11}{r.DecideMs,13:0.0}{r.MovedMB,15:0.0}{r.SkippedSteps,9}");
        var one = rows.First(r => r.Workers == 1 && r.Shards == 1);
        Console.WriteLine("step time vs 1 worker × 1 shard in this run: " + string.Join(", ", rows.Skip(1).Select(r => $"{r.Workers}×{r.Shards} {r.StepSeconds / one.StepSeconds:0.00}×")));
        Console.WriteLine($"consensus ms = BeginStep on every shard + (after the workers) Reduce + decision + Apply, as the coordinator times it; begin / reduce / apply = wall ms of " +
            "each phase's parallel shard calls (call filter on the client); log write = the longest of the shards' durable log writes inside Apply (each shard answers Apply after its own write; timed around the storage provider; " +
            (storage == "memory" ? "memory grain storage: a call to one of Orleans' memory storage grains, on either silo" : "Redis grain storage: a round trip to redis-server on loopback") +
            "); decide+rest = consensus − begin − reduce − apply (the decision, the version hash, scheduling).");
        Console.WriteLine("fetch s = slowest worker's parallel chunked fetch of the new version; MB moved/step = (micro-batches + workers) × 4 B × parameters " +
            "(each micro-batch's gradient to the shards, each worker's fetch); skipped = measured steps the fp16 consensus skipped (overflow); the silos share this machine's cores with each other and with other jobs.");
        Console.WriteLine();
        Console.WriteLine("old-log-prob pass (π_θ', no grad) over the same 4 micro-batches (16 prompt + 48 response tokens per row), at the shards' version:");
        Console.WriteLine($"{"workers",8}{"shards",7}{"pass s",9}{"learner s",11}{"ratio",8}{"first pass s",14}{"its fetch s",13}{"KB out",9}{"KB back",9}{"same bits",11}");
        foreach (var r in rows)
        {
            var p = r.Pass;
            Console.WriteLine($"{r.Workers,8}{r.Shards,7}{p.Seconds,9:0.000}{p.LearnerSeconds,11:0.000}{p.Seconds / p.LearnerSeconds,7:0.00}×{p.FirstSeconds,14:0.000}" +
                $"{p.FirstFetchSeconds,13:0.000}{p.OutBytes / 1e3,9:0.0}{p.BackBytes / 1e3,9:0.0}{(p.SameBits ? "yes" : "NO"),11}");
        }
        Console.WriteLine("pass s = median of 3 passes on the workers at a version they hold; learner s = the learner's one-process pass (OldLogProbPass.Run, 4 micro-batches) at the " +
            "same weights, same run; ratio = pass s / learner s; first pass s = the first pass after a step (the workers fetch the new version first, as an iteration's pass does); " +
            "KB out / back = Orleans-serialized micro-batches (tokens, prompt lengths) out and worker reports (response log-probs) back, message headers not counted; " +
            "same bits = the workers' log-probs equal the learner's bit for bit.");
        Console.WriteLine();
        Console.WriteLine("checkpoint of the same model (4 workers; median of 3 saves to local disk, page cache):");
        Console.WriteLine($"{"shards",7}{"sharded s",11}{"full s",9}{"ratio",8}{"MB by shards",14}{"KB by learner",15}{"MB full",9}{"moments pull s",16}{"pull+full s",13}{"MB not pulled",15}");
        foreach (var r in rows.Where(r => r.Checkpoint is not null))
        {
            var c = r.Checkpoint!;
            Console.WriteLine($"{r.Shards,7}{c.ShardedSeconds,11:0.000}{c.FullSeconds,9:0.000}{c.ShardedSeconds / c.FullSeconds,7:0.00}×{c.ShardBytes / 1e6,14:0.0}" +
                $"{c.LearnerBytes / 1e3,15:0.0}{c.FullBytes / 1e6,9:0.0}{c.MomentsPullSeconds,16:0.000}{c.MomentsPullSeconds + c.FullSeconds,13:0.000}{c.MomentsBytes / 1e6,15:0.0}");
        }
        Console.WriteLine("sharded = CheckpointStore.SaveShardedAsync: the shards write their slices (master, exp_avg, exp_avg_sq) in parallel on their silos, the learner config, " +
            "tokenizer, trainer state and the manifests; full = CheckpointStore.Save by the learner (weights, both moments, the same small files) of the same model size; " +
            "moments pull = what the learner no longer does before a checkpoint: GetMoments from every shard (8 B × parameters); pull+full = the path the sharded checkpoint replaced.");
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

    internal sealed record Row(int Workers, int Shards, double StepSeconds, double FetchSeconds, double ConsensusMs, double BeginMs, double ReduceMs,
        double ApplyMs, double LogWriteMs, double MovedMB, int SkippedSteps, PassFigures Pass, CheckpointFigures? Checkpoint)
    {
        public double DecideMs => ConsensusMs - BeginMs - ReduceMs - ApplyMs;
    }

    internal sealed record PassFigures(double Seconds, double FirstSeconds, double FirstFetchSeconds, double LearnerSeconds, long OutBytes, long BackBytes, bool SameBits);

    internal sealed record CheckpointFigures(double ShardedSeconds, double FullSeconds, long ShardBytes, long LearnerBytes, long FullBytes,
        double MomentsPullSeconds, long MomentsBytes);
}
