using System.Diagnostics;
using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Client.Tests.Console;
using Xunit;
using Xunit.Abstractions;

namespace Precision.Orleans.Client.Tests.MultiProcess;

/// <summary>
/// Elasticity and failover with real silo processes on redis-server: a rollout silo started mid-run gets work within
/// seconds, a SIGKILLed rollout silo loses no prompt group (each group of each step trained exactly once, from the
/// run's ledger), and a SIGKILLed learner silo restarted resumes from the last checkpoint. Each test has its cluster.
/// </summary>
public sealed class MultiProcessFailoverTests(ITestOutputHelper output)
{
    // Long enough that the join and the kills land mid-run (a tiny step across processes takes ~50–100 ms).
    private const int Steps = 150;
    private const int Prompts = 4;

    [Fact]
    public async Task A_rollout_silo_started_mid_run_gets_work_and_one_SIGKILLed_loses_no_prompt_group()
    {
        await using var cluster = new SiloCluster();
        var learnerStart = cluster.StartSiloAsync("learner", "learner");
        var a = await cluster.StartSiloAsync("rollout-a", "rollout", rolloutSlots: 1);
        await learnerStart;
        await cluster.ConnectAsync();
        var spec = cluster.Tiny.WriteSpec(Steps, Prompts, checkpointEvery: 10);
        var submit = await CommandRun.InvokeAsync("submit", spec, "--id", "elastic", "--cluster", cluster.Url);
        Assert.True(submit.ExitCode == 0, submit.Output + submit.Error);
        var run = cluster.Client.Grains.GetGrain<IRunGrain>("elastic");
        await cluster.WaitAsync("elastic", s => s.Step >= 2, TimeSpan.FromSeconds(60));

        var watch = Stopwatch.StartNew();
        await cluster.StartSiloAsync("rollout-b", "rollout", rolloutSlots: 1);
        output.WriteLine($"rollout-b active after {watch.ElapsedMilliseconds} ms");
        while (!(await run.GetTrainedGroups()).Any(t => t.WorkerKey == "rollout-b/0"))
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"the joined rollout silo got no work within 15 s of its start; {await run.GetStatus()}");
            await Task.Delay(50);
        }
        output.WriteLine($"rollout-b trained a group {watch.ElapsedMilliseconds} ms after its process started");

        a.Kill();
        // Polled with retries: the client's gateway may have been rollout-a (the client then moves to another).
        int stepAtKill = (await cluster.WaitAsync("elastic", _ => true, TimeSpan.FromSeconds(30))).Step;
        output.WriteLine($"SIGKILL rollout-a after step {stepAtKill}");
        Assert.True(stepAtKill < Steps - 5, $"the run was at step {stepAtKill} of {Steps} at the kill: make it longer");
        var status = await cluster.WaitAsync("elastic", s => s.State == RunState.Completed, TimeSpan.FromSeconds(180));
        Assert.Equal(Steps, status.Step);

        var trained = await run.GetTrainedGroups();
        RunLedger.AssertExactlyOnce(trained, Steps, Prompts);
        // Groups of steps dispatched after the kill (and after the failure detector's ~2 s) all went to rollout-b.
        var late = trained.Where(t => t.Step > stepAtKill + 40).ToList();
        Assert.NotEmpty(late);
        Assert.All(late, t => Assert.Equal("rollout-b/0", t.WorkerKey));
        output.WriteLine($"re-dispatches: {(await run.GetMetrics(0)).Sum(r => r.Redispatches)}");
        // Nothing lost or double-counted shows as identical training: the run equals the undisturbed embedded one.
        RunLedger.AssertSame(RunLedger.Embedded(spec, cluster.Tiny.Root, Path.Combine(cluster.Tiny.Root, "embedded")), await run.GetMetrics(0));
        Assert.Empty(await run.GetResumes());
    }

    [Fact]
    public async Task A_SIGKILLed_learner_silo_restarted_resumes_from_the_last_checkpoint()
    {
        const int checkpointEvery = 5;
        await using var cluster = new SiloCluster();
        var learnerStart = cluster.StartSiloAsync("learner", "learner");
        await cluster.StartSiloAsync("rollout-a", "rollout", rolloutSlots: 1);
        var learner = await learnerStart;
        await cluster.ConnectAsync();
        var spec = cluster.Tiny.WriteSpec(Steps, Prompts, checkpointEvery);
        var submit = await CommandRun.InvokeAsync("submit", spec, "--id", "failover", "--cluster", cluster.Url);
        Assert.True(submit.ExitCode == 0, submit.Output + submit.Error);
        var run = cluster.Client.Grains.GetGrain<IRunGrain>("failover");
        await cluster.WaitAsync("failover", s => s.Step >= checkpointEvery + 1, TimeSpan.FromSeconds(60));

        learner.Kill();
        var killedAt = Stopwatch.StartNew();
        int trainedBeforeKill = (await cluster.WaitAsync("failover", _ => true, TimeSpan.FromSeconds(30))).Step;
        output.WriteLine($"SIGKILL learner after step {trainedBeforeKill}");
        Assert.True(trainedBeforeKill < Steps - 5, $"the run was at step {trainedBeforeKill} of {Steps} at the kill: make it longer");
        await cluster.StartSiloAsync("learner", "learner");
        output.WriteLine($"new learner silo active {killedAt.ElapsedMilliseconds} ms after the kill");
        var status = await cluster.WaitAsync("failover", s => s.State == RunState.Completed, TimeSpan.FromSeconds(180));
        Assert.Equal(Steps, status.Step);

        var resume = Assert.Single(await run.GetResumes());
        output.WriteLine($"resumed from checkpoint {resume.CheckpointStep}, last trained before: {resume.LastTrainedStep}");
        Assert.Equal(0, resume.CheckpointStep % checkpointEvery);
        Assert.True(resume.LastTrainedStep >= trainedBeforeKill, $"resume says {resume.LastTrainedStep} trained, the run showed {trainedBeforeKill}");
        // The log comes before its checkpoint: a kill between them loses at most checkpoint_every steps.
        Assert.InRange(resume.LastTrainedStep - resume.CheckpointStep, 0, checkpointEvery);
        RunLedger.AssertExactlyOnce(await run.GetTrainedGroups(), Steps, Prompts);
        // Exact resume: the failed-over run equals the uninterrupted embedded one.
        RunLedger.AssertSame(RunLedger.Embedded(spec, cluster.Tiny.Root, Path.Combine(cluster.Tiny.Root, "embedded")), await run.GetMetrics(0));
    }
}
