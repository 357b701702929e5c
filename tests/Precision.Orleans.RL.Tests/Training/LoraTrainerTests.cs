using Precision.Orleans.Tests.Shared;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Lora;
using Precision.Orleans.Engine.Training;
using Precision.Orleans.RL.Checkpoints;
using Precision.Orleans.RL.Training;
using Xunit;

namespace Precision.Orleans.RL.Tests.Training;

public sealed class LoraTrainerTests
{
    private static string LoraYaml(TinyRun run, int iterations, string rollout = "merged", string train = "fp32", int rank = 2) =>
        run.Yaml(train: train, rollout: train, iterations: iterations) + $"""

        lora:
          rank: {rank}
          alpha: {2 * rank}
          rollout: {rollout}
        """;

    [Fact]
    public void A_lora_checkpoint_holds_the_adapters_in_peft_layout_and_not_the_base_weights()
    {
        using var run = new TinyRun();
        var rows = RlTrainerTests.RunRows(run, LoraYaml(run, iterations: 2));
        string step = Path.Combine(run.RunDir(), "checkpoints", "step-000002");
        var files = Directory.GetFiles(step).Select(p => Path.GetFileName(p)!).Order().ToArray();
        Assert.Equal(["adapter_config.json", "adapter_model.safetensors", "manifest.json", "optimizer.safetensors", "tokenizer.chars.json", "trainer_state.json"], files);

        // The adapters load on their own against the base model, and they moved away from PEFT's B = 0 start.
        var baseModel = ModelCheckpoint.Load(run.ModelDir);
        var adapter = LoraAdapterFile.Load(step, baseModel.Layout);
        Assert.Equal(2, adapter.Config.Rank);
        Assert.Equal(4f, adapter.Config.Alpha);
        Assert.Equal(LoraConfig.KnownModules, adapter.Config.TargetModules);
        Assert.Contains(adapter.Layout.Targets, t => adapter.Weights.AsSpan((int)t.B.Offset, (int)t.B.Count).ToArray().Any(w => w != 0));
        Assert.Contains(rows, r => r.GradNormMax > 0);
        // The optimizer moments are the adapters' only.
        using var optimizer = SafetensorsFile.Open(Path.Combine(step, CheckpointStore.OptimizerFileName));
        Assert.Equal(adapter.Layout.TotalCount, optimizer["exp_avg"].Shape.Single());
    }

    [Theory]
    [InlineData("merged")]
    [InlineData("unmerged")]
    public void A_resumed_lora_run_reproduces_the_uninterrupted_runs_metrics_exactly(string rollout)
    {
        using var run = new TinyRun();
        var straight = RlTrainerTests.RunRows(run, LoraYaml(run, iterations: 3, rollout, train: "fp16"), "straight");

        string dir = run.RunDir("resumed");
        new RlTrainer(run.Spec(LoraYaml(run, iterations: 2, rollout, train: "fp16")), dir).Run();
        var summary = new RlTrainer(run.Spec(LoraYaml(run, iterations: 3, rollout, train: "fp16")), dir).Run();
        var resumed = new MetricsLog(dir).ReadAll();

        Assert.Equal(2, summary.ResumedFromStep);
        Assert.Equal(3, resumed.Count);
        for (int i = 0; i < 3; i++) Assert.Equal(straight[i], resumed[i], MetricsComparer.Instance);
        Assert.Contains(straight, r => r.GradNormMax > 0);
        Assert.NotEqual(straight[0].K3, straight[2].K3);
    }

    [Fact]
    public void The_optimizer_state_figures_are_the_engines_for_lora_and_for_full_fine_tuning_of_the_same_model()
    {
        using var run = new TinyRun();
        OptimizerFootprint? started = null;
        var lora = new RlTrainer(run.Spec(LoraYaml(run, iterations: 1, rank: 2)), run.RunDir("lora")) { Started = f => started = f }.Run();
        var full = new RlTrainer(run.Spec(run.Yaml(iterations: 1)), run.RunDir("full")).Run();

        var baseModel = ModelCheckpoint.Load(run.ModelDir);
        var loraEngine = new TrainingEngine(baseModel.Config, new TrainingOptions { Lora = new LoraConfig { Rank = 2, Alpha = 4 } }, baseModel.Weights);
        var fullEngine = new TrainingEngine(baseModel.Config, new TrainingOptions(), baseModel.Weights);

        var f = lora.Footprint!;
        Assert.Equal(started, f);
        Assert.Equal(loraEngine.OptimizerStateBytes, f.OptimizerStateBytes);
        Assert.Equal(loraEngine.TrainableParameters, f.TrainableParameters);
        Assert.Equal(fullEngine.OptimizerStateBytes, f.FullOptimizerStateBytes);
        Assert.Equal(fullEngine.TrainableParameters, f.FullParameters);
        Assert.Equal(full.Footprint!.OptimizerStateBytes, f.FullOptimizerStateBytes);
        Assert.True(f.OptimizerStateBytes < f.FullOptimizerStateBytes);
        Assert.Equal(2, f.LoraRank);
        Assert.Null(full.Footprint.LoraRank);
        // Recorded beside the metrics for reports.
        Assert.Equal(f, OptimizerFootprint.Read(run.RunDir("lora")));
        Assert.Contains($"LoRA r=2: {f.TrainableParameters:N0} trainable", f.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_lora_spec_does_not_resume_a_full_fine_tuning_checkpoint_nor_the_reverse()
    {
        using var run = new TinyRun();
        RlTrainerTests.RunRows(run, run.Yaml(iterations: 1), "full");
        var e = Assert.Throws<InvalidOperationException>(() => new RlTrainer(run.Spec(LoraYaml(run, iterations: 2)), run.RunDir("full")).Run());
        Assert.Contains("holds a fully fine-tuned model", e.Message);

        RlTrainerTests.RunRows(run, LoraYaml(run, iterations: 1), "lora");
        e = Assert.Throws<InvalidOperationException>(() => new RlTrainer(run.Spec(run.Yaml(iterations: 2)), run.RunDir("lora")).Run());
        Assert.Contains("holds LoRA adapters", e.Message);
        e = Assert.Throws<InvalidOperationException>(() => new RlTrainer(run.Spec(LoraYaml(run, iterations: 2, rank: 3)), run.RunDir("lora")).Run());
        Assert.Contains("adapter_config.json' has adapter config", e.Message);
    }
}
