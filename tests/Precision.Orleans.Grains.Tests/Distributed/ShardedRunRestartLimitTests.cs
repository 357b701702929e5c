using Microsoft.Extensions.DependencyInjection;
using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Grains.Distributed;
using Precision.Orleans.Grains.Placement;
using Xunit;

namespace Precision.Orleans.Grains.Tests.Distributed;

/// <summary>
/// The give-up path of a sharded run's restarts: when every distributed step fails, the learner grain restarts the run
/// from its last checkpoint exactly <see cref="RlGrainOptions.ShardedRunRestarts"/> times,
/// <see cref="RlGrainOptions.ShardedRunRestartDelay"/> apart, then fails it naming the error and the count.
/// </summary>
public sealed class ShardedRunRestartLimitTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(0)]
    public async Task A_sharded_run_whose_every_step_fails_gives_up_after_the_configured_restarts_naming_the_error_and_count(int restarts)
    {
        var delay = TimeSpan.FromMilliseconds(300);
        var fault = new EveryGradientFails();
        using var run = new TinyRlRun();
        const string runId = "sharded-gives-up";
        await using var cluster = new RlCluster(Path.Combine(run.Root, "runs"),
            o => o with { ShardedRunRestarts = restarts, ShardedRunRestartDelay = delay },
            silo => silo.Services.AddSingleton<IGradientFaultHook>(fault));
        await cluster.StartSiloAsync("learner-a", SiloRoles.Learner);
        await cluster.StartSiloAsync("rollout-a", SiloRoles.Rollout, rolloutSlots: 1);
        // One gradient worker: each pass of the run tries its one share on MaxShareAttempts holders before the step fails.
        await cluster.Client.GetGrain<IRunGrain>(runId).Submit(run.Yaml(iterations: 2) + "\nparallel:\n  gradient_workers: 1\n  shards: 2\n");

        var status = await cluster.WaitAsync(runId, s => s.State is RunState.Failed or RunState.Completed, TimeSpan.FromSeconds(120));

        Assert.Equal(RunState.Failed, status.State);
        Assert.NotNull(status.Error);
        Assert.Contains(EveryGradientFails.Message, status.Error, StringComparison.Ordinal);
        Assert.Contains($"gave up after {restarts} restarts from the last checkpoint", status.Error, StringComparison.Ordinal);
        Assert.Equal(0, status.Step);

        // Exactly restarts + 1 passes: the run grain saw one attempt per pass (a resume for each restart), and the
        // gradient worker failed MaxShareAttempts times in each pass (the fault hook's own count).
        var resumes = await cluster.Client.GetGrain<IRunGrain>(runId).GetResumes();
        Assert.Equal(restarts, resumes.Count);
        Assert.Equal((restarts + 1) * ShardedLearnerCoordinator.MaxShareAttempts, fault.Failures);
        // The restarts waited the configured delay: each resume began at least that long after the previous pass began.
        for (int i = 1; i < resumes.Count; i++)
            Assert.True(resumes[i].At - resumes[i - 1].At >= delay, $"restart {i + 1} began {(resumes[i].At - resumes[i - 1].At).TotalMilliseconds:0} ms after restart {i}, less than the {delay.TotalMilliseconds} ms delay");
    }

    /// <summary>Test-only fault hook: every gradient every worker computes fails (a worker that dies each time it is used).</summary>
    private sealed class EveryGradientFails : IGradientFaultHook
    {
        public const string Message = "gradient worker failed (test fault: every step fails)";
        private int _failures;

        public int Failures => Volatile.Read(ref _failures);

        public void Apply(string workerKey, long step, int microBatch, float[] gradient)
        {
            Interlocked.Increment(ref _failures);
            throw new InvalidOperationException(Message);
        }
    }
}
