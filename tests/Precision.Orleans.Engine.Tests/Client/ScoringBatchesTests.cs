using Precision.Orleans.Client.Mismatch;
using Xunit;

namespace Precision.Orleans.Engine.Tests.Client;

// Spectre.Console live displays are process-wide and exclusive: console-running tests share one collection.
[Collection(ConsoleTests.Collection)]
public class ScoringBatchesTests
{
    [Fact]
    public void Short_sequences_fill_whole_batches_and_long_ones_get_smaller_batches()
    {
        int[] lengths = [.. Enumerable.Repeat(100, 20), .. Enumerable.Repeat(2048, 3)];
        int[] order = Enumerable.Range(0, lengths.Length).ToArray();
        var batches = MismatchRunner.ScoringBatches(order, i => lengths[i], maxSequences: 16).ToList();

        Assert.Equal(order, batches.SelectMany(b => b)); // every index once, in order
        Assert.Equal(16, batches[0].Length);
        // 16·256² = 1,048,576 < 2·2048²: a 2048-token row is batched alone.
        Assert.All(batches.Where(b => lengths[b[^1]] == 2048), b => Assert.Single(b));
        Assert.All(batches, b => Assert.True(b.Length <= 16));
    }
}
