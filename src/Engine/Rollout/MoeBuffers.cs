using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Engine.Rollout;

/// <summary>
/// Scratch of the rollout MoE block for up to <see cref="Rows"/> token rows, allocated once per decode-buffer size:
/// router output, the top-k choice of every row, the (row, weight) lists grouped by expert, and the gathered
/// inputs and outputs of every routed (row, expert) pair.
/// </summary>
internal sealed class MoeBuffers
{
    public MoeBuffers(ModelConfig c, int rows)
    {
        int e = c.NumExperts, k = c.NumExpertsPerToken, d = c.HiddenSize, inter = c.MoeIntermediateSize;
        Rows = rows;
        RouterLogits = new float[rows * e];
        TopKExperts = new int[rows * k];
        TopKWeights = new float[rows * k];
        ExpertStart = new int[e + 1];
        GroupedRows = new int[rows * k];
        GroupedWeights = new float[rows * k];
        UsedExperts = new int[e];
        UsedRowStart = new int[e + 1];
        Gathered = new float[rows * k * d];
        GateUp = new float[rows * 2 * inter];
        Activation = new float[rows * inter];
        ExpertOutput = new float[rows * k * d];
        Combine = new float[rows * d];
    }

    public int Rows { get; }

    /// <summary>Router logits [rows, E], rounded to the dtype; softmaxed in place to FP32 probabilities.</summary>
    public float[] RouterLogits { get; }

    /// <summary>Each row's k experts in descending probability [rows, k].</summary>
    public int[] TopKExperts { get; }

    /// <summary>Each row's k routing weights in FP32 (renormalised when norm_topk_prob) [rows, k].</summary>
    public float[] TopKWeights { get; }

    /// <summary>Expert e's (row, weight) pairs are GroupedRows/GroupedWeights[ExpertStart[e] .. ExpertStart[e + 1]).</summary>
    public int[] ExpertStart { get; }

    public int[] GroupedRows { get; }
    public float[] GroupedWeights { get; }

    /// <summary>The experts that have rows this step, ascending, and where each one's rows start in <see cref="Gathered"/> (one more entry: the end).</summary>
    public int[] UsedExperts { get; }

    public int[] UsedRowStart { get; }

    /// <summary>The normed inputs of every routed (row, expert) pair, grouped by expert [rows·k, D].</summary>
    public float[] Gathered { get; }

    /// <summary>One expert's gate_up output and SwiGLU activation (at most every row goes to one expert).</summary>
    public float[] GateUp { get; }

    public float[] Activation { get; }

    /// <summary>Each routed pair's expert output, in the dtype, in <see cref="Gathered"/>'s order [rows·k, D].</summary>
    public float[] ExpertOutput { get; }

    /// <summary>FP32 accumulator of Σ_k weight_k · expert_k(x) per row [rows, D] (vLLM moe_sum), rounded once at the end.</summary>
    public float[] Combine { get; }
}
