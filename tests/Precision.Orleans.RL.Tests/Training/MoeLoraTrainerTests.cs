using Precision.Orleans.Tests.Shared;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Training;
using Precision.Orleans.RL.Training;
using Xunit;

namespace Precision.Orleans.RL.Tests.Training;

public sealed class MoeLoraTrainerTests
{
    /// <summary>Replaces the tiny run's dense model with a qwen3_moe one of the same vocabulary (tokenizer kept).</summary>
    internal static void UseMoeModel(TinyRun run)
    {
        var dense = ModelCheckpoint.Load(run.ModelDir).Config;
        var config = dense with
        {
            ModelType = "qwen3_moe", NumExperts = 4, NumExpertsPerToken = 2, MoeIntermediateSize = 8, NormTopKProb = true,
        };
        var engine = new TrainingEngine(config, new TrainingOptions(), null, seed: 3);
        ModelCheckpoint.Save(run.ModelDir, config, engine.Layout, engine.MasterWeights);
    }

    [Fact]
    public void Moe_aux_loss_coef_reaches_the_training_engine_and_zero_leaves_it_off()
    {
        using var run = new TinyRun();
        UseMoeModel(run);
        string yaml(string moe) => run.Yaml().Replace("model: model", "model:\n  path: model\n" + moe, StringComparison.Ordinal);
        Assert.Equal(0.01f, new RlTrainer(run.Spec(yaml("  moe:\n    aux_loss_coef: 0.01\n")), run.RunDir()).TrainingOptions().RouterAuxLossCoef);
        Assert.Null(new RlTrainer(run.Spec(yaml("  moe: {}\n")), run.RunDir()).TrainingOptions().RouterAuxLossCoef);
        Assert.Null(new RlTrainer(run.Spec(run.Yaml()), run.RunDir()).TrainingOptions().RouterAuxLossCoef);
    }

    [Fact]
    public void A_lora_run_on_a_moe_model_trains_expert_adapters_and_resumes_exactly()
    {
        using var run = new TinyRun();
        UseMoeModel(run);
        string yaml(int iterations) => run.Yaml(iterations: iterations).Replace("model: model", "model:\n  path: model\n  moe:\n    aux_loss_coef: 0.01\n", StringComparison.Ordinal)
                                       + "\nlora:\n  rank: 2\n  alpha: 4\n";
        var straight = RlTrainerTests.RunRows(run, yaml(2), "straight");
        new RlTrainer(run.Spec(yaml(1)), run.RunDir("resumed")).Run();
        new RlTrainer(run.Spec(yaml(2)), run.RunDir("resumed")).Run();
        var resumed = new MetricsLog(run.RunDir("resumed")).ReadAll();
        for (int i = 0; i < 2; i++) Assert.Equal(straight[i], resumed[i], MetricsComparer.Instance);
        Assert.Contains(straight, r => r.GradNormMax > 0);
        var adapter = Engine.Lora.LoraAdapterFile.Load(Path.Combine(run.RunDir("straight"), "checkpoints", "step-000002"), ModelCheckpoint.Load(run.ModelDir).Layout);
        Assert.Contains(adapter.Layout.Targets, t => t.BaseName.Contains(".experts.", StringComparison.Ordinal));
    }
}
