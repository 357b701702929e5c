using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Training;

namespace Precision.Orleans.Engine.Tests.Training;

/// <summary>Tiny configs, weights and batches for whole-model tests.</summary>
internal static class TinyModels
{
    public static ModelConfig Qwen2 => new()
    {
        ModelType = "qwen2", VocabSize = 17, HiddenSize = 16, IntermediateSize = 24, NumHiddenLayers = 2,
        NumAttentionHeads = 4, NumKeyValueHeads = 2, TieWordEmbeddings = false,
    };

    public static ModelConfig LlamaTied => new()
    {
        ModelType = "llama", VocabSize = 17, HiddenSize = 16, IntermediateSize = 24, NumHiddenLayers = 2,
        NumAttentionHeads = 4, NumKeyValueHeads = 2, TieWordEmbeddings = true,
    };

    public static ModelConfig ByName(string name) => name switch
    {
        "qwen2" => Qwen2,
        "llama-tied" => LlamaTied,
        _ => throw new ArgumentException($"unknown tiny model '{name}'"),
    };

    /// <summary>
    /// Weights large enough that attention is far from uniform and every tensor's gradient is substantial:
    /// matrices ~U(±0.5), norm weights 1 ± 0.3, biases ±0.3.
    /// </summary>
    public static float[] Weights(ParameterLayout layout, int seed)
    {
        var rng = new Random(seed);
        var w = new float[layout.TotalCount];
        foreach (var p in layout.Parameters)
        {
            bool norm = p.Name.EndsWith("norm.weight", StringComparison.Ordinal);
            bool bias = p.Name.EndsWith(".bias", StringComparison.Ordinal);
            for (long i = p.Offset; i < p.Offset + p.Count; i++)
            {
                double u = rng.NextDouble() * 2 - 1;
                w[i] = (float)(norm ? 1 + 0.3 * u : bias ? 0.3 * u : 0.5 * u);
            }
        }
        return w;
    }

    /// <summary>Two rows of T=6: one full, one of length 4 (right-padded), prompt of 2 tokens on the second.</summary>
    public static TokenBatch Batch() => TokenBatch.FromSequences([[1, 5, 9, 16, 2, 7], [3, 3, 11, 4]], [1, 2]);
}
