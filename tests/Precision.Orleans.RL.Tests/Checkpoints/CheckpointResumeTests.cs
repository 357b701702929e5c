using Precision.Orleans.Tests.Shared;
using Precision.Orleans.RL.Checkpoints;
using Precision.Orleans.RL.Tests.Training;
using Precision.Orleans.RL.Training;
using Xunit;

namespace Precision.Orleans.RL.Tests.Checkpoints;

public sealed class CheckpointResumeTests
{
    [Fact]
    public void Only_the_newest_keep_checkpoints_remain_and_no_staging_directory_is_left()
    {
        using var run = new TinyRun();
        RlTrainerTests.RunRows(run, run.Yaml(iterations: 4, checkpointEvery: 1, keep: 2));
        var names = Directory.GetFileSystemEntries(Path.Combine(run.RunDir(), "checkpoints")).Select(p => Path.GetFileName(p)!).Order().ToArray();
        Assert.Equal(["step-000003", "step-000004"], names);
        var files = Directory.GetFiles(Path.Combine(run.RunDir(), "checkpoints", "step-000004")).Select(p => Path.GetFileName(p)!).Order().ToArray();
        Assert.Equal(["config.json", "manifest.json", "model.safetensors", "optimizer.safetensors", "tokenizer.chars.json", "trainer_state.json"], files);
        var state = TrainerState.FromJson(File.ReadAllText(Path.Combine(run.RunDir(), "checkpoints", "step-000004", "trainer_state.json")));
        Assert.Equal(4, state.Step);
        Assert.Equal(4, state.WeightVersion);
        Assert.Equal(4 * 3, state.DataPosition);
    }

    [Fact]
    public void A_flipped_byte_in_the_newest_checkpoint_is_refused_naming_the_file_and_the_intact_previous_one()
    {
        using var run = new TinyRun();
        string dir = run.RunDir();
        var straight = RlTrainerTests.RunRows(run, run.Yaml(iterations: 3), "straight");
        RlTrainerTests.RunRows(run, run.Yaml(iterations: 2));
        string newest = Path.Combine(dir, "checkpoints", "step-000002"), previous = Path.Combine(dir, "checkpoints", "step-000001");
        string victim = Path.Combine(newest, CheckpointStore.OptimizerFileName);
        var bytes = File.ReadAllBytes(victim);
        bytes[^5] ^= 0x40;
        File.WriteAllBytes(victim, bytes);

        var e = Assert.Throws<CheckpointCorruptException>(() => new RlTrainer(run.Spec(run.Yaml(iterations: 3)), dir).Run());
        Assert.Contains(victim, e.Message);
        Assert.Contains("SHA-256", e.Message);
        Assert.Contains("--resume-from step-000001", e.Message);
        Assert.Equal(victim, e.File);
        Assert.True(Directory.Exists(newest) && Directory.Exists(previous)); // nothing deleted
        Assert.Equal(2, new MetricsLog(dir).ReadAll().Count); // nor the metrics touched

        // resuming from the named intact checkpoint continues the same curve
        var summary = new RlTrainer(run.Spec(run.Yaml(iterations: 3)), dir) { ResumeFrom = "step-000001" }.Run();
        Assert.Equal(1, summary.ResumedFromStep);
        var resumed = new MetricsLog(dir).ReadAll();
        Assert.Equal(3, resumed.Count);
        for (int i = 0; i < 3; i++) Assert.Equal(straight[i], resumed[i], MetricsComparer.Instance);
        Assert.Single(Directory.GetDirectories(Path.Combine(dir, "checkpoints"), "step-000002.superseded-*"));
    }

    [Fact]
    public void A_checkpoint_of_a_different_algorithm_is_not_resumed()
    {
        using var run = new TinyRun();
        RlTrainerTests.RunRows(run, run.Yaml(iterations: 1));
        var e = Assert.Throws<InvalidOperationException>(() => new RlTrainer(run.Spec(run.Yaml(algorithm: "grpo", iterations: 2)), run.RunDir()).Run());
        Assert.Contains("different trajectory", e.Message);
    }

    [Fact]
    public void A_torn_metrics_line_and_a_stale_staging_directory_from_a_killed_process_do_not_stop_the_resume()
    {
        using var run = new TinyRun();
        string dir = run.RunDir();
        var straight = RlTrainerTests.RunRows(run, run.Yaml(iterations: 2), "straight");
        RlTrainerTests.RunRows(run, run.Yaml(iterations: 1));
        File.AppendAllText(Path.Combine(dir, MetricsLog.JsonlFileName), "{\"step\": 2, \"optimizer_st");
        string stale = Path.Combine(dir, "checkpoints", ".tmp-step-000002-dead");
        Directory.CreateDirectory(stale);
        File.WriteAllText(Path.Combine(stale, "model.safetensors"), "half");

        new RlTrainer(run.Spec(run.Yaml(iterations: 2)), dir).Run();
        var rows = new MetricsLog(dir).ReadAll();
        Assert.Equal(2, rows.Count);
        Assert.Equal(straight[1], rows[1], MetricsComparer.Instance);
        Assert.False(Directory.Exists(stale));
    }
}
