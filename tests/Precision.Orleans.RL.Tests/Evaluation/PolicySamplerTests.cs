using Precision.Orleans.Abstractions;
using Xunit;
using Precision.Orleans.Engine.Rollout;
using Precision.Orleans.RL.Evaluation;
using Precision.Orleans.RL.Tasks;

namespace Precision.Orleans.RL.Tests.Evaluation;

public sealed class PolicySamplerTests
{
    private static readonly Problem[] Problems =
        [.. Enumerable.Range(0, 6).Select(i => new Problem($"p{i}", $"a{i}+b:", "a", 1))];

    /// <summary>1 for a response that contains 'a': a random model earns it sometimes, not always.</summary>
    private sealed class ContainsA : IRewardFunction
    {
        public int Calls;

        public double Reward(Problem problem, string response)
        {
            Interlocked.Increment(ref Calls);
            return response.Contains('a') ? 1 : 0;
        }
    }

    private static PolicySamplingOptions Options(ulong seed, int perChunk = 512) =>
        new() { SamplesPerProblem = 5, MaxNewTokens = 12, Seed = seed, ResponsesPerChunk = perChunk };

    [Fact]
    public void SamplingIsDeterministicGivenTheSeedAndCountsAreConsistent()
    {
        var sampler = TinyPolicy.Create();
        var a = sampler.Measure(Problems, new ContainsA(), Options(7, perChunk: 10));
        var b = sampler.Measure(Problems, new ContainsA(), Options(7, perChunk: 10));
        var c = sampler.Measure(Problems, new ContainsA(), Options(8, perChunk: 10));
        Assert.Equal(a, b);
        Assert.NotEqual(a.Select(r => (r.Correct, r.MeanResponseTokens)), c.Select(r => (r.Correct, r.MeanResponseTokens)));
        Assert.Equal(Problems, a.Select(r => r.Problem));
        Assert.All(a, r =>
        {
            Assert.Equal(5, r.Samples);
            Assert.InRange(r.Correct, 0, 5);
            Assert.InRange(r.MeanResponseTokens, 1, 12);
        });
        int correct = a.Sum(r => r.Correct);
        Assert.InRange(correct, 1, 29); // a random policy is neither never nor always right
        Assert.Equal(a.Average(r => (double)r.Correct / r.Samples), AccuracySummary.AverageAtK(a), 12);
    }

    [Fact]
    public void ProgressReportsEveryChunkUpToTheProblemCount()
    {
        var reports = new List<int>();
        var sampler = TinyPolicy.Create();
        // 10 responses per chunk = 2 problems of K = 5: three chunks for six problems.
        sampler.Measure(Problems, new ContainsA(), Options(1, perChunk: 10), new SyncProgress(reports.Add));
        Assert.Equal([2, 4, 6], reports);
    }

    [Fact]
    public void OnlyFinishedResponsesAreScored()
    {
        var reward = new ContainsA();
        var sampler = TinyPolicy.Create();
        var problem = Problems[0];
        int[] tokens = sampler.Tokenizer.Encode("a");
        Assert.Equal(1.0, sampler.Score(reward, problem, new RolloutSequence([1], [.. tokens, 2], [0f, 0f], FinishReason.Stop)));
        Assert.Equal(0.0, sampler.Score(reward, problem, new RolloutSequence([1], tokens, [0f], FinishReason.Length)));
        Assert.Equal(1, reward.Calls);
    }

    [Fact]
    public void APromptOutsideTheAlphabetNamesTheProblem()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            TinyPolicy.Create().Measure([new Problem("bad-one", "what is x?", "1")], new ContainsA(), Options(0)));
        Assert.Contains("bad-one", e.Message);
    }

    [Fact]
    public void BadSamplingOptionsAreRefused()
    {
        var sampler = TinyPolicy.Create();
        Assert.Throws<ArgumentException>(() => sampler.Measure(Problems, new ContainsA(), Options(0) with { SamplesPerProblem = 0 }));
        Assert.Throws<ArgumentException>(() => sampler.Measure(Problems, new ContainsA(), Options(0) with { TopP = 0 }));
        Assert.Throws<ArgumentException>(() => sampler.Measure(Problems, new ContainsA(), Options(0) with { MaxNewTokens = 0 }));
    }

    private sealed class SyncProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
