using Precision.Orleans.Engine.Analysis;
using Precision.Orleans.Engine.Model;
using Xunit;

namespace Precision.Orleans.Engine.Tests.Analysis;

public class RoutingMismatchTests
{
    /// <summary>A routing whose every (layer, position) set is {0, 1}.</summary>
    private static ExpertRouting Uniform(int layers, int positions)
    {
        var r = new ExpertRouting(layers, 2, positions);
        for (int l = 0; l < layers; l++)
            for (int p = 0; p < positions; p++)
            {
                r.At(l, p)[0] = 0;
                r.At(l, p)[1] = 1;
            }
        return r;
    }

    [Fact]
    public void Counts_differing_sets_per_layer_only_over_response_positions()
    {
        // Sequence of length 6 with a prompt of 2: positions 1..4 give response log-probs.
        var rollout = Uniform(2, 5);
        var training = Uniform(2, 8); // a padded training row has more positions
        training.At(0, 0)[1] = 3; // position 0 is a prompt position: not counted
        training.At(0, 2)[1] = 2; // layer 0 differs at position 2
        training.At(1, 2)[0] = 4; // layer 1 differs at the same position
        training.At(1, 4)[1] = 5; // layer 1 differs at position 4
        training.At(1, 6)[1] = 5; // padding beyond the sequence: not counted

        var m = RoutingMismatch.Compute([rollout], [training], [2], [6]);

        Assert.Equal(4, m.Tokens);
        Assert.Equal([1L, 2L], m.DifferingPerLayer);
        Assert.Equal([0.25, 0.5], m.PerLayer);
        Assert.Equal(3 / 8.0, m.Overall, 12);
        Assert.Equal(2, m.DifferingAnyLayer);
        Assert.Equal(0.5, m.AnyLayer, 12);
    }

    [Fact]
    public void Pools_tokens_over_sequences_and_is_zero_for_identical_routing()
    {
        var a = Uniform(1, 3);
        var b = Uniform(1, 9);
        var same = RoutingMismatch.Compute([a, b], [Uniform(1, 3), Uniform(1, 9)], [1, 4], [4, 10]);
        Assert.Equal(3 + 6, same.Tokens);
        Assert.Equal(0, same.Overall);

        var c = Uniform(1, 9);
        c.At(0, 8)[0] = 7;
        var one = RoutingMismatch.Compute([a, b], [Uniform(1, 3), c], [1, 4], [4, 10]);
        Assert.Equal(1 / 9.0, one.Overall, 12);
    }

    [Fact]
    public void Rejects_routings_that_do_not_cover_the_response()
    {
        var e = Assert.Throws<ArgumentException>(() => RoutingMismatch.Compute([Uniform(1, 3)], [Uniform(1, 3)], [1], [6]));
        Assert.Contains("sequence 0", e.Message);
        Assert.Throws<ArgumentException>(() => RoutingMismatch.Compute([Uniform(1, 3)], [Uniform(2, 3)], [1], [4]));
        Assert.Throws<ArgumentException>(() => RoutingMismatch.Compute([Uniform(1, 3)], [], [1], [4]));
    }
}
