using System.Diagnostics;
using Precision.Orleans.RL.Spec;
using Precision.Orleans.RL.Training;
using Precision.Orleans.Tests.Shared;
using Xunit;

namespace Precision.Orleans.Console.Tests;

/// <summary>
/// A run directory belongs to one process: a second <c>precision train</c> on the same --out is refused naming the
/// owner, and SIGTERM (what kubectl delete and docker stop send) checkpoints the step in flight so the resumed run
/// equals an uninterrupted one.
/// </summary>
public sealed class RunDirectoryOwnershipTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    /// <summary>The rows of a lone, uninterrupted in-process run of the fixture's spec (with <paramref name="overrides"/>) for <paramref name="iterations"/>.</summary>
    private static IReadOnlyList<IterationMetrics> LoneRun(string dir, int iterations, string[]? overrides = null)
    {
        var spec = RunSpecLoader.Load(Path.Combine(dir, "run.yaml"), overrides);
        spec = spec with { Schedule = spec.Schedule with { Iterations = iterations } };
        string runDir = Path.Combine(dir, "lone-" + iterations);
        new RlTrainer(spec, runDir).Run();
        return new MetricsLog(runDir).ReadAll();
    }

    private static void WaitFor(Func<bool> condition, Process owner, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (owner.HasExited) Assert.Fail($"the first process exited (code {owner.ExitCode}) before {what}");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"no {what} within 60 s");
            Thread.Sleep(10);
        }
    }

    [Fact]
    public async Task A_second_train_on_the_same_out_is_refused_and_the_first_completes_as_if_alone()
    {
        string dir = fixture.NewCaseDirectory("concurrent");
        const int iterations = 40;
        using var first = PrecisionProcess.Start(dir, ["train", "run.yaml", "--out", "shared", "--iterations", iterations.ToString()]);
        var firstOut = first.StandardOutput.ReadToEndAsync();
        var firstErr = first.StandardError.ReadToEndAsync();
        WaitFor(() => File.Exists(Path.Combine(dir, "shared", MetricsLog.JsonlFileName)), first, "first metrics row");

        var second = PrecisionProcess.Run(dir, ["train", "run.yaml", "--out", "shared", "--iterations", iterations.ToString()], TimeSpan.FromSeconds(30));
        Assert.False(first.HasExited && first.ExitCode != 0, "the first process failed");
        Assert.Equal(2, second.ExitCode);
        Assert.Contains("in use by precision pid " + first.Id, second.Stderr);
        Assert.Contains(Environment.MachineName, second.Stderr);

        Assert.True(first.WaitForExit(TimeSpan.FromSeconds(120)), "the first process did not finish");
        Assert.True(first.ExitCode == 0, await firstOut + await firstErr);
        var rows = new MetricsLog(Path.Combine(dir, "shared")).ReadAll();
        Assert.Equal(LoneRun(dir, iterations), rows, MetricsComparer.Instance);
    }

    [Fact]
    public async Task Sigterm_checkpoints_the_step_in_flight_and_the_resumed_run_equals_an_uninterrupted_one()
    {
        string dir = fixture.NewCaseDirectory("sigterm");
        string runDir = Path.Combine(dir, "run-term");
        string metrics = Path.Combine(runDir, MetricsLog.JsonlFileName);
        // No periodic checkpoint: the only one is what SIGTERM writes.
        using var first = PrecisionProcess.Start(dir, ["train", "run.yaml", "--out", "run-term", "--iterations", "1000", "--set", "schedule.checkpoint_every=0"]);
        var output = first.StandardOutput.ReadToEndAsync();
        var errors = first.StandardError.ReadToEndAsync();
        WaitFor(() => File.Exists(metrics) && File.ReadAllLines(metrics).Length >= 2, first, "second metrics row");

        using (var kill = Process.Start("kill", ["-TERM", first.Id.ToString()])) kill.WaitForExit();
        Assert.True(first.WaitForExit(TimeSpan.FromSeconds(60)), "SIGTERM did not stop the run");
        string stdout = await output, stderr = await errors;
        Assert.True(first.ExitCode == 0, $"exit {first.ExitCode}: {stdout}{stderr}");
        Assert.Contains("SIGTERM", stdout);
        var stopped = new MetricsLog(runDir).ReadAll();
        int step = stopped.Count;
        Assert.True(Directory.Exists(Path.Combine(runDir, "checkpoints", $"step-{step:D6}")), $"no checkpoint of step {step}: {stdout}");

        int target = step + 2;
        var resumed = PrecisionProcess.Run(dir, ["train", "run.yaml", "--out", "run-term", "--iterations", target.ToString(), "--set", "schedule.checkpoint_every=0"],
            TimeSpan.FromSeconds(120));
        Assert.True(resumed.ExitCode == 0, resumed.Stdout + resumed.Stderr);
        Assert.Contains($"resumed from step {step}", resumed.Stdout);
        Assert.Equal(LoneRun(dir, target), new MetricsLog(runDir).ReadAll(), MetricsComparer.Instance);
    }

    [Fact]
    public async Task A_second_signal_stops_at_once_and_the_last_complete_checkpoint_resumes()
    {
        string dir = fixture.NewCaseDirectory("two-signals");
        string runDir = Path.Combine(dir, "run-twice");
        string metrics = Path.Combine(runDir, MetricsLog.JsonlFileName);
        // The pretrained arithmetic policy, 12 × 32 rollouts of ~35 tokens: an iteration of about a second, so both
        // signals (sent 0.3 s into the second iteration, 0.1 s apart) land inside it.
        string[] slow = ["--set", "schedule.checkpoint_every=1", "--set", "model=base", "--set", "data.problems=", "--set", "data.task=arithmetic",
            "--set", "batch.prompts=12", "--set", "batch.group_size=32", "--set", "rollout.max_new_tokens=300"];
        using var first = PrecisionProcess.Start(dir, ["train", "run.yaml", "--out", "run-twice", "--iterations", "1000", .. slow]);
        var output = first.StandardOutput.ReadToEndAsync();
        var errors = first.StandardError.ReadToEndAsync();
        WaitFor(() => File.Exists(metrics) && File.ReadAllLines(metrics).Length >= 1, first, "first metrics row");

        Thread.Sleep(300);
        using (var kill = Process.Start("kill", ["-TERM", first.Id.ToString()])) kill.WaitForExit();
        Thread.Sleep(100);
        using (var again = Process.Start("kill", ["-TERM", first.Id.ToString()])) again.WaitForExit();
        Assert.True(first.WaitForExit(TimeSpan.FromSeconds(30)), "two SIGTERMs did not stop the run");
        string stderr = await errors, stdout = await output;
        Assert.True(first.ExitCode == 130, $"exit {first.ExitCode}: {stdout}{stderr}");
        Assert.Contains("stopping now", stderr);

        // Whatever step the second signal cut, the newest complete checkpoint resumes and the curve equals a lone run's.
        int target = new MetricsLog(runDir).ReadAll().Count + 2;
        var resumed = PrecisionProcess.Run(dir, ["train", "run.yaml", "--out", "run-twice", "--iterations", target.ToString(), .. slow],
            TimeSpan.FromSeconds(120));
        Assert.True(resumed.ExitCode == 0, resumed.Stdout + resumed.Stderr);
        Assert.Equal(LoneRun(dir, target, slow.Where((_, i) => i % 2 == 1).ToArray()), new MetricsLog(runDir).ReadAll(), MetricsComparer.Instance);
    }
}
