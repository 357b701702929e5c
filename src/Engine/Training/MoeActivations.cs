using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Engine.Training;

/// <summary>
/// What one sparse (MoE) layer's forward keeps for its backward, for up to <c>tokens</c> rows: the router's logits and
/// FP32 probabilities, each token's top-k choice, and the experts' activations packed by assignment. An assignment is
/// one (token, slot) pair; assignments are grouped by expert (expert e owns [ExpertStart[e], ExpertStart[e+1])), tokens
/// ascending within an expert, so each expert's rows are one contiguous GEMM operand.
/// </summary>
internal sealed class MoeActivations
{
    public MoeActivations(ModelConfig c, int tokens)
    {
        int n = tokens, d = c.HiddenSize, e = c.NumExperts, k = c.NumExpertsPerToken, moe = c.MoeIntermediateSize;
        long assignments = (long)n * k;
        if (assignments * Math.Max(d, moe) > Array.MaxLength) throw new ArgumentException($"MoE activations for {n} tokens × top-{k} do not fit one array");
        int a = (int)assignments;
        RouterLogits = new float[n * e];
        Probs32 = new float[n * e];
        TopExperts = new int[a];
        TopProbs32 = new float[a];
        Weights = new float[a];
        ExpertStart = new int[e + 1];
        AssignmentToken = new int[a];
        AssignmentSlot = new int[a];
        Input = new float[a * d];
        Gate = new float[a * moe];
        Up = new float[a * moe];
        Activated = new float[a * moe];
        Hidden = new float[a * moe];
        Output = new float[a * d];
    }

    /// <summary>[n, E] x·W_gateᵀ rounded to the dtype.</summary>
    public float[] RouterLogits { get; }
    /// <summary>[n, E] softmax of the logits in FP32.</summary>
    public float[] Probs32 { get; }
    /// <summary>[n, k] chosen experts, by descending probability (ties: lower index first).</summary>
    public int[] TopExperts { get; }
    /// <summary>[n, k] the chosen experts' FP32 probabilities before renormalisation.</summary>
    public float[] TopProbs32 { get; }
    /// <summary>[n, k] routing weights (renormalised when norm_topk_prob) cast to the dtype.</summary>
    public float[] Weights { get; }

    public int[] ExpertStart { get; }
    public int[] AssignmentToken { get; }
    /// <summary>Top-k slot of each assignment (index into the token's row of <see cref="Weights"/>).</summary>
    public int[] AssignmentSlot { get; }
    /// <summary>[assignments, D] the gathered expert inputs.</summary>
    public float[] Input { get; }
    public float[] Gate { get; }
    public float[] Up { get; }
    public float[] Activated { get; }
    /// <summary>[assignments, moe] round(silu(g)·u), the down projection's input.</summary>
    public float[] Hidden { get; }
    /// <summary>[assignments, D] expert outputs before the routing weight (the weight's gradient needs them).</summary>
    public float[] Output { get; }
}
