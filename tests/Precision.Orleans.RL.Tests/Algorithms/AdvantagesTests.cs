using Xunit;
using Precision.Orleans.RL.Algorithms;

namespace Precision.Orleans.RL.Tests.Algorithms;

public sealed class AdvantagesTests
{
    [Fact]
    public void RlooSubtractsTheMeanOfTheOtherRewardsOfTheGroup()
    {
        // Group 1: rewards 1, 0, 0, 1 → others' means 1/3, 2/3, 2/3, 1/3. Group 2: 0, 0, 0, 1 → 1/3, 1/3, 1/3, 0.
        var a = Advantages.GroupRelative([1, 0, 0, 1, 0, 0, 0, 1], groupSize: 4, normalizeStd: false);
        Close.All([2.0 / 3, -2.0 / 3, -2.0 / 3, 2.0 / 3, -1.0 / 3, -1.0 / 3, -1.0 / 3, 1.0], a, tol: 1e-7);
    }

    [Fact]
    public void StdNormalisationDividesByTheGroupsSampleStd()
    {
        // Group 0.5, 1, 0: mean 0.5, sample std √((0 + 0.25 + 0.25)/2) = 0.5. RLOO: 0.5 − 0.5 = 0, 1 − 0.25 = 0.75, 0 − 0.75 = −0.75.
        var a = Advantages.GroupRelative([0.5, 1, 0], groupSize: 3, normalizeStd: true);
        Close.All([0, 0.75 / (0.5 + 1e-6), -0.75 / (0.5 + 1e-6)], a, tol: 1e-7);
    }

    [Fact]
    public void AllEqualGroupGivesZeroNotNaN()
    {
        var a = Advantages.GroupRelative([1, 1, 1, 0, 0, 0], groupSize: 3, normalizeStd: true);
        Assert.All(a, x => Assert.Equal(0f, x));
    }

    [Fact]
    public void GroupOfOneHasNoBaseline()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Advantages.GroupRelative([1, 0], groupSize: 1, normalizeStd: false));
        Assert.Contains("G ≥ 2", e.Message);
    }

    [Fact]
    public void RewardsThatAreNotWholeGroupsAreRefused() =>
        Assert.Throws<ArgumentException>(() => Advantages.GroupRelative([1, 0, 1], groupSize: 2, normalizeStd: false));
}
