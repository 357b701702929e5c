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
    /// <summary>The most parameters a model built here may have: FP32 masters + AdamW moments + gradients are 16 bytes each.</summary>
    public const long MaxParameters = 500_000_000;

    public static void ValidateShape(this IModelShape shape)
    {
        static void Within(string option, int value, int max)
        {
            if (value < 1 || value > max) throw new ArgumentException($"{option} must be in [1, {max}], got {value}");
        }
        Within("--hidden", shape.HiddenSize, 16384);
        Within("--layers", shape.Layers, 256);
        Within("--heads", shape.Heads, 256);
        Within("--kv-heads", shape.KvHeads, 256);
        Within("--intermediate", shape.IntermediateSize, 65536);
        // Counted in long: the int the engine's layout uses would overflow first and report nothing useful.
        long perLayerMlp = shape.ModelType == "qwen3_moe"
            ? (long)Math.Max(shape.Experts, 1) * 3 * shape.HiddenSize * Math.Max(shape.MoeIntermediateSize, 1)
            : 3L * shape.HiddenSize * shape.IntermediateSize;
        long parameters = (long)shape.Layers * (4L * shape.HiddenSize * shape.HiddenSize + perLayerMlp);
        if (parameters > MaxParameters)
            throw new ArgumentException(
                $"--hidden {shape.HiddenSize} × --layers {shape.Layers} (--intermediate {shape.IntermediateSize}) makes about {parameters:N0} parameters; at most {MaxParameters:N0} fit this CPU engine's memory (16 bytes each while training)");
        if (!ModelTypes.Contains(shape.ModelType))
            throw new ArgumentException($"--model-type must be one of {string.Join(", ", ModelTypes)}, got '{shape.ModelType}'");
        if (shape.ModelType == "qwen3_moe")
        {
            if (shape.Experts < 1 || shape.Experts > 256) throw new ArgumentException($"--experts must be in [1, 256] for qwen3_moe, got {shape.Experts}");
            if (shape.ExpertsPerToken < 1 || shape.ExpertsPerToken > shape.Experts)
                throw new ArgumentException($"--experts-per-token must be in [1, --experts = {shape.Experts}], got {shape.ExpertsPerToken}");
            if (shape.MoeIntermediateSize < 1 || shape.MoeIntermediateSize > 65536) throw new ArgumentException($"--moe-intermediate must be in [1, 65536] for qwen3_moe, got {shape.MoeIntermediateSize}");
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
