using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Engine.Training;

/// <summary>Backward buffers of the MoE block, shared by all sparse layers (one layer is backpropagated at a time).</summary>
internal sealed class MoeScratch
{
    public MoeScratch(ModelConfig c, int tokens)
    {
        int n = tokens, d = c.HiddenSize, k = c.NumExpertsPerToken, moe = c.MoeIntermediateSize;
        int a = n * k;
        DOutput = new float[a * d];
        DHidden = new float[a * moe];
        DGate = new float[a * moe];
        DUp = new float[a * moe];
        DInput = new float[a * d];
        DWeights = new float[a];
        DRouterLogits = new float[n * c.NumExperts];
    }

    /// <summary>[assignments, D] gradient of each expert output: round(dy·weight).</summary>
    public float[] DOutput { get; }
    public float[] DHidden { get; }
    public float[] DGate { get; }
    public float[] DUp { get; }
    /// <summary>[assignments, D] gradient of each gathered expert input.</summary>
    public float[] DInput { get; }
    /// <summary>[n, k] gradient of the routing weights (in dtype values).</summary>
    public float[] DWeights { get; }
    public float[] DRouterLogits { get; }
}
