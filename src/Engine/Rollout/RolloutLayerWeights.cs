using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Engine.Rollout;

/// <summary>One decoder layer's weights as the rollout engine holds them: in the dtype, with vLLM-style merged linears.</summary>
internal sealed class RolloutLayerWeights(ModelConfig c, DType dtype)
{
    public StoredVector InputNorm { get; } = new(dtype, c.HiddenSize);

    /// <summary>q, k, v projections stacked into one [Q + 2·KV, D] weight (vLLM QKVParallelLinear).</summary>
    public StoredMatrix Qkv { get; } = new(dtype, c.QDim + 2 * c.KvDim, c.HiddenSize);

    /// <summary>Merged q/k/v bias [Q + 2·KV]; null for models without attention bias.</summary>
    public StoredVector? QkvBias { get; } = c.AttentionBias ? new(dtype, c.QDim + 2 * c.KvDim) : null;

    public StoredMatrix OProj { get; } = new(dtype, c.HiddenSize, c.QDim);
    public StoredVector PostAttentionNorm { get; } = new(dtype, c.HiddenSize);

    /// <summary>gate and up projections stacked into one [2·I, D] weight (vLLM MergedColumnParallelLinear).</summary>
    public StoredMatrix GateUp { get; } = new(dtype, 2 * c.IntermediateSize, c.HiddenSize);

    public StoredMatrix Down { get; } = new(dtype, c.HiddenSize, c.IntermediateSize);
}
