using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Client.LanguageModel;

/// <summary>What <c>precision train-lm</c> trains and where it writes.</summary>
internal sealed record TrainLmSettings
{
    public required string OutputDirectory { get; init; }
    public int Steps { get; init; } = 1200;
    public int BatchSize { get; init; } = 16;
    public int SeqLen { get; init; } = 256;
    public DType DType { get; init; } = DType.Fp32;
    public float LearningRate { get; init; } = 3e-3f;
    public int WarmupSteps { get; init; } = 20;
    public int Seed { get; init; }

    /// <summary>Corpus tasks to train on (default: the default mix, without the long-form saga).</summary>
    public IReadOnlyList<string> Tasks { get; init; } = Engine.Data.SyntheticCorpus.Tasks;
    public int HiddenSize { get; init; } = 128;
    public int Layers { get; init; } = 4;
    public int Heads { get; init; } = 4;
    public int KvHeads { get; init; } = 2;
    public int IntermediateSize { get; init; } = 384;

    public ModelConfig ModelConfig(int vocabSize, int bosId, int eosId) => new ModelConfig
    {
        ModelType = "qwen2",
        VocabSize = vocabSize,
        HiddenSize = HiddenSize,
        IntermediateSize = IntermediateSize,
        NumHiddenLayers = Layers,
        NumAttentionHeads = Heads,
        NumKeyValueHeads = KvHeads,
        // Room for a prompt plus a long sampled response in the mismatch analysis.
        MaxPositionEmbeddings = Math.Max(1024, SeqLen),
        BosTokenId = bosId,
        EosTokenId = eosId,
    }.Validate();

    /// <summary>Linear warmup then cosine decay to 10% of the peak: a tiny model learns fastest this way in few steps.</summary>
    public float LearningRateAt(int step)
    {
        if (step <= WarmupSteps) return LearningRate * step / Math.Max(1, WarmupSteps);
        double progress = (double)(step - WarmupSteps) / Math.Max(1, Steps - WarmupSteps);
        return (float)(LearningRate * (0.1 + 0.9 * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(1, progress)))));
    }
}
