using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Gpu.Kernels;

namespace Precision.Orleans.Engine.Gpu;

public sealed partial class GpuKernelSet
{
    /// <summary>
    /// Groups indices 0..n−1 by key (host data: token ids, assignments' tokens), indices ascending within a key:
    /// segment s holds order[starts[s] .. starts[s+1]) and belongs to keys' value segmentKeys[s].
    /// </summary>
    private static (int[] Starts, int[] Order, int[] SegmentKeys) Segments(ReadOnlySpan<int> keys)
    {
        int n = keys.Length;
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        var k = keys.ToArray();
        Array.Sort(order, (x, y) => k[x] != k[y] ? k[x].CompareTo(k[y]) : x.CompareTo(y));
        var starts = new List<int>();
        var segmentKeys = new List<int>();
        for (int e = 0; e < n; e++)
            if (e == 0 || k[order[e]] != k[order[e - 1]])
            {
                starts.Add(e);
                segmentKeys.Add(k[order[e]]);
            }
        starts.Add(n);
        return (starts.ToArray(), order, segmentKeys.ToArray());
    }

    public void MoeRouterForward(ReadOnlySpan<float> logits, Span<float> probs, Span<int> topExperts, Span<float> topProbs, Span<float> weights,
        int rows, int experts, int k, bool normTopK, DType dtype)
    {
        if (k <= 0 || k > experts) throw new ArgumentOutOfRangeException(nameof(k), k, $"top-k must be in [1, {experts}]");
        int re = rows * experts, rk = rows * k;
        if (logits.Length < re || probs.Length < re || topExperts.Length < rk || topProbs.Length < rk || weights.Length < rk)
            throw new ArgumentException($"router buffers too short for {rows} rows of {experts} experts, top-{k}");
        using var dl = Upload(logits[..re]);
        using var dp = Allocate<float>(re);
        using var dTop = Allocate<int>(rk);
        using var dTopP = Allocate<float>(rk);
        using var dw = Allocate<float>(rk);
        _routerForward(Extent(rows), dl.View, dp.View, dTop.View, dTopP.View, dw.View,
            new RouterShape { Experts = experts, K = k, NormTopK = normTopK ? 1 : 0, DType = Code(dtype) });
        Download(dp, probs[..re]);
        Download(dTop, topExperts[..rk]);
        Download(dTopP, topProbs[..rk]);
        Download(dw, weights[..rk]);
    }

    public void MoeRouterBackward(ReadOnlySpan<float> dWeights, ReadOnlySpan<float> probs, ReadOnlySpan<int> topExperts, ReadOnlySpan<float> topProbs,
        ReadOnlySpan<float> auxGradient, ReadOnlySpan<float> rowMask, Span<float> dLogits, int rows, int experts, int k, bool normTopK, DType dtype)
    {
        int re = rows * experts, rk = rows * k;
        if (dWeights.Length < rk || probs.Length < re || topExperts.Length < rk || topProbs.Length < rk || dLogits.Length < re
            || (!auxGradient.IsEmpty && auxGradient.Length < experts) || (!rowMask.IsEmpty && rowMask.Length < rows))
            throw new ArgumentException($"router backward buffers too short for {rows} rows of {experts} experts, top-{k}");
        using var ddw = Upload(dWeights[..rk]);
        using var dp = Upload(probs[..re]);
        using var dTop = Upload(topExperts[..rk]);
        using var dTopP = Upload(topProbs[..rk]);
        using var dAux = Upload(auxGradient);
        using var dMask = Upload(rowMask);
        using var ddl = Allocate<float>(re);
        _routerBackward(Extent(rows), ddw.View, dp.View, dTop.View, dTopP.View, dAux.View, dMask.View, ddl.View, new RouterShape
        {
            Experts = experts, K = k, NormTopK = normTopK ? 1 : 0, DType = Code(dtype),
            HasAux = auxGradient.IsEmpty ? 0 : 1, HasMask = rowMask.IsEmpty ? 0 : 1,
        });
        Download(ddl, dLogits[..re]);
    }

    public void ExpertCombineForward(ReadOnlySpan<float> expertOutput, ReadOnlySpan<float> weights, ReadOnlySpan<int> tokens, ReadOnlySpan<int> slots,
        Span<float> y, int assignments, int d, int k, DType dtype)
    {
        if (expertOutput.Length < assignments * d || tokens.Length < assignments || slots.Length < assignments)
            throw new ArgumentException($"combine buffers too short for {assignments} assignments of width {d}");
        if (assignments == 0) return;
        var (starts, order, segmentTokens) = Segments(tokens[..assignments]);
        int rows = segmentTokens.Max() + 1;
        using var dStarts = Upload<int>(starts);
        using var dOrder = Upload<int>(order);
        using var dTokens = Upload<int>(segmentTokens);
        using var dOut = Upload(expertOutput[..(assignments * d)]);
        using var dw = Upload(weights[..(rows * k)]);
        using var dSlots = Upload(slots[..assignments]);
        using var dy = Upload<float>(y[..(rows * d)]);
        _combineForward(Extent((long)segmentTokens.Length * d), dStarts.View, dOrder.View, dTokens.View, dOut.View, dw.View, dSlots.View, dy.View, d, k, Code(dtype));
        Download(dy, y[..(rows * d)]);
    }

    public void ExpertCombineBackward(ReadOnlySpan<float> dy, ReadOnlySpan<float> expertOutput, ReadOnlySpan<float> weights, ReadOnlySpan<int> tokens,
        ReadOnlySpan<int> slots, Span<float> dExpertOutput, Span<float> dWeights, int assignments, int d, int k, DType dtype)
    {
        if (expertOutput.Length < assignments * d || dExpertOutput.Length < assignments * d || tokens.Length < assignments || slots.Length < assignments)
            throw new ArgumentException($"combine backward buffers too short for {assignments} assignments of width {d}");
        if (assignments == 0) return;
        int rows = 0;
        foreach (int t in tokens[..assignments]) rows = Math.Max(rows, t + 1);
        using var ddy = Upload(dy[..(rows * d)]);
        using var dOut = Upload(expertOutput[..(assignments * d)]);
        using var dw = Upload(weights[..(rows * k)]);
        using var dTokens = Upload(tokens[..assignments]);
        using var dSlots = Upload(slots[..assignments]);
        using var ddOut = Allocate<float>((long)assignments * d);
        using var ddw = Upload<float>(dWeights[..(rows * k)]);
        _combineBackwardOutput(Extent((long)assignments * d), ddy.View, dw.View, dTokens.View, dSlots.View, ddOut.View, d, k, Code(dtype));
        _combineBackwardWeight(Extent(assignments), ddy.View, dOut.View, dTokens.View, dSlots.View, ddw.View, d, k, Code(dtype));
        Download(ddOut, dExpertOutput[..(assignments * d)]);
        Download(ddw, dWeights[..(rows * k)]);
    }
}
