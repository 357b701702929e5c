using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Engine.Rollout;

/// <summary>
/// A sparse layer's weights in the dtype: the router [E, D] and, per expert, gate and up stacked into one
/// [2·moe_intermediate, D] weight (vLLM's fused_moe w13) and down [D, moe_intermediate] (w2).
/// </summary>
internal sealed class RolloutMoeWeights
{
    public RolloutMoeWeights(ModelConfig c, DType dtype)
    {
        Router = new StoredMatrix(dtype, c.NumExperts, c.HiddenSize);
        GateUp = [.. Enumerable.Range(0, c.NumExperts).Select(_ => new StoredMatrix(dtype, 2 * c.MoeIntermediateSize, c.HiddenSize))];
        Down = [.. Enumerable.Range(0, c.NumExperts).Select(_ => new StoredMatrix(dtype, c.HiddenSize, c.MoeIntermediateSize))];
    }

    public StoredMatrix Router { get; }
    public IReadOnlyList<StoredMatrix> GateUp { get; }
    public IReadOnlyList<StoredMatrix> Down { get; }
}
