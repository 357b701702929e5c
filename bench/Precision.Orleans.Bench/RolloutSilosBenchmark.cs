using System.Diagnostics;
using System.Globalization;
using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Text;
using Precision.Orleans.Engine.Training;
using Precision.Orleans.Runtime.Clustering.Postgres;
using Precision.Orleans.Runtime.Hosting;
using Precision.Orleans.Runtime.Messaging;
using Precision.Orleans.Runtime.Transport.Http2;

namespace Precision.Orleans.Bench;

/// <summary>
/// Rollout tokens/s of a distributed RL run with ONE vs TWO rollout silo processes (PostgreSQL + a learner silo
/// process + rollout silo processes on loopback, the run submitted by this process as a cluster client). Rollout
/// throughput of a step = its response tokens / the wall time from dispatching its groups to the last scored group;
/// the first step (weight pulls, JIT) is left out. Both configurations run the same spec, so they sample the same
/// tokens — the ratio is pure rollout parallelism (bounded by the cores the machine has).
/// </summary>
internal static class RolloutSilosBenchmark
{
    private const string Token = "rollout-silos-bench-token-0123456";

    public static async Task<int> RunAsync(BenchArgs options)
    {
        string pg = Environment.GetEnvironmentVariable("PRECISION_TEST_PG") ?? throw new InvalidOperationException("PRECISION_TEST_PG is not set (bench/run.sh starts a throwaway PostgreSQL)");
        int steps = options.Int("--steps", 5);
        string root = Path.Combine(Path.GetTempPath(), "rollout-silos-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            string yaml = WriteModelAndSpec(root, steps, options.Int("--hidden", 64), options.Int("--prompts", 8));
            var one = await MeasureAsync(pg, root, yaml, rolloutSilos: 1);
            var two = await MeasureAsync(pg, root, yaml, rolloutSilos: 2);
            Console.WriteLine($"rollout-silos: {Environment.ProcessorCount} cores, {steps} steps (first left out), one rollout slot per silo process");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  one rollout silo : {one.TokensPerSecond,9:0} rollout tokens/s ({one.Tokens} tokens in {one.Seconds:0.00} s)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  two rollout silos: {two.TokensPerSecond,9:0} rollout tokens/s ({two.Tokens} tokens in {two.Seconds:0.00} s)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  ratio two/one    : {two.TokensPerSecond / one.TokensPerSecond:0.00}x"));
            if (one.Tokens != two.Tokens) Console.WriteLine($"  WARNING: the two runs sampled different token counts ({one.Tokens} vs {two.Tokens})");
            return 0;
        }
        finally
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private sealed record Throughput(long Tokens, double Seconds)
    {
        public double TokensPerSecond => Tokens / Seconds;
    }

    private static async Task<Throughput> MeasureAsync(string pg, string root, string yaml, int rolloutSilos)
    {
        string clusterId = "bench-" + Guid.NewGuid().ToString("N")[..10];
        string[] common = ["--postgres", pg, "--cluster-token", Token, "--cluster-id", clusterId, "--listen", "127.0.0.1", "--port", "0",
            "--runs-root", Path.Combine(root, "runs-" + rolloutSilos)];
        var silos = new List<Process> { StartSilo([.. common, "--silo-id", "learner", "--roles", "learner"]) };
        for (int i = 0; i < rolloutSilos; i++) silos.Add(StartSilo([.. common, "--silo-id", $"rollout-{i}", "--roles", "cpu", "--rollout-slots", "1"]));
        try
        {
            await using var clustering = await PostgresClustering.ConnectAsync(new PostgresClusteringOptions { ConnectionString = pg, ClusterId = clusterId });
            using var transport = new Http2GrainTransport(new Http2TransportOptions { ClusterToken = Token });
            await using var client = new ClusterClient(clustering.Membership, clustering.Directory, transport,
                new ClusterClientOptions { Calls = new GrainCallOptions { ResponseTimeout = TimeSpan.FromSeconds(120) } });
            await client.ConnectAsync();
            // Wait until every rollout worker registered, so both configurations start with all their workers.
            var pool = client.GetGrain<IWorkerPoolGrain>(IWorkerPoolGrain.Key);
            var wait = Stopwatch.StartNew();
            while ((await pool.List()).Count < rolloutSilos)
            {
                if (wait.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException("rollout workers did not register within 60 s");
                await Task.Delay(100);
            }
            var run = client.GetGrain<IRunGrain>("bench");
            await run.Submit(yaml);
            while ((await run.GetStatus()) is { State: not (RunState.Completed or RunState.Failed) })
                await Task.Delay(200);
            var status = await run.GetStatus();
            if (status.State == RunState.Failed) throw new InvalidOperationException($"benchmark run failed: {status.Error}");
            var rows = (await run.GetMetrics(2)).ToList();
            return new Throughput(rows.Sum(r => r.ResponseTokens), rows.Sum(r => r.RolloutSeconds));
        }
        finally
        {
            foreach (var p in silos)
            {
                if (!p.HasExited) p.Kill();
                p.WaitForExit(10_000);
                p.Dispose();
            }
        }
    }

    private static Process StartSilo(string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Precision.Orleans.Silo.dll"));
        foreach (var a in arguments) info.ArgumentList.Add(a);
        var p = Process.Start(info) ?? throw new InvalidOperationException("could not start the silo host");
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line && line.Contains("fail", StringComparison.OrdinalIgnoreCase)) Console.Error.WriteLine(line); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    /// <summary>A random policy big enough for rollout to dominate a step, one-digit sums, fp16 rollouts.</summary>
    private static string WriteModelAndSpec(string root, int steps, int hidden, int prompts)
    {
        string model = Path.Combine(root, "model");
        var tokenizer = new CharTokenizer("0123456789+= ");
        var config = new ModelConfig
        {
            VocabSize = tokenizer.VocabSize,
            HiddenSize = hidden,
            IntermediateSize = hidden * 2,
            NumHiddenLayers = 2,
            NumAttentionHeads = 4,
            NumKeyValueHeads = 2,
            MaxPositionEmbeddings = 128,
            BosTokenId = CharTokenizer.BosId,
            EosTokenId = CharTokenizer.EosId,
        };
        var engine = new TrainingEngine(config, new TrainingOptions(), null, seed: 3);
        ModelCheckpoint.Save(model, config, engine.Layout, engine.MasterWeights);
        tokenizer.Save(model);
        string problems = Path.Combine(root, "problems.jsonl");
        File.WriteAllLines(problems, Enumerable.Range(0, 64).Select(i =>
            string.Create(CultureInfo.InvariantCulture, $"{{\"prompt\": \"{i % 7}+{i % 5}=\", \"answer\": \"{i % 7 + i % 5}\"}}")));
        return $"""
            name: rollout-silos-bench
            seed: 3
            model: {model}
            data:
              problems: {problems}
            precision:
              train: fp16
              rollout: fp16
            batch:
              prompts: {prompts}
              group_size: 8
              mini_batches: 1
              micro_batch_sequences: 64
            rollout:
              max_new_tokens: 48
            schedule:
              iterations: {steps}
              checkpoint_every: 0
            """;
    }
}
