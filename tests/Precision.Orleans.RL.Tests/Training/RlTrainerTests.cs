using Precision.Orleans.Tests.Shared;
using System.Reflection;
using Precision.Orleans.RL.Training;
using Xunit;

namespace Precision.Orleans.RL.Tests.Training;

public sealed class RlTrainerTests
{
    [Fact]
    public void One_iteration_writes_a_complete_finite_metrics_row_without_an_old_log_prob_pass_for_pg_seq_is()
    {
        using var run = new TinyRun();
        var spec = run.Spec(run.Yaml(iterations: 1));
        var summary = new RlTrainer(spec, run.RunDir()).Run();

        var rows = new MetricsLog(run.RunDir()).ReadAll();
        var row = Assert.Single(rows);
        Assert.Equal(1, summary.Iterations);
        Assert.Equal(row, summary.Last, MetricsComparer.Instance);
        foreach (var p in typeof(IterationMetrics).GetProperties())
            if (p.GetValue(row) is double d) Assert.True(double.IsFinite(d), $"{p.Name} = {d}");
        Assert.Equal(0, row.OldLogProbSeconds);
        Assert.True(row.RolloutSeconds > 0 && row.TrainSeconds > 0 && row.SyncSeconds > 0 && row.IterationSeconds > 0);
        Assert.Equal(12, row.Rollouts);
        Assert.Equal(2, row.OptimizerSteps); // one optimizer step per mini-batch
        Assert.Equal(1, row.WeightVersion);
        // without the extra pass the mismatch covers the first mini-batch: 6 of the 12 responses
        Assert.True(row.MismatchTokens > 0 && row.MismatchTokens < row.ResponseTokens, $"{row.MismatchTokens} of {row.ResponseTokens}");
        Assert.Equal(1, row.LossScale); // fp32: no loss scaling
        var csv = File.ReadAllLines(Path.Combine(run.RunDir(), MetricsLog.CsvFileName));
        Assert.Equal(2, csv.Length);
        Assert.Equal(MetricsLog.CsvHeader, csv[0]);
        Assert.Contains("old_log_prob_seconds", csv[0]);
        Assert.True(File.Exists(Path.Combine(run.RunDir(), RlTrainer.SpecFileName)));
    }

    [Fact]
    public void Grpo_runs_the_old_log_prob_pass_and_its_mismatch_covers_every_response()
    {
        using var run = new TinyRun();
        var row = Assert.Single(RunRows(run, run.Yaml(algorithm: "grpo", iterations: 1)));
        Assert.True(row.OldLogProbSeconds > 0);
        Assert.Equal(row.ResponseTokens, row.MismatchTokens);
        Assert.Equal("grpo", row.Algorithm);
    }

    [Fact]
    public void Optimizer_steps_equal_mini_batches_and_the_weight_version_increments_every_iteration()
    {
        using var run = new TinyRun();
        var rows = RunRows(run, run.Yaml(iterations: 2, miniBatches: 4, micro: 2, checkpointEvery: 0));
        Assert.Equal([4L, 8L], rows.Select(r => r.OptimizerSteps));
        Assert.Equal([1L, 2L], rows.Select(r => r.WeightVersion));
        Assert.Equal([1, 2], rows.Select(r => r.Step));
    }

    [Fact]
    public void Fp16_training_reports_its_dynamic_loss_scale()
    {
        using var run = new TinyRun();
        var row = Assert.Single(RunRows(run, run.Yaml(train: "fp16", rollout: "fp16", iterations: 1)));
        Assert.Equal("fp16", row.TrainDType);
        // 65536 unless a step overflowed and backed it off; either way a power of two above 1
        Assert.True(row.LossScale > 1 && Math.Log2(row.LossScale) % 1 == 0, $"loss scale {row.LossScale}");
        Assert.Equal(65536.0 / Math.Pow(2, row.SkippedSteps), row.LossScale);
    }

    [Fact]
    public void Resumed_run_reproduces_the_uninterrupted_runs_metrics_exactly()
    {
        using var run = new TinyRun();
        var straight = RunRows(run, run.Yaml(algorithm: "grpo-token-tis", iterations: 3), "straight");

        string resumedDir = run.RunDir("resumed");
        new RlTrainer(run.Spec(run.Yaml(algorithm: "grpo-token-tis", iterations: 2)), resumedDir).Run();
        var summary = new RlTrainer(run.Spec(run.Yaml(algorithm: "grpo-token-tis", iterations: 3)), resumedDir).Run();
        var resumed = new MetricsLog(resumedDir).ReadAll();

        Assert.Equal(2, summary.ResumedFromStep);
        Assert.Equal(3, resumed.Count);
        for (int i = 0; i < 3; i++) Assert.Equal(straight[i], resumed[i], MetricsComparer.Instance);
        // the comparison means something only if the policy actually moved
        Assert.Contains(straight, r => r.GradNormMax > 0);
        Assert.NotEqual(straight[0].K3, straight[2].K3);
    }

    [Fact]
    public void Cancelling_between_iterations_checkpoints_that_step_and_the_resumed_run_continues_the_same_curve()
    {
        // What Ctrl-C in `precision train` does: the token is cancelled while iteration 2 runs; the trainer finishes
        // it, checkpoints step 2 even though checkpoint_every (3) is not due, and returns.
        using var run = new TinyRun();
        string yaml = run.Yaml(algorithm: "pg-seq-tis", iterations: 4, checkpointEvery: 3);
        var straight = RunRows(run, yaml, "straight");

        string dir = run.RunDir("cancelled");
        using var cancel = new CancellationTokenSource();
        var stopped = new RlTrainer(run.Spec(yaml), dir).Run(new InlineProgress(row => { if (row.Step == 2) cancel.Cancel(); }), cancel.Token);
        Assert.Equal(2, stopped.Iterations);
        Assert.True(Directory.Exists(Path.Combine(dir, "checkpoints", "step-000002")), "a cancelled run checkpoints the step it stopped at");

        var resumed = new RlTrainer(run.Spec(yaml), dir).Run();
        Assert.Equal(2, resumed.ResumedFromStep);
        var rows = new MetricsLog(dir).ReadAll();
        Assert.Equal(4, rows.Count);
        for (int i = 0; i < 4; i++) Assert.Equal(straight[i], rows[i], MetricsComparer.Instance);
    }

    /// <summary>Reports synchronously on the caller's thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class InlineProgress(Action<IterationMetrics> report) : IProgress<IterationMetrics>
    {
        public void Report(IterationMetrics value) => report(value);
    }

    [Fact]
    public void Resume_truncates_metrics_written_after_the_checkpoint()
    {
        using var run = new TinyRun();
        string dir = run.RunDir();
        RunRows(run, run.Yaml(iterations: 3, checkpointEvery: 2), "run");
        // step 3 was checkpointed at the end; drop it to simulate a crash after step 3's metrics but before its checkpoint
        Directory.Delete(Path.Combine(dir, "checkpoints", "step-000003"), recursive: true);
        var straight = new MetricsLog(dir).ReadAll();
        new RlTrainer(run.Spec(run.Yaml(iterations: 3, checkpointEvery: 2)), dir).Run();
        var again = new MetricsLog(dir).ReadAll();
        Assert.Equal([1, 2, 3], again.Select(r => r.Step));
        Assert.Equal(straight[2], again[2], MetricsComparer.Instance);
        Assert.Equal(4, File.ReadAllLines(Path.Combine(dir, MetricsLog.CsvFileName)).Length);
    }

    internal static List<IterationMetrics> RunRows(TinyRun run, string yaml, string name = "run")
    {
        new RlTrainer(run.Spec(yaml), run.RunDir(name)).Run();
        return [.. new MetricsLog(run.RunDir(name)).ReadAll()];
    }
}
