using Xunit;
using Precision.Orleans.RL.Algorithms;

namespace Precision.Orleans.RL.Tests.Algorithms;

public sealed class AlgorithmCatalogTests
{
    [Fact]
    public void SevenNamesInOrderEachCreatingItself()
    {
        Assert.Equal(["grpo", "grpo-token-tis", "grpo-seq-mis", "gspo", "pg-seq-is", "pg-seq-tis", "pg-seq-mis"], AlgorithmCatalog.Names);
        foreach (var name in AlgorithmCatalog.Names)
        {
            var loss = AlgorithmCatalog.Create(name, new AlgorithmOptions());
            Assert.Equal(name, loss.Name);
            // Only the GRPO family and GSPO need the extra π_θ' forward pass.
            Assert.Equal(!name.StartsWith("pg-"), loss.NeedsOldLogProbs);
        }
    }

    [Fact]
    public void UnknownNameListsTheSeven()
    {
        var e = Assert.Throws<ArgumentException>(() => AlgorithmCatalog.Create("ppo", new AlgorithmOptions()));
        Assert.Contains("'ppo'", e.Message);
        foreach (var name in AlgorithmCatalog.Names) Assert.Contains(name, e.Message);
        Assert.False(AlgorithmCatalog.IsKnown("ppo"));
        Assert.True(AlgorithmCatalog.IsKnown("GSPO"));
    }

    [Theory]
    [InlineData(nameof(AlgorithmOptions.ClipLow), -0.1)]
    [InlineData(nameof(AlgorithmOptions.ClipHigh), -1)]
    [InlineData(nameof(AlgorithmOptions.GspoClipLow), 1.5)]
    [InlineData(nameof(AlgorithmOptions.GspoClipHigh), double.NaN)]
    [InlineData(nameof(AlgorithmOptions.ImportanceCap), 0)]
    [InlineData(nameof(AlgorithmOptions.ImportanceCap), double.PositiveInfinity)]
    public void BadOptionIsRefusedNamingIt(string key, double value)
    {
        var options = key switch
        {
            nameof(AlgorithmOptions.ClipLow) => new AlgorithmOptions { ClipLow = value },
            nameof(AlgorithmOptions.ClipHigh) => new AlgorithmOptions { ClipHigh = value },
            nameof(AlgorithmOptions.GspoClipLow) => new AlgorithmOptions { GspoClipLow = value },
            nameof(AlgorithmOptions.GspoClipHigh) => new AlgorithmOptions { GspoClipHigh = value },
            _ => new AlgorithmOptions { ImportanceCap = value },
        };
        var e = Assert.Throws<ArgumentException>(() => AlgorithmCatalog.Create("grpo", options));
        Assert.Contains(key, e.Message);
    }

    [Fact]
    public void GrpoFamilyWithoutOldLogProbsIsRefused()
    {
        var inputs = LossFixture.Build(3, [new Seq(1, 1, new Tok(1, 1))]);
        var noOld = LossFixture.Slice(inputs, 0, 1);
        var missing = new PolicyLossInputs
        {
            Sequences = 1, SeqLen = 3, LogProbs = noOld.LogProbs, RolloutLogProbs = noOld.RolloutLogProbs, Mask = noOld.Mask,
            Advantages = noOld.Advantages, Normalizers = noOld.Normalizers,
        };
        var e = Assert.Throws<ArgumentException>(() => AlgorithmCatalog.Create("grpo-token-tis").Compute(missing, LossAggregation.TokenMean));
        Assert.Contains("OldLogProbs", e.Message);
        // The PG family does not read π_θ'.
        Assert.True(double.IsFinite(AlgorithmCatalog.Create("pg-seq-tis").Compute(missing, LossAggregation.TokenMean).Loss));
    }
}
