using System.Diagnostics;
using System.Globalization;
using Precision.Orleans.Abstractions;
using Precision.Orleans.RL.Evaluation;
using Precision.Orleans.RL.Tasks;
using Spectre.Console;

namespace Precision.Orleans.Client.Evaluation;

/// <summary>Runs <see cref="PolicySampler.Measure(IReadOnlyList{Problem}, Func{Problem, IRewardFunction}, PolicySamplingOptions, IProgress{int}?, CancellationToken)"/> under a Spectre progress bar.</summary>
internal static class SamplingProgress
{
    public static IReadOnlyList<ProblemAccuracy> Measure(PolicySampler sampler, IReadOnlyList<ProblemRecord> records,
        PolicySamplingOptions options, string label)
    {
        var problems = records.Select(r => r.Problem).ToList();
        var rewardByProblem = new Dictionary<Problem, IRewardFunction>(ReferenceEqualityComparer.Instance);
        foreach (ProblemRecord r in records) rewardByProblem[r.Problem] = RewardFunctions.For(r.Task);
        IReadOnlyList<ProblemAccuracy> results = [];
        var clock = Stopwatch.StartNew();
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask($"{label}: {problems.Count} problems × {options.SamplesPerProblem}", maxValue: problems.Count);
                var progress = new SynchronousProgress(done => task.Value = done);
                results = sampler.Measure(problems, p => rewardByProblem[p], options, progress);
            });
        long tokens = (long)results.Sum(r => r.MeanResponseTokens * r.Samples);
        AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label}: sampled {tokens:N0} response tokens in {clock.Elapsed.TotalSeconds:F1} s ({tokens / clock.Elapsed.TotalSeconds:F0} tok/s, {sampler.DType.Name()})"));
        return results;
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool and arrive late).</summary>
    private sealed class SynchronousProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
