using Precision.Orleans.Engine.Distributed;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Tests.Training;
using Precision.Orleans.Engine.Training;
using Xunit;

namespace Precision.Orleans.Engine.Tests.Distributed;

/// <summary>The shard layout, the data-parallel shares, the shard's fixed summation order and the consensus as a pure function.</summary>
public class ShardPiecesTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    public void Shards_hold_whole_consecutive_tensors_and_the_largest_is_as_small_as_any_split_allows(int shards)
    {
        var tensors = new ParameterLayout(TinyModels.Qwen2).Parameters;
        var layout = ShardLayout.Balance(tensors, shards);
        Assert.Equal(shards, layout.Shards.Count);
        long offset = 0;
        int tensor = 0;
        foreach (var s in layout.Shards)
        {
            Assert.Equal(offset, s.Offset);
            Assert.Equal(tensor, s.FirstTensor);
            Assert.True(s.TensorCount >= 1);
            Assert.Equal(layout.TensorsOf(s).Sum(t => t.Count), s.Count);
            offset += s.Count;
            tensor += s.TensorCount;
        }
        Assert.Equal(tensors.Count, tensor);
        Assert.Equal(tensors.Sum(t => t.Count), offset);
        // Independent check of the balance: brute force over every split into S consecutive groups (S ≤ 3 here).
        if (shards <= 3) Assert.Equal(BestLargest(tensors.Select(t => t.Count).ToArray(), shards), layout.Shards.Max(s => s.Count));
    }

    [Fact]
    public void More_shards_than_tensors_is_refused_with_the_reason()
    {
        var tensors = new ParameterLayout(TinyModels.Qwen2).Parameters;
        var e = Assert.Throws<ArgumentException>(() => ShardLayout.Balance(tensors, tensors.Count + 1));
        Assert.Contains("whole tensors", e.Message);
        Assert.Throws<ArgumentException>(() => ShardLayout.Balance(tensors, 0));
    }

    [Theory]
    [InlineData(5, 1)]
    [InlineData(5, 2)]
    [InlineData(5, 4)]
    [InlineData(3, 4)]
    public void Shares_are_consecutive_in_worker_order_and_cover_every_micro_batch_once(int microBatches, int workers)
    {
        int next = 0;
        for (int w = 0; w < workers; w++)
        {
            var (first, count) = DataParallelShares.Of(microBatches, workers, w);
            Assert.Equal(next, first);
            Assert.InRange(count, microBatches / workers, microBatches / workers + 1);
            next += count;
        }
        Assert.Equal(microBatches, next);
    }

    [Fact]
    public void A_shard_sums_in_micro_batch_order_whatever_the_arrival_order()
    {
        var tensors = new ParameterLayout(TinyModels.Qwen2).Parameters;
        var layout = ShardLayout.Balance(tensors, 1);
        var rng = new Random(3);
        // Values of very different magnitudes: float addition is not associative on them, so order shows.
        var slices = Enumerable.Range(0, 4).Select(i => Enumerable.Range(0, (int)layout.TotalCount)
            .Select(_ => (float)((rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-4, 5)))).ToArray()).ToArray();
        float[] SumIn(int[] order)
        {
            var shard = new ShardOptimizer(layout.Shards[0], tensors, new float[layout.TotalCount], new AdamWOptions());
            shard.Begin(0, 4);
            foreach (int i in order) shard.AddGradient(0, i, slices[i]);
            Assert.True(shard.Complete);
            return shard.Gradient;
        }
        var inOrder = SumIn([0, 1, 2, 3]);
        var expected = new float[layout.TotalCount];
        for (int j = 0; j < expected.Length; j++) expected[j] = ((slices[0][j] + slices[1][j]) + slices[2][j]) + slices[3][j];
        Assert.Equal(expected, inOrder);
        Assert.Equal(inOrder, SumIn([3, 1, 0, 2]));
        Assert.Equal(inOrder, SumIn([2, 3, 1, 0]));
        // The order matters for these values (so the test could fail): the pairwise sum differs somewhere.
        Assert.Contains(Enumerable.Range(0, expected.Length), j => (slices[0][j] + slices[1][j]) + (slices[2][j] + slices[3][j]) != expected[j]);
    }

    [Fact]
    public void A_shard_refuses_to_reduce_with_a_micro_batch_missing_and_to_apply_a_decision_it_did_not_reduce()
    {
        var tensors = new ParameterLayout(TinyModels.Qwen2).Parameters;
        var layout = ShardLayout.Balance(tensors, 2);
        var shard = new ShardOptimizer(layout.Shards[1], layout.TensorsOf(layout.Shards[1]), new float[layout.Shards[1].Count], new AdamWOptions());
        shard.Begin(7, 2);
        shard.AddGradient(7, 1, new float[layout.Shards[1].Count]);
        Assert.False(shard.Complete);
        Assert.Contains("summed 0 of 2", Assert.Throws<InvalidOperationException>(() => shard.Reduce(7, 1f)).Message);
        var decision = new ConsensusDecision(7, true, 1f, 0f, null, 1e-3f, new LossScaleState(1f, 0, 0), []);
        Assert.Throws<InvalidOperationException>(() => shard.Apply(decision));
        Assert.Empty(shard.Log);
        Assert.Equal(0, shard.Optimizer.StepCount);
    }

    [Fact]
    public void The_consensus_skips_everyone_on_any_overflow_and_otherwise_clips_with_the_global_norm()
    {
        var options = new LossScalerOptions { InitialScale = 256f, GrowthInterval = 3 };
        var state = new LossScaleState(256f, 2, 0);
        ShardReduction[] Reductions(bool shardOverflow) =>
            [new ShardReduction(0, 4, false, [3f]), new ShardReduction(1, 4, shardOverflow, [4f])];
        HolderReport[] clean = [new("worker-0", false), new("worker-1", false)];

        var overflow = LossScaleConsensus.Decide(4, state, options, true, [new("worker-0", false), new("worker-1", true)], Reductions(false), 1f, 1e-3f);
        Assert.False(overflow.Apply);
        Assert.Equal(["worker-1"], overflow.OverflowHolders);
        Assert.Equal(new LossScaleState(128f, 0, 1), overflow.Next);
        Assert.True(float.IsNaN(overflow.GradNorm));

        var shardOnly = LossScaleConsensus.Decide(4, state, options, true, clean, Reductions(true), 1f, 1e-3f);
        Assert.False(shardOnly.Apply);
        Assert.Equal(["shard-1"], shardOnly.OverflowHolders);

        var step = LossScaleConsensus.Decide(4, state, options, true, clean, Reductions(false), 1f, 1e-3f);
        Assert.True(step.Apply);
        Assert.Equal(5f, step.GradNorm);
        Assert.Equal(1f / (5f + 1e-6f), step.ClipCoefficient);
        Assert.Equal(new LossScaleState(512f, 0, 0), step.Next);   // third clean step in a row: growth

        var noClip = LossScaleConsensus.Decide(4, state, options, true, clean, Reductions(false), 10f, 1e-3f);
        Assert.Null(noClip.ClipCoefficient);
        Assert.Throws<ArgumentException>(() => LossScaleConsensus.Decide(5, state, options, true, clean, Reductions(false), 1f, 1e-3f));
    }

    private static long BestLargest(long[] sizes, int shards)
    {
        long total = sizes.Sum(), best = long.MaxValue;
        var prefix = new long[sizes.Length + 1];
        for (int i = 0; i < sizes.Length; i++) prefix[i + 1] = prefix[i] + sizes[i];
        if (shards == 1) return total;
        for (int a = 1; a < sizes.Length; a++)
        {
            if (shards == 2) { best = Math.Min(best, Math.Max(prefix[a], total - prefix[a])); continue; }
            for (int b = a + 1; b < sizes.Length; b++)
                best = Math.Min(best, Math.Max(prefix[a], Math.Max(prefix[b] - prefix[a], total - prefix[b])));
        }
        return best;
    }
}
