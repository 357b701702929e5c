using Microsoft.Extensions.DependencyInjection;
using Precision.Orleans.Abstractions.Grains.Distributed;
using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Grains.Distributed;
using Precision.Orleans.Grains.Placement;
using Xunit;

namespace Precision.Orleans.Grains.Tests.Distributed;

/// <summary>
/// The restarts of a sharded run: when every distributed step fails because its gradient worker's state is lost (a
/// recoverable failure), the learner grain restarts the run from its last checkpoint exactly
/// <see cref="RlGrainOptions.ShardedRunRestarts"/> times, <see cref="RlGrainOptions.ShardedRunRestartDelay"/> apart, then
/// fails it naming the error and the count. A failure that is not a lost silo (a bug) fails the run at once.
/// </summary>
public sealed class ShardedRunRestartLimitTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(0)]
    public async Task A_sharded_run_whose_every_step_fails_gives_up_after_the_configured_restarts_naming_the_error_and_count(int restarts)
    {
        var delay = TimeSpan.FromMilliseconds(300);
        var fault = new EveryGradientFails(message => new DistributedStateLostException(message));
        const string runId = "sharded-gives-up";
        var (status, resumes) = await RunAsync(runId, fault, restarts, delay);

        Assert.Equal(RunState.Failed, status.State);
        Assert.NotNull(status.Error);
        Assert.Contains(EveryGradientFails.Message, status.Error, StringComparison.Ordinal);
        Assert.Contains($"gave up after {restarts} restarts from the last checkpoint", status.Error, StringComparison.Ordinal);
        Assert.Equal(0, status.Step);

        // Exactly restarts + 1 passes: the run grain saw one attempt per pass (a resume for each restart), and the
        // gradient worker failed MaxShareAttempts times in each pass (the fault hook's own count).
        Assert.Equal(restarts, resumes.Count);
        Assert.Equal((restarts + 1) * ShardedLearnerCoordinator.MaxShareAttempts, fault.Failures);
        // The restarts waited the configured delay: each resume began at least that long after the previous pass began.
        for (int i = 1; i < resumes.Count; i++)
            Assert.True(resumes[i].At - resumes[i - 1].At >= delay, $"restart {i + 1} began {(resumes[i].At - resumes[i - 1].At).TotalMilliseconds:0} ms after restart {i}, less than the {delay.TotalMilliseconds} ms delay");
    }

    [Fact]
    public async Task A_sharded_run_whose_step_fails_with_a_bug_fails_at_once_without_restarts_or_reassigned_shares()
    {
        // An InvalidOperationException from the worker's gradient stands for a bug: not a lost silo or lost state.
        var fault = new EveryGradientFails(message => new InvalidOperationException(message));
        var (status, resumes) = await RunAsync("sharded-bug", fault, restarts: 2, TimeSpan.FromMilliseconds(300));

        Assert.Equal(RunState.Failed, status.State);
        Assert.NotNull(status.Error);
        Assert.Contains(EveryGradientFails.Message, status.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("gave up after", status.Error, StringComparison.Ordinal);
        Assert.Empty(resumes);
        // One pass, one holder: the share was not re-assigned to another worker and the run was not restarted.
        Assert.Equal(1, fault.Failures);
    }

    /// <summary>A run of one gradient worker and two shards on one learner-role silo, until it ends; its status and resumes.</summary>
    private static async Task<(RunStatus Status, IReadOnlyList<LearnerResume> Resumes)> RunAsync(string runId, EveryGradientFails fault, int restarts, TimeSpan delay)
    {
        using var run = new TinyRlRun();
        await using var cluster = new RlCluster(Path.Combine(run.Root, "runs"),
            o => o with { ShardedRunRestarts = restarts, ShardedRunRestartDelay = delay },
            silo => silo.Services.AddSingleton<IGradientFaultHook>(fault));
        await cluster.StartSiloAsync("learner-a", SiloRoles.Learner);
        await cluster.StartSiloAsync("rollout-a", SiloRoles.Rollout, rolloutSlots: 1);
        // One gradient worker: each pass of the run tries its one share on up to MaxShareAttempts holders before the step fails.
        await cluster.Client.GetGrain<IRunGrain>(runId).Submit(run.Yaml(iterations: 2) + "\nparallel:\n  gradient_workers: 1\n  shards: 2\n");
        var status = await cluster.WaitAsync(runId, s => s.State is RunState.Failed or RunState.Completed, TimeSpan.FromSeconds(120));
        return (status, await cluster.Client.GetGrain<IRunGrain>(runId).GetResumes());
    }

    /// <summary>Test-only fault hook: every gradient every worker computes fails with the given exception.</summary>
    private sealed class EveryGradientFails(Func<string, Exception> error) : IGradientFaultHook
    {
        public const string Message = "gradient worker failed (test fault: every step fails)";
        private int _failures;

        public int Failures => Volatile.Read(ref _failures);

        public void Apply(string workerKey, long step, int microBatch, float[] gradient)
        {
            Interlocked.Increment(ref _failures);
            throw error(Message);
        }
    }
}
