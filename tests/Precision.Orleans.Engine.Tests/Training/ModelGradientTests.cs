using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Training;
using Precision.Orleans.Engine.Tests.Reference;
using Xunit;
using static Precision.Orleans.Engine.Tests.Training.GradientCheck;

namespace Precision.Orleans.Engine.Tests.Training;

/// <summary>The whole FP32 training engine against the FP64 reference model: log-probs, and the LM-loss gradient of every tensor.</summary>
public class ModelGradientTests
{
    [Theory]
    [InlineData("qwen2")]
    [InlineData("llama-tied")]
    public void Log_probs_match_fp64_reference_model(string model)
    {
        var config = TinyModels.ByName(model);
        var engine = new TrainingEngine(config, new TrainingOptions { ComputeDType = DType.Fp32 });
        TinyModels.Weights(engine.Layout, 11).CopyTo(engine.MasterWeights, 0);
        engine.RefreshComputeWeights();
        var batch = TinyModels.Batch();
        var logp = engine.ComputeLogProbs(batch);
        var reference = Fp64ReferenceModel.LogProbs(config, engine.Layout, ToDouble(engine.MasterWeights), batch.Tokens, batch.BatchSize, batch.SeqLen, batch.Lengths);
        AssertClose("logp", logp, reference, 1e-5);
        // position 0 and padding carry no log-prob
        Assert.Equal(0f, logp[0]);
        Assert.Equal(0f, logp[batch.SeqLen + 4]);
        Assert.Equal(0f, logp[batch.SeqLen + 5]);
        Assert.Equal(logp, engine.Forward(batch));
        // logits of row (0, 0) predict token 1: their log-softmax at tokens[1] is logp[1]
        var logits = engine.ComputeLogits(batch);
        Assert.Equal(batch.BatchSize * batch.SeqLen * config.VocabSize, logits.Length);
        double max = logits.Take(config.VocabSize).Max();
        double lse = max + Math.Log(logits.Take(config.VocabSize).Sum(l => Math.Exp(l - max)));
        Assert.Equal(logp[1], logits[batch.Tokens[1]] - lse, 4);
    }

    [Theory]
    [InlineData("qwen2")]
    [InlineData("llama-tied")]
    public void Loss_gradient_of_every_tensor_matches_fp64_finite_differences(string model)
    {
        var config = TinyModels.ByName(model);
        var engine = new TrainingEngine(config, new TrainingOptions { ComputeDType = DType.Fp32 });
        TinyModels.Weights(engine.Layout, 12).CopyTo(engine.MasterWeights, 0);
        engine.RefreshComputeWeights();
        var batch = TinyModels.Batch();

        var logp = engine.Forward(batch);
        float maskSum = batch.TargetMask.Sum();
        var dLogp = batch.TargetMask.Select(m => -m / maskSum).ToArray();
        engine.ZeroGradients();
        engine.Backward(dLogp);

        var p = ToDouble(engine.MasterWeights);
        double Loss(double[] w) => Fp64ReferenceModel.Loss(config, engine.Layout, w, batch.Tokens, batch.BatchSize, batch.SeqLen, batch.Lengths, batch.TargetMask);
        double engineLoss = -logp.Zip(batch.TargetMask, (l, m) => l * m).Sum() / maskSum;
        Assert.Equal(Loss(p), engineLoss, 5);

        var rng = new Random(13);
        foreach (var info in engine.Layout.Parameters)
        {
            // up to 24 random coordinates of every tensor
            var coords = Enumerable.Range(0, (int)info.Count).OrderBy(_ => rng.Next()).Take(24).Select(i => (int)info.Offset + i).ToArray();
            var fd = Fp64Reference.FiniteDifference(Loss, p, coords);
            AssertClose(info.Name, At(engine.Gradients, coords), fd);
        }
    }

    [Fact]
    public void Backward_accumulates_and_needs_a_forward()
    {
        var engine = new TrainingEngine(TinyModels.Qwen2, new TrainingOptions());
        var batch = TinyModels.Batch();
        var dLogp = batch.TargetMask.Select(m => -m).ToArray();
        Assert.Throws<InvalidOperationException>(() => engine.Backward(dLogp));
        engine.Forward(batch);
        engine.Backward(dLogp);
        var once = (float[])engine.Gradients.Clone();
        Assert.Contains(once, g => g != 0f);
        engine.Forward(batch);
        engine.Backward(dLogp);
        for (int i = 0; i < once.Length; i++) Assert.Equal(2 * once[i], engine.Gradients[i], 1e-6f + 1e-5f * Math.Abs(once[i]));
        engine.ComputeLogProbs(batch);
        Assert.Throws<InvalidOperationException>(() => engine.Backward(dLogp));
        engine.Forward(batch);
        Assert.Throws<ArgumentException>(() => engine.Backward(new float[3]));
        engine.ZeroGradients();
        Assert.All(engine.Gradients, g => Assert.Equal(0f, g));
    }

    [Fact]
    public void Batches_of_changing_shape_reuse_buffers_and_give_the_same_results_as_a_fresh_engine()
    {
        var weights = TinyModels.Weights(new Model.ParameterLayout(TinyModels.Qwen2), 14);
        var big = TokenBatch.FromSequences([[1, 2, 3, 4, 5, 6, 7, 8], [9, 10, 11], [12, 13, 14, 15]]);
        var small = TinyModels.Batch();
        var reused = new TrainingEngine(TinyModels.Qwen2, new TrainingOptions { ComputeDType = DType.Bf16 }, (float[])weights.Clone());
        reused.ComputeLogProbs(big);
        var fresh = new TrainingEngine(TinyModels.Qwen2, new TrainingOptions { ComputeDType = DType.Bf16 }, (float[])weights.Clone());
        Assert.Equal(fresh.Forward(small), reused.Forward(small));
        var dLogp = small.TargetMask.Select(m => -m).ToArray();
        fresh.Backward(dLogp);
        reused.Backward(dLogp);
        Assert.Equal(fresh.Gradients, reused.Gradients);
        Assert.Equal(fresh.ComputeLogits(big), reused.ComputeLogits(big));
    }
}
