using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Training;
using Xunit;

namespace Precision.Orleans.Engine.Tests.Training;

/// <summary>
/// A sequence's log-probs must not depend on which other sequences share its batch or how far it is padded:
/// the RL trainer scores the same responses in differently composed micro-batches (the π_θ' pass in order, the
/// training forward shuffled), and GRPO's ratio r = π_θ/π_θ' must then be exactly 1 before the first step.
/// </summary>
public sealed class BatchInvarianceTests
{
    [Theory]
    [InlineData(DType.Fp32)]
    [InlineData(DType.Bf16)]
    [InlineData(DType.Fp16)]
    public void LogProbsOfARowAreBitIdenticalWhateverTheBatch(DType dtype)
    {
        var config = new ModelConfig
        {
            VocabSize = 40, HiddenSize = 64, IntermediateSize = 160, NumHiddenLayers = 2,
            NumAttentionHeads = 4, NumKeyValueHeads = 2, MaxPositionEmbeddings = 128,
        };
        var engine = new TrainingEngine(config, new TrainingOptions { ComputeDType = dtype }, null, seed: 11);
        var random = new Random(5);
        int[] Sequence(int length) => Enumerable.Range(0, length).Select(_ => random.Next(3, 40)).ToArray();
        var a = Sequence(23);
        var others = new[] { Sequence(57), Sequence(9), Sequence(31), Sequence(64) };

        var alone = engine.ComputeLogProbs(TokenBatch.FromSequences([a]));
        var batched = engine.ComputeLogProbs(TokenBatch.FromSequences([others[0], others[1], a, others[2], others[3]]));
        int t = 64; // padded length of the big batch
        for (int p = 1; p < a.Length; p++)
            Assert.Equal(BitConverter.SingleToInt32Bits(alone[p]), BitConverter.SingleToInt32Bits(batched[2 * t + p]));
    }
}
