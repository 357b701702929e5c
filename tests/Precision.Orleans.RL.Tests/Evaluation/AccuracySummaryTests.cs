using Xunit;
using Precision.Orleans.Client.Evaluation;
using Precision.Orleans.RL.Evaluation;
using Precision.Orleans.RL.Tasks;

namespace Precision.Orleans.RL.Tests.Evaluation;

// Spectre.Console live displays are process-wide and exclusive: console-running tests share one collection.
[Collection(ConsoleTests.Collection)]
public sealed class AccuracySummaryTests
{
    private static ProblemAccuracy Result(int i, int correct, int samples = 40, int difficulty = 1) =>
        new(new Problem($"p{i}", $"add {i}+1:", (i + 1).ToString(), difficulty), correct, samples, 20);

    // Accuracies 0, 0.175, 0.2, 0.5, 0.8, 0.825, 1.
    private static readonly ProblemAccuracy[] Results =
        [Result(0, 0), Result(1, 7), Result(2, 8), Result(3, 20, difficulty: 2), Result(4, 32, difficulty: 2), Result(5, 33), Result(6, 40)];

    [Fact]
    public void PerfectibleSetKeepsBothBoundsInclusive()
    {
        var kept = AccuracySummary.WithinBounds(Results, 0.2, 0.8);
        Assert.Equal(["p2", "p3", "p4"], kept.Select(r => r.Problem.Id));
        Assert.Equal(Results.Length, AccuracySummary.WithinBounds(Results, 0, 1).Count);
        Assert.Equal(["p3"], AccuracySummary.WithinBounds(Results, 0.5, 0.5).Select(r => r.Problem.Id));
    }

    [Fact]
    public void SanitySetKeepAttachesTheMeasuredAccuracy()
    {
        var records = Results.Select(r => new ProblemRecord(r.Problem, "arithmetic")).ToList();
        var kept = SanitySetRunner.Keep(records, Results, 0.2, 0.8);
        Assert.Equal([0.2, 0.5, 0.8], kept.Select(r => r.Accuracy!.Value));
        Assert.All(kept, r => Assert.Equal(40, r.Samples));
        Assert.All(kept, r => Assert.Equal("arithmetic", r.Task));
    }

    [Theory]
    [InlineData(-0.1, 0.8, "--min")]
    [InlineData(0.2, 1.1, "--max")]
    [InlineData(0.9, 0.1, "must be <=")]
    [InlineData(double.NaN, 0.8, "--min")]
    public void BadBoundsAreRefusedNamingTheOption(double min, double max, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => AccuracySummary.WithinBounds(Results, min, max));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void AveragePassHistogramAndDifficultyAgreeWithTheCounts()
    {
        Assert.Equal((0 + 7 + 8 + 20 + 32 + 33 + 40) / 40.0 / 7, AccuracySummary.AverageAtK(Results), 12);
        Assert.Equal(6 / 7.0, AccuracySummary.PassAtK(Results), 12);
        Assert.Equal([1, 1, 1, 0, 0, 1, 0, 0, 2, 1], AccuracySummary.Histogram(Results, 10));
        var byDifficulty = AccuracySummary.ByDifficulty(Results);
        Assert.Equal([1, 2], byDifficulty.Select(g => g.Difficulty));
        Assert.Equal((20 + 32) / 80.0, byDifficulty[1].Accuracy, 12);
    }
}
