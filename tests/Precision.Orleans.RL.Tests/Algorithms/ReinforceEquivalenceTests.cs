using Xunit;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Training;
using Precision.Orleans.RL.Algorithms;

namespace Precision.Orleans.RL.Tests.Algorithms;

/// <summary>
/// pg-seq-is with μ = π is plain REINFORCE with the RLOO baseline: ∂Loss/∂log π(y_t) = −c_i·A_i on every response
/// token, and through the training engine the parameter gradient equals that of the surrogate −Σ c_i·A_i·log π.
/// </summary>
public sealed class ReinforceEquivalenceTests
{
    private static readonly ModelConfig Tiny = new()
    {
        ModelType = "qwen2", VocabSize = 16, HiddenSize = 16, IntermediateSize = 24, NumHiddenLayers = 1,
        NumAttentionHeads = 2, NumKeyValueHeads = 1,
    };

    public static TheoryData<LossAggregation> Modes() => [.. Enum.GetValues<LossAggregation>()];

    [Theory]
    [MemberData(nameof(Modes))]
    public void PgSeqIsOnPolicyIsReinforceWithRlooBaseline(LossAggregation aggregation)
    {
        // Two prompts × G = 2 responses of different lengths (so the aggregation modes differ), right-padded.
        int[][] sequences = [[1, 5, 6, 7, 8, 2], [1, 5, 6, 9, 2], [1, 4, 3, 10, 11, 12, 2], [1, 4, 3, 2]];
        int[] responseStart = [3, 3, 3, 3];
        var batch = TokenBatch.FromSequences(sequences, responseStart);
        const int maxResponseLength = 6;
        var advantages = Advantages.GroupRelative([1, 0, 0, 1], groupSize: 2, normalizeStd: false);   // RLOO: ±1

        var engine = new TrainingEngine(Tiny.Validate(), new TrainingOptions(), seed: 17);
        var logProbs = engine.Forward(batch);
        var inputs = new PolicyLossInputs
        {
            Sequences = batch.BatchSize, SeqLen = batch.SeqLen, LogProbs = logProbs,
            RolloutLogProbs = (float[])logProbs.Clone(),   // μ = π
            Mask = batch.TargetMask, Advantages = advantages,
            Normalizers = AggregationNormalizers.For(batch.TargetMask, batch.BatchSize, batch.SeqLen, maxResponseLength),
        };
        var result = new PgSeqIs(new AlgorithmOptions()).Compute(inputs, aggregation);

        // The REINFORCE surrogate's gradient, coefficient by hand: N = 4 sequences, 3+2+4+1 = 10 response tokens.
        int[] lengths = [3, 2, 4, 1];
        double Coefficient(int i) => aggregation switch
        {
            LossAggregation.TokenMean => 1.0 / 10,
            LossAggregation.SeqMeanTokenSum => 1.0 / 4,
            LossAggregation.SeqMeanTokenMean => 1.0 / (4 * lengths[i]),
            _ => 1.0 / (4 * maxResponseLength),
        };
        var reinforce = new float[logProbs.Length];
        for (int i = 0; i < batch.BatchSize; i++)
            for (int t = 0; t < batch.SeqLen; t++)
                if (batch.TargetMask[i * batch.SeqLen + t] != 0)
                    reinforce[i * batch.SeqLen + t] = (float)(-Coefficient(i) * advantages[i]);
        Assert.Equal(reinforce, result.DLogProbs);
        Assert.Equal(1, result.Stats.Mean);
        Assert.Equal(1, result.Stats.EffectiveSampleSize);

        engine.ZeroGradients();
        engine.Backward(result.DLogProbs);
        var pgGradient = (float[])engine.Gradients.Clone();

        engine.Forward(batch);   // Backward consumed the activations
        engine.ZeroGradients();
        engine.Backward(reinforce);
        var reinforceGradient = engine.Gradients;

        Assert.Contains(pgGradient, g => g != 0);
        for (int p = 0; p < pgGradient.Length; p++)
            Assert.True(Math.Abs(pgGradient[p] - reinforceGradient[p]) <= 1e-6f * Math.Max(1, Math.Abs(reinforceGradient[p])),
                $"parameter {p}: pg-seq-is {pgGradient[p]} vs REINFORCE {reinforceGradient[p]}");
    }
}
