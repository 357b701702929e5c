using Microsoft.Extensions.Logging.Abstractions;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Abstractions.Grains.Distributed;
using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Training;
using Precision.Orleans.Grains.Distributed;
using Precision.Orleans.Grains.Placement;
using Xunit;

namespace Precision.Orleans.Grains.Tests.Distributed;

/// <summary>
/// A <c>parallel</c> run on the cluster whose algorithm needs π_θ' (grpo: the clipped ratio against the policy before the
/// iteration's first step; two optimizer steps per rollout batch): the old-log-prob pass runs on the gradient worker
/// grains, each over its consecutive share of the learner's micro-batches, and the rows (π-vs-μ mismatch, loss, grad
/// norms, routing mismatch) and final weights equal the embedded single learner's, whose engine ran the pass itself.
/// </summary>
public sealed class ShardedOldLogProbsOnGrainsTests
{
    /// <remarks>
    /// The qwen3_moe case (bf16 rollouts, fp16 training, a router of near ties): π's routing comes from the workers' pass
    /// over the wire, so the routing mismatch is non-zero and the embedded learner's only if it came back for the right rows.
    /// </remarks>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_old_log_prob_pass_runs_on_the_gradient_worker_grains_and_the_run_equals_the_embedded_single_learner(bool moe)
    {
        using var run = new TinyRlRun();
        if (moe) run.UseNearTiedMoeModel();
        string single = run.Yaml(iterations: 3, algorithm: "grpo");
        if (moe) single = single.Replace("rollout: fp16", "rollout: bf16", StringComparison.Ordinal);
        var embedded = EmbeddedReference.Run(single, Path.Combine(run.Root, "embedded"));
        Assert.All(embedded, r => Assert.True(r.OldLogProbSeconds > 0, $"step {r.Step}: the embedded learner ran no old-log-prob pass"));
        if (moe) Assert.Contains(embedded, r => r.RoutingMismatch > 0);
        string runId = moe ? "old-logp-moe" : "old-logp";
        const int workers = 2;
        await using var cluster = new RlCluster(Path.Combine(run.Root, "runs"));
        await cluster.StartSiloAsync("learner-a", SiloRoles.Learner);
        await cluster.StartSiloAsync("learner-b", SiloRoles.Learner);
        await cluster.StartSiloAsync("rollout-a", SiloRoles.Rollout, rolloutSlots: 1);
        await cluster.Client.GetGrain<IRunGrain>(runId).Submit(single + $"\nparallel:\n  gradient_workers: {workers}\n  shards: 3\n");
        var status = await cluster.WaitAsync(runId, s => s.State is RunState.Completed or RunState.Failed, TimeSpan.FromSeconds(120));
        Assert.True(status.State == RunState.Completed, $"run ended {status.State}: {status.Error}");
        var records = await cluster.Client.GetGrain<IRunGrain>(runId).GetMetrics(0);
        SameMetrics.Assert(embedded, records, SameMetrics.FinalWeightsHash(Path.Combine(run.Root, "embedded")));
        if (moe) Assert.All(records, r => Assert.NotNull(r.RoutingMismatch));

        // The worker grains computed the pass: TinyRlRun's 16 sequences in micro-batches of 4 are 4 micro-batches per
        // iteration, 2 for each worker (its consecutive share), over 3 iterations.
        var counts = await Task.WhenAll(Enumerable.Range(0, workers).Select(w =>
            cluster.Client.GetGrain<IGradientWorkerGrain>(ShardKeys.Worker(runId, w)).GetLogProbMicroBatches()));
        Assert.Equal([6L, 6L], counts);
    }

    /// <summary>
    /// The coordinator's pass on two worker grains over five micro-batches of ragged rows: worker 0 takes micro-batches
    /// 0–2 and worker 1 takes 3–4 (the step's shares); every row's response log-probs are the one-process engine's over
    /// the same padded chunk, bit for bit, at version 0 and again after a step (version 1, fetched anew). The pass's fetch
    /// is the step's: the step at the version the workers just loaded fetches nothing.
    /// </summary>
    [Fact]
    public async Task The_coordinators_old_log_prob_pass_splits_the_step_shares_and_equals_the_one_process_engine_bit_for_bit()
    {
        var cluster = await LearnerSilos.StartAsync(2);
        try
        {
            var config = new ModelConfig
            {
                ModelType = "qwen2", VocabSize = 17, HiddenSize = 16, IntermediateSize = 24, NumHiddenLayers = 2,
                NumAttentionHeads = 4, NumKeyValueHeads = 2, TieWordEmbeddings = false,
            };
            var options = new TrainingOptions { ComputeDType = DType.Fp16, Optimizer = new AdamWOptions { LearningRate = 1e-2f } };
            var reference = new TrainingEngine(config, options, seed: 21);
            var coordinator = await ShardedLearnerCoordinator.StartAsync(cluster.Client, "old-logp-coordinator", new TrainingEngine(config, options, seed: 21),
                2, 3, NullLogger.Instance);
            var rng = new Random(8);
            var chunks = Enumerable.Range(0, 5).Select(i =>
            {
                var seqs = Enumerable.Range(0, rng.Next(1, 4)).Select(_ => Enumerable.Range(0, rng.Next(4, 10)).Select(_ => rng.Next(1, 17)).ToArray()).ToArray();
                return new LogProbMicroBatch(i, seqs, [.. seqs.Select(s => rng.Next(1, s.Length))]);
            }).ToArray();

            for (int version = 0; version < 2; version++)
            {
                var reports = await coordinator.OldLogProbsAsync(chunks);
                Assert.Equal([0, 1], reports.Select(r => r.Worker));
                Assert.Equal([[0, 1, 2], [3, 4]], reports.Select(r => r.MicroBatches.Select(o => o.Index).ToArray()));
                Assert.All(reports, r => Assert.Equal(version, r.Version));
                foreach (var o in reports.SelectMany(r => r.MicroBatches))
                {
                    var chunk = chunks[o.Index];
                    var batch = TokenBatch.FromSequences(chunk.Sequences, chunk.PromptLengths);
                    var expected = reference.ComputeLogProbs(batch);
                    Assert.Equal(chunk.Sequences.Length, o.ResponseLogProbs.Length);
                    for (int r = 0; r < chunk.Sequences.Length; r++)
                        Assert.Equal(expected.AsSpan(r * batch.SeqLen + chunk.PromptLengths[r], chunk.Sequences[r].Length - chunk.PromptLengths[r]).ToArray()
                            .Select(BitConverter.SingleToUInt32Bits), o.ResponseLogProbs[r].Select(BitConverter.SingleToUInt32Bits));
                    Assert.Null(o.Routing); // a dense model
                }

                // One step at the version the pass loaded: no worker fetches it again.
                var step = chunks.Select(c => new LanguageModelMicroBatch(c.Index, c.Sequences, c.PromptLengths, 40f)).ToArray();
                foreach (var b in step) LanguageModelLoss.ForwardBackward(reference, TokenBatch.FromSequences(b.Sequences, b.TargetStart), b.Normalizer);
                reference.OptimizerStep();
                var (decision, workers) = await coordinator.StepAsync(version, step, options.Optimizer.MaxGradNorm, options.Optimizer.LearningRate);
                Assert.True(decision.Apply);
                Assert.All(workers, w => Assert.Equal(0, w.FetchSeconds));
            }
        }
        finally
        {
            await LearnerSilos.StopAsync(cluster);
        }
    }
}
