using System.Runtime.InteropServices;
using System.Text.Json;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Training;

namespace Precision.Orleans.Engine.Tests.Parity;

/// <summary>
/// One model + batch + optimizer setting given to both PyTorch and the training engine, and the
/// files that carry it to the python reference (manifest.json and raw little-endian .bin files).
/// </summary>
public sealed class ParityCase
{
    public required string Name { get; init; }
    public required ModelConfig Config { get; init; }
    public required TokenBatch Batch { get; init; }
    public required AdamWOptions Optimizer { get; init; }
    public required float[] InitialWeights { get; init; }
    public int Steps { get; init; } = 3;

    public ParameterLayout Layout => new(Config);

    /// <summary>
    /// qwen2 with q/k/v bias, untied head, GQA 4:2, clipping active (small max_grad_norm).
    /// </summary>
    public static ParityCase Qwen2Untied() => Create("qwen2-untied",
        new ModelConfig
        {
            ModelType = "qwen2", VocabSize = 64, HiddenSize = 32, IntermediateSize = 48, NumHiddenLayers = 2,
            NumAttentionHeads = 4, NumKeyValueHeads = 2, RopeTheta = 1_000_000f, RmsNormEps = 1e-6f, TieWordEmbeddings = false,
        },
        new AdamWOptions { LearningRate = 1e-2f, Beta1 = 0.9f, Beta2 = 0.95f, Epsilon = 1e-8f, WeightDecay = 0.1f, MaxGradNorm = 0.05f },
        seed: 1234);

    /// <summary>
    /// llama without bias, tied head, GQA 3:1, head_dim 12 so q/o projections are not square (36 ≠ 24).
    /// </summary>
    public static ParityCase LlamaTied() => Create("llama-tied",
        new ModelConfig
        {
            ModelType = "llama", VocabSize = 50, HiddenSize = 24, IntermediateSize = 40, NumHiddenLayers = 2,
            NumAttentionHeads = 3, NumKeyValueHeads = 1, HeadDimOverride = 12, RopeTheta = 10_000f, RmsNormEps = 1e-5f,
            TieWordEmbeddings = true,
        },
        new AdamWOptions { LearningRate = 5e-3f, WeightDecay = 0.01f, MaxGradNorm = 1.0f },
        seed: 99);

    /// <summary>qwen3: q/k RMSNorm per head before RoPE, no bias, GQA 4:2, head_dim 8 (q_proj 32 → 32, norms of width 8).</summary>
    public static ParityCase Qwen3Dense() => Create("qwen3-dense",
        new ModelConfig
        {
            ModelType = "qwen3", VocabSize = 48, HiddenSize = 32, IntermediateSize = 40, NumHiddenLayers = 2,
            NumAttentionHeads = 4, NumKeyValueHeads = 2, RopeTheta = 1_000_000f, RmsNormEps = 1e-6f, TieWordEmbeddings = false,
        },
        new AdamWOptions { LearningRate = 1e-2f, WeightDecay = 0.1f, MaxGradNorm = 1.0f },
        seed: 777);

    /// <summary>qwen3_moe: layer 0 dense (mlp_only_layers), layers 1 and 2 sparse with 6 experts, top-2, renormalised.</summary>
    public static ParityCase Qwen3Moe() => Create("qwen3-moe",
        new ModelConfig
        {
            ModelType = "qwen3_moe", VocabSize = 48, HiddenSize = 24, IntermediateSize = 40, NumHiddenLayers = 3,
            NumAttentionHeads = 4, NumKeyValueHeads = 2, RopeTheta = 1_000_000f, RmsNormEps = 1e-6f, TieWordEmbeddings = true,
            NumExperts = 6, NumExpertsPerToken = 2, MoeIntermediateSize = 12, NormTopKProb = true, MlpOnlyLayers = [0],
        },
        new AdamWOptions { LearningRate = 1e-2f, WeightDecay = 0.1f, MaxGradNorm = 1.0f },
        seed: 4242);

    public static ParityCase ByName(string name) => name switch
    {
        "qwen2-untied" => Qwen2Untied(),
        "llama-tied" => LlamaTied(),
        "qwen3-dense" => Qwen3Dense(),
        "qwen3-moe" => Qwen3Moe(),
        _ => throw new ArgumentException($"unknown parity case '{name}'"),
    };

    private static ParityCase Create(string name, ModelConfig config, AdamWOptions optimizer, int seed)
    {
        var layout = new ParameterLayout(config);
        var weights = new float[layout.TotalCount];
        // HF initialisation, wider than HF's 0.02 so attention is far from uniform and the model far from linear.
        layout.InitializeRandom(weights, seed, std: 0.2f);
        // Norm weights 1 and biases 0 would hide a missing multiply or add: perturb them too.
        var rng = new Random(seed + 1);
        foreach (var p in layout.Parameters)
        {
            bool norm = p.Name.EndsWith("norm.weight", StringComparison.Ordinal);
            bool bias = p.Name.EndsWith(".bias", StringComparison.Ordinal);
            if (!norm && !bias) continue;
            for (long i = p.Offset; i < p.Offset + p.Count; i++)
                weights[i] += (float)(0.2 * (rng.NextDouble() * 2 - 1));
        }

        // Three rows of different lengths (right padding) and prompts of different lengths (mask starts).
        var tokenRng = new Random(seed + 2);
        int[] lengths = [9, 6, 4];
        int[] promptEnds = [3, 1, 2];
        var sequences = lengths.Select(len => Enumerable.Range(0, len).Select(_ => tokenRng.Next(1, config.VocabSize)).ToArray()).ToList();
        var batch = TokenBatch.FromSequences(sequences, promptEnds);
        return new ParityCase { Name = name, Config = config, Batch = batch, Optimizer = optimizer, InitialWeights = weights };
    }

    /// <summary>Writes manifest.json, weights.bin, tokens.bin and target_mask.bin into <paramref name="directory"/>.</summary>
    public void WriteInputs(string directory)
    {
        Directory.CreateDirectory(directory);
        var c = Config;
        var manifest = new Dictionary<string, object>
        {
            ["config"] = new Dictionary<string, object>
            {
                ["model_type"] = c.ModelType,
                ["vocab_size"] = c.VocabSize,
                ["hidden_size"] = c.HiddenSize,
                ["intermediate_size"] = c.IntermediateSize,
                ["num_hidden_layers"] = c.NumHiddenLayers,
                ["num_attention_heads"] = c.NumAttentionHeads,
                ["num_key_value_heads"] = c.NumKeyValueHeads,
                ["head_dim"] = c.HeadDim,
                ["rms_norm_eps"] = (double)c.RmsNormEps,
                ["rope_theta"] = (double)c.RopeTheta,
                ["tie_word_embeddings"] = c.TieWordEmbeddings,
                ["attention_bias"] = c.AttentionBias,
                ["num_experts"] = c.NumExperts,
                ["num_experts_per_tok"] = c.NumExpertsPerToken,
                ["moe_intermediate_size"] = c.MoeIntermediateSize,
                ["norm_topk_prob"] = c.NormTopKProb,
                ["decoder_sparse_step"] = c.DecoderSparseStep,
                ["mlp_only_layers"] = c.MlpOnlyLayers,
            },
            ["tensors"] = Layout.Parameters.Select(p => new Dictionary<string, object> { ["name"] = p.Name, ["shape"] = p.Shape }).ToList(),
            ["batch_size"] = Batch.BatchSize,
            ["seq_len"] = Batch.SeqLen,
            ["lengths"] = Batch.Lengths,
            ["adamw"] = new Dictionary<string, object>
            {
                ["lr"] = (double)Optimizer.LearningRate,
                ["beta1"] = (double)Optimizer.Beta1,
                ["beta2"] = (double)Optimizer.Beta2,
                ["eps"] = (double)Optimizer.Epsilon,
                ["weight_decay"] = (double)Optimizer.WeightDecay,
            },
            ["max_grad_norm"] = (double)Optimizer.MaxGradNorm,
            ["steps"] = Steps,
        };
        File.WriteAllText(Path.Combine(directory, "manifest.json"), JsonSerializer.Serialize(manifest, new JsonSerializerOptions { WriteIndented = true }));
        File.WriteAllBytes(Path.Combine(directory, "weights.bin"), MemoryMarshal.AsBytes(InitialWeights.AsSpan()).ToArray());
        File.WriteAllBytes(Path.Combine(directory, "tokens.bin"), MemoryMarshal.AsBytes(Batch.Tokens.AsSpan()).ToArray());
        File.WriteAllBytes(Path.Combine(directory, "target_mask.bin"), MemoryMarshal.AsBytes(Batch.TargetMask.AsSpan()).ToArray());
    }
}
