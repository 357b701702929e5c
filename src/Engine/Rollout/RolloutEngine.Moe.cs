using System.Numerics.Tensors;

namespace Precision.Orleans.Engine.Rollout;

public sealed partial class RolloutEngine
{
    /// <summary>
    /// The sparse MLP of one layer, as vLLM's fused_moe computes it: router GEMM in the dtype, FP32 top-k softmax,
    /// then tokens grouped by expert — each expert runs one merged gate_up GEMM, SiluAndMul and one down GEMM over
    /// just its rows — and the k expert outputs of a token are weighted and summed in FP32 and rounded once
    /// (moe_sum). The training engine instead loops over experts adding each weighted output into the dtype
    /// result, rounding after every add. Reads b.Normed, writes b.Hidden; records each row's expert set.
    /// </summary>
    private void SparseMlp(RolloutMoeWeights moe, DecodeBuffers b, int rows, int moeLayer)
    {
        var c = Config;
        var m = b.Moe!;
        int d = c.HiddenSize, inter = c.MoeIntermediateSize, experts = c.NumExperts, k = c.NumExpertsPerToken;
        var dt = DType;

        moe.Router.Multiply(Kernels, b.Normed, m.RouterLogits, rows, dt);
        for (int r = 0; r < rows; r++)
        {
            var chosen = m.TopKExperts.AsSpan(r * k, k);
            TopKSoftmax.Route(m.RouterLogits.AsSpan(r * experts, experts), c.NormTopKProb, chosen, m.TopKWeights.AsSpan(r * k, k));
            if (b.RowRouting![r] is { } routing)
            {
                var record = routing.At(moeLayer, b.Positions[r]);
                chosen.CopyTo(record);
                record.Sort();
            }
        }

        // Group (row, weight) pairs by expert: a counting sort, rows in ascending order within each expert.
        var start = m.ExpertStart;
        Array.Clear(start);
        for (int i = 0; i < rows * k; i++) start[m.TopKExperts[i] + 1]++;
        for (int e = 0; e < experts; e++) start[e + 1] += start[e];
        Span<int> fill = stackalloc int[experts];
        start.AsSpan(0, experts).CopyTo(fill);
        for (int i = 0; i < rows * k; i++)
        {
            int slot = fill[m.TopKExperts[i]]++;
            m.GroupedRows[slot] = i / k;
            m.GroupedWeights[slot] = m.TopKWeights[i];
        }

        Array.Clear(m.Combine, 0, rows * d);
        for (int e = 0; e < experts; e++)
        {
            int first = start[e], n = start[e + 1] - first;
            if (n == 0) continue;
            for (int i = 0; i < n; i++)
                b.Normed.AsSpan(m.GroupedRows[first + i] * d, d).CopyTo(m.Gathered.AsSpan(i * d, d));
            moe.GateUp[e].Multiply(Kernels, m.Gathered, m.GateUp, n, dt);
            for (int i = 0; i < n; i++)
            {
                var gu = m.GateUp.AsSpan(i * 2 * inter, 2 * inter);
                Kernels.SiluAndMul(gu[..inter], gu[inter..], m.Activation.AsSpan(i * inter, inter), dt);
            }
            moe.Down[e].Multiply(Kernels, m.Activation, m.ExpertOutput, n, dt);
            for (int i = 0; i < n; i++)
            {
                var sum = m.Combine.AsSpan(m.GroupedRows[first + i] * d, d);
                TensorPrimitives.MultiplyAdd(m.ExpertOutput.AsSpan(i * d, d), m.GroupedWeights[first + i], sum, sum);
            }
        }
        for (int r = 0; r < rows; r++)
            Numerics.DTypeRounding.RoundCopy(m.Combine.AsSpan(r * d, d), b.Hidden.AsSpan(r * d, d), dt);
    }
}
