using System.Runtime.InteropServices;
using System.Text.Json;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Tests.Training;

namespace Precision.Orleans.Engine.Tests.Parity;

/// <summary>One MoE block (router + experts of a sparse layer) given to PyTorch and to the FP32 training engine.</summary>
public sealed class MoeBlockCase
{
    public const int Rows = 16;

    public MoeBlockCase(string name, bool normTopK, int seed)
    {
        Name = name;
        Config = new ModelConfig
        {
            ModelType = "qwen3_moe", VocabSize = 8, HiddenSize = 24, IntermediateSize = 8, NumHiddenLayers = 1,
            NumAttentionHeads = 4, NumKeyValueHeads = 2, NumExperts = 6, NumExpertsPerToken = 2, MoeIntermediateSize = 12,
            NormTopKProb = normTopK,
        };
        var layout = new ParameterLayout(Config);
        Weights = TinyModels.Weights(layout, seed);
        var rng = new Random(seed + 1);
        X = GradientCheck.Random(rng, Rows * Config.HiddenSize, 1.5);
        Dy = GradientCheck.Random(rng, Rows * Config.HiddenSize);
        // the block's tensors are contiguous in the layout: router, then each expert's gate, up, down
        Tensors = layout.Parameters.Where(p => p.Name.StartsWith("model.layers.0.mlp.", StringComparison.Ordinal)).ToList();
    }

    public string Name { get; }
    public ModelConfig Config { get; }
    public float[] Weights { get; }
    public float[] X { get; }
    public float[] Dy { get; }
    public IReadOnlyList<ParameterInfo> Tensors { get; }
    public long Offset => Tensors[0].Offset;
    public long Count => Tensors.Sum(t => t.Count);

    public void WriteInputs(string directory)
    {
        Directory.CreateDirectory(directory);
        var manifest = new Dictionary<string, object>
        {
            ["rows"] = Rows,
            ["hidden_size"] = Config.HiddenSize,
            ["num_experts"] = Config.NumExperts,
            ["num_experts_per_tok"] = Config.NumExpertsPerToken,
            ["moe_intermediate_size"] = Config.MoeIntermediateSize,
            ["norm_topk_prob"] = Config.NormTopKProb,
            ["tensors"] = Tensors.Select(p => new Dictionary<string, object> { ["name"] = p.Name["model.layers.0.mlp.".Length..], ["shape"] = p.Shape }).ToList(),
        };
        File.WriteAllText(Path.Combine(directory, "manifest.json"), JsonSerializer.Serialize(manifest));
        File.WriteAllBytes(Path.Combine(directory, "weights.bin"), MemoryMarshal.AsBytes(Weights.AsSpan((int)Offset, (int)Count)).ToArray());
        File.WriteAllBytes(Path.Combine(directory, "x.bin"), MemoryMarshal.AsBytes(X.AsSpan()).ToArray());
        File.WriteAllBytes(Path.Combine(directory, "dy.bin"), MemoryMarshal.AsBytes(Dy.AsSpan()).ToArray());
    }
}
