using System.Numerics.Tensors;

namespace Precision.Orleans.Engine.Rollout;

public sealed partial class RolloutEngine
{
    private Experts.IExpertExecutor? _expertExecutor;

    /// <summary>
    /// Where the sparse layers' experts run: null (the default) runs them here on the loaded weights; an
    /// expert-parallel executor sends each owner its experts' rows. Routing and the combine stay in this engine,
    /// in the same order either way, so tokens and μ do not depend on it. Takes effect from the next Generate.
    /// </summary>
    public Experts.IExpertExecutor? ExpertExecutor
    {
        get => _expertExecutor;
        set
        {
            if (value is not null && !Config.IsMoe) throw new InvalidOperationException("rollout: an expert executor needs a MoE model (qwen3_moe)");
            lock (_gate) _expertExecutor = value;
        }
    }

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
        int d = c.HiddenSize, experts = c.NumExperts, k = c.NumExpertsPerToken;
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

        // Gather every routed row, grouped by expert, and run the experts: here, or through the expert-parallel seam.
        int routed = rows * k, used = 0;
        for (int i = 0; i < routed; i++)
            b.Normed.AsSpan(m.GroupedRows[i] * d, d).CopyTo(m.Gathered.AsSpan(i * d, d));
        for (int e = 0; e < experts; e++)
        {
            if (start[e + 1] == start[e]) continue;
            m.UsedExperts[used] = e;
            m.UsedRowStart[used++] = start[e];
        }
        m.UsedRowStart[used] = routed;
        if (_expertExecutor is { } executor)
            executor.RunExperts(moeLayer, m.UsedExperts.AsSpan(0, used), m.UsedRowStart.AsSpan(0, used + 1), m.Gathered.AsSpan(0, routed * d),
                m.ExpertOutput.AsSpan(0, routed * d));
        else
            for (int u = 0; u < used; u++)
            {
                int e = m.UsedExperts[u], first = m.UsedRowStart[u], n = m.UsedRowStart[u + 1] - first;
                Experts.ExpertMlp.Forward(Kernels, moe.GateUp[e], moe.Down[e], m.Gathered.AsSpan(first * d, n * d), m.ExpertOutput.AsSpan(first * d, n * d), n,
                    dt, m.GateUp, m.Activation);
            }

        // Combine in one fixed order wherever the experts ran: experts ascending, rows ascending within each.
        Array.Clear(m.Combine, 0, rows * d);
        for (int i = 0; i < routed; i++)
        {
            var sum = m.Combine.AsSpan(m.GroupedRows[i] * d, d);
            TensorPrimitives.MultiplyAdd(m.ExpertOutput.AsSpan(i * d, d), m.GroupedWeights[i], sum, sum);
        }
        for (int r = 0; r < rows; r++)
            Numerics.DTypeRounding.RoundCopy(m.Combine.AsSpan(r * d, d), b.Hidden.AsSpan(r * d, d), dt);
    }
}
