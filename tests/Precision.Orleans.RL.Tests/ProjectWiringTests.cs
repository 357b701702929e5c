using Xunit;
using Precision.Orleans.RL.Algorithms;

namespace Precision.Orleans.RL.Tests;

public sealed class ProjectWiringTests
{
    [Fact]
    public void AggregationNormalizersCountOnlyMaskedTokens()
    {
        float[] mask = [0, 1, 1, 0, 0, 0, 1, 0];
        var n = AggregationNormalizers.For(mask, sequences: 2, seqLen: 4, maxResponseLength: 16);
        Assert.Equal(new AggregationNormalizers(2, 3, 16), n);
    }
}
