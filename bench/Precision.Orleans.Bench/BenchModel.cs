using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Bench;

/// <summary>
/// The ~10M-parameter Qwen2-shaped model every benchmark uses; its JSON is handed unchanged to the
/// PyTorch peers so both sides build the same model.
/// </summary>
internal sealed record BenchModel(ModelConfig Config)
{
    public static BenchModel Default() => new(new ModelConfig
    {
        ModelType = "qwen2",
        VocabSize = 4096,
        HiddenSize = 384,
        IntermediateSize = 1152,
        NumHiddenLayers = 4,
        NumAttentionHeads = 6,
        NumKeyValueHeads = 2,
        MaxPositionEmbeddings = 2048,
        TieWordEmbeddings = false,
    }.Validate());

    public long ParameterCount => new ParameterLayout(Config).TotalCount;

    /// <summary>Parameters that take part in matrix products per token (all but the embedding gather and norms/biases).</summary>
    public long MatmulParameterCount
    {
        get
        {
            var c = Config;
            long perLayer = (long)c.HiddenSize * (c.QDim + 2 * c.KvDim) + (long)c.QDim * c.HiddenSize + 3L * c.HiddenSize * c.IntermediateSize;
            return perLayer * c.NumHiddenLayers + (long)c.VocabSize * c.HiddenSize;
        }
    }

    /// <summary>FLOPs of one forward+backward step: 6 per matmul weight per token, plus causal attention (QKᵀ and PV, half the T² square, ×3 for backward).</summary>
    public double TrainStepFlops(int batch, int seq) =>
        6.0 * MatmulParameterCount * batch * seq + 6.0 * Config.NumHiddenLayers * batch * (double)seq * seq * Config.QDim;

    public string CompactJson => Config.ToJson().ReplaceLineEndings(" ");
}
