using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Experts;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Rollout;
using Xunit;

namespace Precision.Orleans.Engine.Tests.Rollout;

/// <summary>
/// Expert parallelism in-process: rollouts whose experts run on 1, 2 or 4 disjoint owners give the same tokens, μ
/// and routing, bit for bit, as the engine running every expert itself.
/// </summary>
public class ExpertParallelRolloutTests
{
    [Theory]
    [InlineData(DType.Fp16, 1)]
    [InlineData(DType.Fp16, 2)]
    [InlineData(DType.Fp16, 4)]
    [InlineData(DType.Bf16, 2)]
    [InlineData(DType.Bf16, 4)]
    [InlineData(DType.Fp32, 4)]
    public void Rollouts_with_expert_owners_are_bit_identical_to_one_holder_of_every_expert(DType dtype, int owners)
    {
        var config = MoeTinyModels.Qwen3Moe();
        var weights = TinyModels.Weights(config, seed: 11);
        var rng = new Random(12);
        var prompts = Enumerable.Range(0, 6).Select(_ => Enumerable.Range(0, rng.Next(4, 20)).Select(_ => rng.Next(config.VocabSize)).ToArray()).ToArray();
        var options = new SamplingOptions { Temperature = 1, MaxNewTokens = 16, Seed = 13 };

        var local = new RolloutEngine(config, dtype, maxBatchSize: 4) { MaxBatchedTokens = 12 };
        local.LoadWeights(weights, 0);
        var expected = local.Generate(prompts, options);

        var partition = new ExpertPartition(config.NumExperts, owners);
        var layout = new ParameterLayout(config);
        var sets = Enumerable.Range(0, owners).Select(o =>
        {
            var set = new ExpertSet(config, dtype, partition.ExpertsOf(o));
            set.Load(ExpertSet.MasterSlice(layout, weights, set.Experts), 0);
            return new CountingExecutor(set);
        }).ToArray();
        var parallel = new RolloutEngine(config, dtype, maxBatchSize: 4) { MaxBatchedTokens = 12 };
        parallel.LoadWeights(weights, 0);
        parallel.ExpertExecutor = new ExpertParallelExecutor(partition, sets);
        var actual = parallel.Generate(prompts, options);

        Assert.All(sets, s => Assert.True(s.Rows > 0, "an expert owner never ran a row"));
        Assert.Equal(expected.Count, actual.Count);
        for (int s = 0; s < expected.Count; s++)
        {
            Assert.Equal(expected[s].Tokens, actual[s].Tokens);
            Assert.Equal(expected[s].LogProbs, actual[s].LogProbs); // float equality: bit for bit (no NaN in μ)
            var a = expected[s].Routing!;
            var b = actual[s].Routing!;
            for (int l = 0; l < a.MoeLayers; l++)
                for (int p = 0; p < a.Positions; p++) Assert.True(a.SameSet(b, l, p), $"sequence {s} layer {l} position {p}");
        }
    }

    [Theory]
    [InlineData(6, 4, new[] { 2, 2, 1, 1 })]
    [InlineData(8, 2, new[] { 4, 4 })]
    [InlineData(5, 5, new[] { 1, 1, 1, 1, 1 })]
    public void The_partition_is_disjoint_balanced_and_covers_every_expert(int experts, int owners, int[] sizes)
    {
        var partition = new ExpertPartition(experts, owners);
        var all = Enumerable.Range(0, owners).SelectMany(o => partition.ExpertsOf(o).Select(e => (o, e))).ToList();
        Assert.Equal(Enumerable.Range(0, experts), all.Select(x => x.e).Order());
        Assert.All(all, x => Assert.Equal(x.o, partition.OwnerOf(x.e)));
        Assert.Equal(sizes, Enumerable.Range(0, owners).Select(o => partition.ExpertsOf(o).Length));
    }

    [Fact]
    public void Bad_partitions_and_foreign_experts_are_refused_with_the_reason()
    {
        Assert.Contains("num_experts = 6", Assert.Throws<ArgumentOutOfRangeException>(() => new ExpertPartition(6, 7)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExpertPartition(6, 0));
        var config = MoeTinyModels.Qwen3Moe();
        var set = new ExpertSet(config, DType.Fp16, [0, 1]);
        set.Load(ExpertSet.MasterSlice(new ParameterLayout(config), TinyModels.Weights(config, seed: 1), set.Experts), 3);
        Assert.Equal(3, set.WeightVersion);
        int d = config.HiddenSize;
        var error = Assert.Throws<ArgumentException>(() => set.RunExperts(0, [2], [0, 1], new float[d], new float[d]));
        Assert.Contains("expert 2 is not held here", error.Message);
        Assert.Throws<ArgumentException>(() => new ExpertSet(MoeTinyModels.Qwen3(), DType.Fp16, [0]));
        Assert.Throws<InvalidOperationException>(() => new RolloutEngine(MoeTinyModels.Qwen3(), DType.Fp16) { ExpertExecutor = set });
    }

    private sealed class CountingExecutor(IExpertExecutor inner) : IExpertExecutor
    {
        private int _rows;
        public int Rows => _rows;

        public void RunExperts(int moeLayer, ReadOnlySpan<int> experts, ReadOnlySpan<int> rowStart, ReadOnlySpan<float> inputs, Span<float> outputs)
        {
            Interlocked.Add(ref _rows, rowStart[^1]);
            inner.RunExperts(moeLayer, experts, rowStart, inputs, outputs);
        }
    }
}
