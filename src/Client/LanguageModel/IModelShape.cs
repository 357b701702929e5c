using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Text;

namespace Precision.Orleans.Client.LanguageModel;

/// <summary>The size knobs of the small Qwen-shaped models that <c>train-lm</c> and <c>pretrain</c> train from scratch.</summary>
internal interface IModelShape
{
    int HiddenSize { get; }
    int Layers { get; }
    int Heads { get; }
    int KvHeads { get; }
    int IntermediateSize { get; }

    /// <summary>qwen2 | llama | qwen3 | qwen3_moe (HF model_type). Default qwen2.</summary>
    string ModelType => "qwen2";

    /// <summary>Routed experts per MoE layer (qwen3_moe only; 0 for dense models).</summary>
    int Experts => 0;

    /// <summary>Experts each token is routed to (top-k; qwen3_moe only).</summary>
    int ExpertsPerToken => 0;

    /// <summary>SwiGLU inner width of one expert (qwen3_moe only).</summary>
    int MoeIntermediateSize => 0;
}

internal static class ModelShapeExtensions
{
    public static readonly IReadOnlyList<string> ModelTypes = ["qwen2", "llama", "qwen3", "qwen3_moe"];

    /// <summary>Throws an <see cref="ArgumentException"/> naming the command-line option that makes no model.</summary>
    public static void ValidateShape(this IModelShape shape)
    {
        if (!ModelTypes.Contains(shape.ModelType))
            throw new ArgumentException($"--model-type must be one of {string.Join(", ", ModelTypes)}, got '{shape.ModelType}'");
        if (shape.ModelType == "qwen3_moe")
        {
            if (shape.Experts < 1) throw new ArgumentException($"--experts must be >= 1 for qwen3_moe, got {shape.Experts}");
            if (shape.ExpertsPerToken < 1 || shape.ExpertsPerToken > shape.Experts)
                throw new ArgumentException($"--experts-per-token must be in [1, --experts = {shape.Experts}], got {shape.ExpertsPerToken}");
            if (shape.MoeIntermediateSize < 1) throw new ArgumentException($"--moe-intermediate must be >= 1 for qwen3_moe, got {shape.MoeIntermediateSize}");
        }
    }

    /// <summary>
    /// The validated config of a char-tokenizer model of this shape. A qwen3_moe model makes every layer sparse and
    /// renormalises its top-k weights (norm_topk_prob, as Qwen3-MoE checkpoints do).
    /// </summary>
    public static ModelConfig ToModelConfig(this IModelShape shape, int vocabSize, int maxPositions)
    {
        shape.ValidateShape();
        bool moe = shape.ModelType == "qwen3_moe";
        return new ModelConfig
        {
            ModelType = shape.ModelType,
            VocabSize = vocabSize,
            HiddenSize = shape.HiddenSize,
            IntermediateSize = shape.IntermediateSize,
            NumHiddenLayers = shape.Layers,
            NumAttentionHeads = shape.Heads,
            NumKeyValueHeads = shape.KvHeads,
            MaxPositionEmbeddings = maxPositions,
            BosTokenId = CharTokenizer.BosId,
            EosTokenId = CharTokenizer.EosId,
            NumExperts = moe ? shape.Experts : 0,
            NumExpertsPerToken = moe ? shape.ExpertsPerToken : 0,
            MoeIntermediateSize = moe ? shape.MoeIntermediateSize : 0,
            NormTopKProb = moe,
        }.Validate();
    }
}
