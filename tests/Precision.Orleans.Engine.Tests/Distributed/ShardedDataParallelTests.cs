using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Distributed;
using Precision.Orleans.Engine.Lora;
using Precision.Orleans.Engine.Rollout;
using Precision.Orleans.Engine.Tests.Training;
using Precision.Orleans.Engine.Training;
using Xunit;

namespace Precision.Orleans.Engine.Tests.Distributed;

/// <summary>
/// The distributed learner's numerics against the one-process trainer: N data-parallel gradient workers and S
/// parameter shards, over the same micro-batches, give bit-identical weights, AdamW moments and loss scale.
/// </summary>
public class ShardedDataParallelTests
{
    private const int MicroBatches = 5;

    public static TheoryData<string, bool, int, int> Cases()
    {
        var data = new TheoryData<string, bool, int, int>();
        foreach (var dtype in new[] { "fp32", "fp16" })
            foreach (bool lora in new[] { false, true })
                foreach (int workers in new[] { 1, 2, 4 })
                    foreach (int shards in new[] { 1, 3 })
                        data.Add(dtype, lora, workers, shards);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Three_steps_with_N_workers_and_S_shards_are_bit_identical_to_one_process(string dtype, bool lora, int workers, int shards)
    {
        var options = Options(DTypeNames.Parse(dtype), lora);
        var reference = new TrainingEngine(TinyModels.Qwen2, options, seed: 11);
        var engines = Enumerable.Range(0, workers).Select(_ => new TrainingEngine(TinyModels.Qwen2, options, seed: 11)).ToArray();
        var learner = new LocalShardedLearner(new TrainingEngine(TinyModels.Qwen2, options, seed: 11), engines, shards);
        Assert.Equal(shards, learner.Shards.Count);
        Assert.Equal(WeightHashOf(reference), learner.WeightHash());

        for (int step = 0; step < 3; step++)
        {
            var batches = StepBatches(step);
            for (int mb = 0; mb < MicroBatches; mb++) ForwardBackward(reference, batches, mb);
            var expected = reference.OptimizerStep();
            var (decision, reports) = learner.Step(step, MicroBatches, (engine, mb) => ForwardBackward(engine, batches, mb),
                reference.Optimizer.Options.MaxGradNorm, reference.Optimizer.Options.LearningRate);

            Assert.Equal(expected.Applied, decision.Apply);
            Assert.Equal(expected.LossScale, decision.LossScale);
            Assert.Equal(expected.NextLossScale, decision.NextLossScale);
            if (expected.Applied) Assert.Equal(BitConverter.SingleToUInt32Bits(expected.GradNorm), BitConverter.SingleToUInt32Bits(decision.GradNorm));
            Assert.Equal(MicroBatches, reports.Sum(r => r.MicroBatches));
            Assert.Equal(batches.Sum(b => b.TargetMask.Count(m => m != 0)), reports.Sum(r => r.Tokens));
        }
        Assert.Equal(3, reference.Optimizer.StepCount);

        AssertBits(reference.TrainedWeights, learner.AssembleWeights(), "master weights");
        foreach (var s in learner.Shards)
        {
            AssertBits(reference.Optimizer.M.AsSpan((int)s.Range.Offset, (int)s.Range.Count), s.Optimizer.M, $"shard {s.Range.Index} first moment");
            AssertBits(reference.Optimizer.V.AsSpan((int)s.Range.Offset, (int)s.Range.Count), s.Optimizer.V, $"shard {s.Range.Index} second moment");
            Assert.Equal(reference.Optimizer.StepCount, s.Optimizer.StepCount);
        }
        Assert.Equal(reference.LossScaler.State, learner.Scale);
        // The workers compute gradients only: the AdamW moments live in the shards, never in a worker.
        Assert.All(engines, e => Assert.False(e.Optimizer.HoldsMoments));
        Assert.Equal(WeightHashOf(reference), learner.WeightHash());
    }

    [Fact]
    public void An_overflow_in_one_of_four_workers_makes_every_shard_skip_halves_the_scale_and_clean_steps_grow_it()
    {
        const int growthInterval = 2;
        var options = Options(DType.Fp16, lora: false) with
        {
            LossScaler = new LossScalerOptions { InitialScale = 1024f, GrowthInterval = growthInterval },
        };
        var engines = Enumerable.Range(0, 4).Select(_ => new TrainingEngine(TinyModels.Qwen2, options, seed: 5)).ToArray();
        var learner = new LocalShardedLearner(new TrainingEngine(TinyModels.Qwen2, options, seed: 5), engines, 3);
        // Test-only fault hook: worker 2's micro-batch gradient of step 0 overflows (as an fp16 backward past 65504 would).
        learner.Fault = (worker, mb, gradient) =>
        {
            if (worker == 2 && _faultStep == 0) gradient[gradient.Length / 2] = float.PositiveInfinity;
        };
        var before = learner.AssembleWeights();

        _faultStep = 0;
        var batches = StepBatches(0);
        var (skip, reports) = learner.Step(0, 4, (e, mb) => ForwardBackward(e, batches, mb), 1f, 1e-3f);
        Assert.False(skip.Apply);
        // The worker that overflowed, and the shard whose summed slice holds its inf (a shard is a holder too).
        var owner = learner.Shards.Single(s => s.Range.Offset <= before.Length / 2 && before.Length / 2 < s.Range.Offset + s.Range.Count);
        Assert.Equal(["worker-2", $"shard-{owner.Range.Index}"], skip.OverflowHolders);
        Assert.Equal([false, false, true, false], reports.Select(r => r.Overflow));
        Assert.Equal(512f, learner.Scale.Scale);
        AssertBits(before, learner.AssembleWeights(), "master weights after the skipped step");

        _faultStep = 1;
        for (int step = 1; step <= growthInterval; step++)
        {
            var b = StepBatches(step);
            var (decision, _) = learner.Step(step, 4, (e, mb) => ForwardBackward(e, b, mb), 1f, 1e-3f);
            Assert.True(decision.Apply, $"clean step {step} was skipped");
        }
        Assert.Equal(1024f, learner.Scale.Scale);

        // The shards' own logs: the same decision in every shard at every step, never a step one applied and another skipped.
        foreach (var shard in learner.Shards)
        {
            Assert.Equal([0L, 1L, 2L], shard.Log.Select(r => r.Step));
            Assert.Equal([false, true, true], shard.Log.Select(r => r.Applied));
            Assert.Equal([1024f, 512f, 512f], shard.Log.Select(r => r.LossScale));
            Assert.Equal([512f, 512f, 1024f], shard.Log.Select(r => r.NextLossScale));
            Assert.Equal($"worker-2,shard-{owner.Range.Index}", shard.Log[0].OverflowHolders);
            Assert.Equal(2, shard.Optimizer.StepCount);
        }
        Assert.NotEqual(before, learner.AssembleWeights());
    }

    private int _faultStep = -1;

    private static TrainingOptions Options(DType dtype, bool lora) => new()
    {
        ComputeDType = dtype,
        Optimizer = new AdamWOptions { LearningRate = 1e-2f, MaxGradNorm = 0.5f },
        Lora = lora ? new LoraConfig { Rank = 2, Alpha = 4 } : null,
    };

    private static string WeightHashOf(TrainingEngine e) =>
        e.Adapters is { } a ? WeightSync.WeightHash(e.MasterWeights, a.Weights) : WeightSync.WeightHash(e.MasterWeights);

    /// <summary>Step <paramref name="step"/>'s micro-batches: seeded token rows of varying length and prompt length.</summary>
    private static TokenBatch[] StepBatches(int step)
    {
        var rng = new Random(1000 + step);
        return [.. Enumerable.Range(0, MicroBatches).Select(_ =>
        {
            int rows = rng.Next(1, 3);
            var seqs = Enumerable.Range(0, rows).Select(_ => Enumerable.Range(0, rng.Next(3, 8)).Select(_ => rng.Next(1, 17)).ToArray()).ToArray();
            return TokenBatch.FromSequences(seqs, [.. seqs.Select(_ => rng.Next(0, 2))]);
        })];
    }

    /// <summary>Forward + backward of micro-batch <paramref name="mb"/> for a mean-over-the-mini-batch's-tokens language-model loss; returns its target tokens.</summary>
    private static int ForwardBackward(TrainingEngine engine, TokenBatch[] batches, int mb)
    {
        return LanguageModelLoss.ForwardBackward(engine, batches[mb], batches.Sum(b => b.TargetMask.Sum()));
    }

    private static void AssertBits(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToUInt32Bits(expected[i]) != BitConverter.SingleToUInt32Bits(actual[i]))
                Assert.Fail($"{what}: element {i} differs: {expected[i]:R} vs {actual[i]:R}");
    }
}
