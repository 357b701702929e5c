using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Engine.Rollout;

/// <summary>
/// One decoder layer's weights as the rollout engine holds them: in the dtype, with vLLM-style merged linears.
/// A dense layer has <see cref="GateUp"/>/<see cref="Down"/>; a sparse (MoE) layer has <see cref="Moe"/> instead.
/// </summary>
internal sealed class RolloutLayerWeights
{
    public RolloutLayerWeights(ModelConfig c, DType dtype, int layer)
    {
        InputNorm = new(dtype, c.HiddenSize);
        Qkv = new(dtype, c.QDim + 2 * c.KvDim, c.HiddenSize);
        QkvBias = c.AttentionBias ? new(dtype, c.QDim + 2 * c.KvDim) : null;
        QNorm = c.HasQkNorm ? new(dtype, c.HeadDim) : null;
        KNorm = c.HasQkNorm ? new(dtype, c.HeadDim) : null;
        OProj = new(dtype, c.HiddenSize, c.QDim);
        PostAttentionNorm = new(dtype, c.HiddenSize);
        if (c.IsSparseLayer(layer)) Moe = new RolloutMoeWeights(c, dtype);
        else
        {
            GateUp = new(dtype, 2 * c.IntermediateSize, c.HiddenSize);
            Down = new(dtype, c.HiddenSize, c.IntermediateSize);
        }
    }

    public StoredVector InputNorm { get; }

    /// <summary>q, k, v projections stacked into one [Q + 2·KV, D] weight (vLLM QKVParallelLinear).</summary>
    public StoredMatrix Qkv { get; }

    /// <summary>Merged q/k/v bias [Q + 2·KV]; null for models without attention bias.</summary>
    public StoredVector? QkvBias { get; }

    /// <summary>Per-head RMSNorm weights [head_dim] of q and k (qwen3, qwen3_moe); null otherwise.</summary>
    public StoredVector? QNorm { get; }

    public StoredVector? KNorm { get; }

    public StoredMatrix OProj { get; }
    public StoredVector PostAttentionNorm { get; }

    /// <summary>gate and up projections stacked into one [2·I, D] weight (vLLM MergedColumnParallelLinear); null in a sparse layer.</summary>
    public StoredMatrix? GateUp { get; }

    public StoredMatrix? Down { get; }

    /// <summary>Router and experts of a sparse layer; null in a dense layer.</summary>
    public RolloutMoeWeights? Moe { get; }
}
