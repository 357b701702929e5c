using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Text;

namespace Precision.Orleans.Client.LanguageModel;

/// <summary>The size knobs of the small Qwen2-shaped models that <c>train-lm</c> and <c>pretrain</c> train from scratch.</summary>
internal interface IModelShape
{
    int HiddenSize { get; }
    int Layers { get; }
    int Heads { get; }
    int KvHeads { get; }
    int IntermediateSize { get; }
}

internal static class ModelShapeExtensions
{
    /// <summary>The validated config of a char-tokenizer model of this shape.</summary>
    public static ModelConfig ToModelConfig(this IModelShape shape, int vocabSize, int maxPositions) => new ModelConfig
    {
        ModelType = "qwen2",
        VocabSize = vocabSize,
        HiddenSize = shape.HiddenSize,
        IntermediateSize = shape.IntermediateSize,
        NumHiddenLayers = shape.Layers,
        NumAttentionHeads = shape.Heads,
        NumKeyValueHeads = shape.KvHeads,
        MaxPositionEmbeddings = maxPositions,
        BosTokenId = CharTokenizer.BosId,
        EosTokenId = CharTokenizer.EosId,
    }.Validate();
}
