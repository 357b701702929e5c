using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Bench.Cluster;
using Precision.Orleans.Grains.Placement;
using Precision.Orleans.RL.Spec;
using Precision.Orleans.RL.Training;

namespace Precision.Orleans.Bench;

/// <summary>
/// <c>rollout-cluster</c>: rollout tokens/s of the same RL run (the ~10M-parameter bench model, B prompts × G, fp16)
/// embedded (`precision train`: one batch of B·G on the local rollout engine) and distributed (a learner silo and
/// one rollout silo with one slot, Orleans in this process: B prompt-group calls of G each), as Σ response tokens ÷
/// Σ rollout seconds over the steps.
/// </summary>
internal static class RolloutClusterBenchmark
{
    public static async Task<int> RunAsync(BenchArgs options)
    {
        int steps = options.Int("--steps", 3), prompts = options.Int("--prompts", 8), group = options.Int("--group", 8), tokens = options.Int("--tokens", 48);
        using var policy = new BenchPolicy(fullVocabulary: false);
        string yaml = policy.Spec(steps, prompts, group, tokens);
        var embedded = new List<IterationMetrics>();
        new RlTrainer(RunSpecLoader.Parse(yaml, "bench spec"), Path.Combine(policy.Root, "embedded")).Run(new Collect(embedded));

        await using var cluster = new BenchCluster(Path.Combine(policy.Root, "runs"));
        await cluster.StartSiloAsync("learner", [SiloRoles.Learner]);
        await cluster.StartSiloAsync("rollout-a", [SiloRoles.Rollout], rolloutSlots: 1);
        var run = cluster.Client.GetGrain<IRunGrain>("bench");
        await run.Submit(yaml);
        RunStatus status;
        while ((status = await run.GetStatus()).State is RunState.Submitted or RunState.Running) await Task.Delay(100);
        if (status.State != RunState.Completed) throw new InvalidOperationException($"the distributed run ended {status.State}: {status.Error}");
        var records = await run.GetMetrics(0);

        double embeddedRate = embedded.Sum(r => (double)r.ResponseTokens) / embedded.Sum(r => r.RolloutSeconds);
        double clusterRate = records.Sum(r => (double)r.ResponseTokens) / records.Sum(r => r.RolloutSeconds);
        Console.WriteLine($"rollout-cluster: {steps} steps of {prompts} prompts × {group} rollouts, ≤ {tokens} new tokens, fp16, {policy.ParameterBytes / 4:N0}-parameter model; " +
            $"{Environment.ProcessorCount} cores");
        Console.WriteLine($"embedded (one batch of {prompts * group})           {embeddedRate,10:0} tokens/s  ({embedded.Sum(r => r.ResponseTokens)} tokens)");
        Console.WriteLine($"learner silo + one rollout silo ({prompts} calls of {group}, coalesced){clusterRate,10:0} tokens/s  ({records.Sum(r => r.ResponseTokens)} tokens)");
        Console.WriteLine($"ratio distributed / embedded: {clusterRate / embeddedRate:0.00}× (target ≥ 0.9×)");
        return 0;
    }

    private sealed class Collect(List<IterationMetrics> rows) : IProgress<IterationMetrics>
    {
        public void Report(IterationMetrics value) => rows.Add(value);
    }
}
