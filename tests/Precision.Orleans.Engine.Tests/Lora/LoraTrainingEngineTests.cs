using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Lora;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Tests.Reference;
using Precision.Orleans.Engine.Training;
using Xunit;
using Xunit.Abstractions;
using static Precision.Orleans.Engine.Tests.Training.GradientCheck;
using TinyModels = Precision.Orleans.Engine.Tests.Training.TinyModels;

namespace Precision.Orleans.Engine.Tests.Lora;

/// <summary>The training engine with LoRA adapters: gradients, frozen base, exact step-0 equality, optimizer memory.</summary>
public class LoraTrainingEngineTests(ITestOutputHelper output)
{
    private static TrainingEngine Engine(ModelConfig config, DType dtype, LoraConfig? lora, int seed = 11)
    {
        var layout = new ParameterLayout(config);
        return new TrainingEngine(config, new TrainingOptions { ComputeDType = dtype, Lora = lora }, TinyModels.Weights(layout, seed));
    }

    private static ModelConfig ByName(string model) => model.StartsWith("qwen3", StringComparison.Ordinal)
        ? Precision.Orleans.Engine.Tests.Training.TinyMoeModels.ByName(model)
        : TinyModels.ByName(model);

    [Theory]
    [InlineData("qwen2")]
    [InlineData("llama-tied")]
    [InlineData("qwen3-moe")] // adapters on every expert's gate/up/down too
    [InlineData("qwen3-moe-mixed")]
    public void Adapter_gradients_on_all_seven_modules_match_fp64_finite_differences(string model)
    {
        var config = ByName(model);
        var engine = Engine(config, DType.Fp32, LoraTestModels.AllModules());
        var adapters = engine.Adapters!;
        int sparse = Enumerable.Range(0, config.NumHiddenLayers).Count(config.IsSparseLayer);
        Assert.Equal(7 * config.NumHiddenLayers + 3 * sparse * (config.NumExperts - 1), adapters.Layout.Targets.Count);
        LoraTestModels.Adapters(adapters.Layout, 5).CopyTo(adapters.Weights, 0);
        engine.RefreshAdapterComputeWeights();
        var batch = TinyModels.Batch();

        var logp = engine.Forward(batch);
        float maskSum = batch.TargetMask.Sum();
        engine.Backward(batch.TargetMask.Select(m => -m / maskSum).ToArray());

        var baseWeights = ToDouble(engine.MasterWeights);
        double Loss(double[] a) => Fp64ReferenceModel.Loss(config, engine.Layout, LoraTestModels.Merge(adapters.Layout, baseWeights, a),
            batch.Tokens, batch.BatchSize, batch.SeqLen, batch.Lengths, batch.TargetMask);
        var p = ToDouble(adapters.Weights);
        double engineLoss = -logp.Zip(batch.TargetMask, (l, m) => l * m).Sum() / maskSum;
        Assert.Equal(Loss(p), engineLoss, 5);

        var rng = new Random(13);
        int unrouted = 0;
        foreach (var info in adapters.Layout.Parameters)
        {
            var coords = Enumerable.Range(0, (int)info.Count).OrderBy(_ => rng.Next()).Take(12).Select(i => (int)info.Offset + i).ToArray();
            var fd = Fp64Reference.FiniteDifference(Loss, p, coords);
            if (fd.All(g => g == 0))
            {
                // an expert no token was routed to: its adapter gets exactly no gradient, in both
                Assert.True(info.Name.Contains(".experts.", StringComparison.Ordinal), $"{info.Name}: zero reference gradient outside an expert");
                Assert.All(At(adapters.Gradients, coords), g => Assert.Equal(0, g));
                unrouted++;
                continue;
            }
            AssertClose(info.Name, At(adapters.Gradients, coords), fd);
        }
        Assert.True(unrouted <= adapters.Layout.Parameters.Count / 4, $"{unrouted} adapter tensors had no gradient: the check covers too little");
        // the base is frozen: no gradient buffer at all
        Assert.Empty(engine.Gradients);
    }

    [Theory]
    [InlineData(DType.Fp32)]
    [InlineData(DType.Bf16)]
    [InlineData(DType.Fp16)]
    public void A_fresh_peft_adapter_gives_exactly_the_base_models_log_probs(DType dtype)
    {
        var config = TinyModels.Qwen2;
        var full = Engine(config, dtype, null);
        var lora = Engine(config, dtype, LoraTestModels.AllModules(rank: 4, alpha: 8));
        var adapters = lora.Adapters!;
        // PEFT init: A ~ U(±1/√in) non-zero, B = 0
        foreach (var t in adapters.Layout.Targets)
        {
            var a = adapters.Weights.AsSpan((int)t.A.Offset, (int)t.A.Count);
            float bound = 1f / MathF.Sqrt(t.InFeatures);
            Assert.Contains(a.ToArray(), v => v != 0f);
            foreach (float v in a) Assert.InRange(v, -bound, bound);
            Assert.All(adapters.Weights.AsSpan((int)t.B.Offset, (int)t.B.Count).ToArray(), v => Assert.Equal(0f, v));
        }
        var batch = TinyModels.Batch();
        Assert.Equal(full.ComputeLogProbs(batch), lora.ComputeLogProbs(batch));
        Assert.Equal(full.ComputeLogits(batch), lora.ComputeLogits(batch));
    }

    [Theory]
    [InlineData(DType.Bf16)]
    [InlineData(DType.Fp16)]
    public void Optimizer_steps_move_only_the_adapters_and_lower_the_loss(DType dtype)
    {
        var config = TinyModels.Qwen2;
        var engine = new TrainingEngine(config, new TrainingOptions
        {
            ComputeDType = dtype,
            Lora = LoraTestModels.AllModules(rank: 4, alpha: 8),
            Optimizer = new AdamWOptions { LearningRate = 1e-2f, WeightDecay = 0.01f },
        }, TinyModels.Weights(new ParameterLayout(config), 3));
        var baseBefore = (float[])engine.MasterWeights.Clone();
        var computeBefore = engine.ComputeWeights.ToArray();
        var adaptersBefore = (float[])engine.Adapters!.Weights.Clone();
        var batch = TinyModels.Batch();
        var first = engine.TrainLanguageModelStep(batch);
        LanguageModelStepResult last = first;
        for (int i = 0; i < 15; i++) last = engine.TrainLanguageModelStep(batch);
        output.WriteLine($"{dtype}: loss {first.Loss:F4} -> {last.Loss:F4}, applied {last.Step.Applied}");

        Assert.Equal(baseBefore, engine.MasterWeights);
        Assert.Equal(computeBefore, engine.ComputeWeights.ToArray());
        Assert.NotEqual(adaptersBefore, engine.Adapters.Weights);
        // B left zero (the gradient reached B) and the loss fell
        Assert.Contains(engine.Adapters.Layout.Targets, t => engine.Adapters.Weights.AsSpan((int)t.B.Offset, (int)t.B.Count).ToArray().Any(v => v != 0f));
        Assert.True(last.Loss < first.Loss - 0.05, $"loss did not fall: {first.Loss} -> {last.Loss}");
        Assert.Equal(16, engine.Optimizer.StepCount + engine.LossScaler.SkippedSteps);
    }

    [Fact]
    public void A_non_finite_adapter_gradient_skips_the_step_and_leaves_the_adapters()
    {
        var config = TinyModels.Qwen2;
        var engine = new TrainingEngine(config, new TrainingOptions { ComputeDType = DType.Fp16, Lora = LoraTestModels.AllModules() },
            TinyModels.Weights(new ParameterLayout(config), 3));
        var before = (float[])engine.Adapters!.Weights.Clone();
        engine.Adapters.Gradients[3] = float.PositiveInfinity;
        var step = engine.OptimizerStep();
        Assert.False(step.Applied);
        Assert.Equal(before, engine.Adapters.Weights);
        Assert.True(step.NextLossScale < step.LossScale);
        Assert.All(engine.Adapters.Gradients, g => Assert.Equal(0f, g));
    }

    [Fact]
    public void Optimizer_state_is_held_only_for_the_adapters()
    {
        var config = TinyModels.Qwen2;
        var full = Engine(config, DType.Bf16, null);
        var lora = Engine(config, DType.Bf16, LoraTestModels.AllModules(rank: 2));
        output.WriteLine($"AdamW state: LoRA {lora.OptimizerStateBytes} B ({lora.TrainableParameters} params) vs full {full.OptimizerStateBytes} B ({full.TrainableParameters} params)");
        Assert.Equal(full.Layout.TotalCount, full.TrainableParameters);
        Assert.Equal(8L * full.Layout.TotalCount, full.OptimizerStateBytes);
        // r·(in + out) per targeted [out, in] weight
        long expected = lora.Adapters!.Layout.Targets.Sum(t => 2L * (t.InFeatures + t.OutFeatures));
        Assert.Equal(expected, lora.TrainableParameters);
        Assert.Equal(8L * expected, lora.OptimizerStateBytes);
        Assert.Equal((double)lora.TrainableParameters / full.TrainableParameters, (double)lora.OptimizerStateBytes / full.OptimizerStateBytes, 12);
        Assert.True(lora.OptimizerStateBytes < full.OptimizerStateBytes);
    }

    [Fact]
    public void Full_fine_tuning_refuses_adapter_weights()
    {
        Assert.Throws<ArgumentException>(() => new TrainingEngine(TinyModels.Qwen2, new TrainingOptions(), adapterWeights: new float[4]));
    }
}
