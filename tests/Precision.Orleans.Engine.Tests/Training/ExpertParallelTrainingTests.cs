using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Experts;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Training;
using Xunit;

namespace Precision.Orleans.Engine.Tests.Training;

/// <summary>
/// Expert parallelism in the training engine: the experts' forward and backward run on 2 or 4 owners
/// (<see cref="TrainingExpertParallelExecutor"/>), the engine routes, combines and steps. After optimizer steps with
/// gradient accumulation and the router aux loss, the master weights, gradients and losses equal the single engine's,
/// bit for bit (the single engine's gradients are checked against FP64 finite differences in MoeModelGradientTests).
/// </summary>
public class ExpertParallelTrainingTests
{
    [Theory]
    [InlineData("qwen3-moe", DType.Fp32, 2)]
    [InlineData("qwen3-moe", DType.Fp32, 4)]
    [InlineData("qwen3-moe", DType.Fp16, 2)]
    [InlineData("qwen3-moe", DType.Fp16, 4)]
    [InlineData("qwen3-moe", DType.Bf16, 2)]
    [InlineData("qwen3-moe", DType.Bf16, 4)]
    [InlineData("qwen3-moe-mixed", DType.Fp16, 2)]
    [InlineData("qwen3-moe-mixed", DType.Bf16, 4)]
    public void Optimizer_steps_with_expert_owners_give_the_single_engines_weights_bit_for_bit(string model, DType dtype, int owners)
    {
        var local = Engine(model, dtype);
        var parallel = Engine(model, dtype);
        var counting = new List<CountingOwner>();
        var partition = new ExpertPartition(parallel.Config.NumExperts, owners);
        parallel.ExpertExecutor = new TrainingExpertParallelExecutor(partition, [.. Enumerable.Range(0, owners).Select(o =>
        {
            var owner = new CountingOwner(new TrainingExpertSet(parallel.Config, dtype, partition.ExpertsOf(o)));
            counting.Add(owner);
            return (ITrainingExpertExecutor)owner;
        })]);
        Assert.True(local.MasterWeights.AsSpan().SequenceEqual(parallel.MasterWeights), "engines start from different weights");

        var rng = new Random(31);
        for (int step = 0; step < 3; step++)
        {
            // Two micro-batches per step: the second backward's gradient is formed in scratch and added.
            for (int micro = 0; micro < 2; micro++)
            {
                var batch = RandomBatch(rng, local.Config.VocabSize);
                var dLogp = batch.TargetMask.Select(m => -m / 8f).ToArray();
                var expected = local.Forward(batch);
                var actual = parallel.Forward(batch);
                Assert.True(expected.AsSpan().SequenceEqual(actual), $"step {step} micro {micro}: log-probs differ");
                Assert.Equal(local.LastAuxLoss, parallel.LastAuxLoss);
                local.Backward(dLogp);
                parallel.Backward(dLogp);
            }
            Assert.True(local.Gradients.AsSpan().SequenceEqual(parallel.Gradients), $"step {step}: gradients differ at {FirstDifference(local.Gradients, parallel.Gradients)}");
            var a = local.OptimizerStep(1e-2f);
            var b = parallel.OptimizerStep(1e-2f);
            Assert.Equal(a, b);
            Assert.True(a.Applied, $"step {step} skipped (overflow), the comparison would not cover an update");
            Assert.True(local.MasterWeights.AsSpan().SequenceEqual(parallel.MasterWeights), $"step {step}: weights differ at {FirstDifference(local.MasterWeights, parallel.MasterWeights)}");
        }
        Assert.All(counting, o => Assert.True(o.BackwardRows > 0, "an expert owner never ran a backward row"));
        // The expert gradients are not trivially zero: training moved every expert owner's weights.
        var layout = local.Layout;
        var start = Engine(model, dtype).MasterWeights;
        Assert.All(Enumerable.Range(0, owners), o => Assert.False(
            ExpertSet.MasterSlice(layout, start, partition.ExpertsOf(o)).AsSpan().SequenceEqual(ExpertSet.MasterSlice(layout, local.MasterWeights, partition.ExpertsOf(o))),
            $"owner {o}'s experts did not move"));
    }

    [Fact]
    public void The_moe_block_through_expert_owners_gives_the_local_input_and_weight_gradients()
    {
        var local = Engine("qwen3-moe", DType.Fp32);
        var parallel = Engine("qwen3-moe", DType.Fp32);
        parallel.ExpertExecutor = TrainingExpertParallelExecutor.InProcess(parallel.Config, DType.Fp32, 2);
        var rng = new Random(5);
        var x = Enumerable.Range(0, 7 * local.Config.HiddenSize).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var dy = Enumerable.Range(0, x.Length).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        Assert.Equal(local.MoeBlockForward(1, x, 7), parallel.MoeBlockForward(1, x, 7));
        Assert.Equal(local.MoeBlockBackward(dy), parallel.MoeBlockBackward(dy));
        Assert.True(local.Gradients.AsSpan().SequenceEqual(parallel.Gradients));
    }

    [Fact]
    public void Expert_executors_are_refused_for_dense_models_and_lora_runs_and_foreign_experts()
    {
        var dense = Engine("qwen3", DType.Fp16);
        Assert.Contains("no experts", Assert.Throws<InvalidOperationException>(() =>
            dense.ExpertExecutor = TrainingExpertParallelExecutor.InProcess(TinyMoeModels.Qwen3Moe, DType.Fp16, 2)).Message);
        var config = TinyMoeModels.Qwen3Moe;
        var set = new TrainingExpertSet(config, DType.Fp16, [0, 1]);
        Assert.Contains("no weights loaded", Assert.Throws<InvalidOperationException>(() => set.Forward(0, [0], [0, 1], new float[16], new float[16])).Message);
        set.LoadWeights(new ParameterLayout(config), TinyModels.Weights(new ParameterLayout(config), 3), 0);
        Assert.Contains("not held here", Assert.Throws<ArgumentException>(() => set.Forward(0, [2], [0, 1], new float[16], new float[16])).Message);
        set.Forward(0, [1], [0, 1], new float[16], new float[16]);
        Assert.Contains("does not match its last forward", Assert.Throws<InvalidOperationException>(() => set.Backward(0, [0], [0, 1], new float[16], new float[16])).Message);
    }

    private static TrainingEngine Engine(string model, DType dtype)
    {
        var engine = new TrainingEngine(TinyMoeModels.ByName(model), new TrainingOptions
        {
            ComputeDType = dtype,
            RouterAuxLossCoef = TinyMoeModels.ByName(model).IsMoe ? 0.01f : null,
            LossScaler = new LossScalerOptions { InitialScale = 1024f }, // no overflow skip: every step updates
        });
        TinyModels.Weights(engine.Layout, 7).CopyTo(engine.MasterWeights, 0);
        engine.RefreshComputeWeights();
        return engine;
    }

    private static TokenBatch RandomBatch(Random rng, int vocab) =>
        TokenBatch.FromSequences([.. Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, rng.Next(4, 9)).Select(_ => rng.Next(vocab)).ToArray())], [1, 2, 1]);

    private static int FirstDifference(float[] a, float[] b)
    {
        for (int i = 0; i < a.Length; i++)
            if (BitConverter.SingleToInt32Bits(a[i]) != BitConverter.SingleToInt32Bits(b[i])) return i;
        return -1;
    }

    /// <summary>Passes calls through, counting the rows its owner ran backward.</summary>
    private sealed class CountingOwner(ITrainingExpertExecutor inner) : ITrainingExpertExecutor
    {
        public int BackwardRows { get; private set; }
        public void LoadWeights(ParameterLayout layout, ReadOnlySpan<float> master, long version) => inner.LoadWeights(layout, master, version);
        public void Forward(int moeLayer, ReadOnlySpan<int> experts, ReadOnlySpan<int> rowStart, ReadOnlySpan<float> inputs, Span<float> outputs) =>
            inner.Forward(moeLayer, experts, rowStart, inputs, outputs);
        public void ZeroGradients() => inner.ZeroGradients();
        public void Backward(int moeLayer, ReadOnlySpan<int> experts, ReadOnlySpan<int> rowStart, ReadOnlySpan<float> dOutputs, Span<float> dInputs)
        {
            BackwardRows += rowStart[^1];
            inner.Backward(moeLayer, experts, rowStart, dOutputs, dInputs);
        }
        public void WriteGradients(ParameterLayout layout, Span<float> gradients) => inner.WriteGradients(layout, gradients);
    }
}
