using System.Numerics.Tensors;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Numerics;

namespace Precision.Orleans.Engine.Layers;

/// <summary>
/// The MoE block's combine: for each assignment a = (token t, slot s), y[t] = round(y[t] + round(out[a]·w[t,s])) —
/// HF's `expert(x) * routing_weight` followed by `index_add_` into a dtype buffer, one expert after another, so the
/// order of the assignments is the order of the additions. The backward: dOut[a] = round(dy[t]·w[t,s]) and
/// dw[t,s] = round(Σ_j round(dy[t,j]·out[a,j])) (the broadcast multiply's gradient summed over the hidden dim).
/// </summary>
public static class ExpertCombineLayer
{
    public static void Forward(ReadOnlySpan<float> expertOutput, ReadOnlySpan<float> weights, ReadOnlySpan<int> tokens,
        ReadOnlySpan<int> slots, Span<float> y, int assignments, int d, int k, DType dtype)
    {
        if (expertOutput.Length < assignments * d || tokens.Length < assignments || slots.Length < assignments)
            throw new ArgumentException($"combine buffers too short for {assignments} assignments of width {d}");
        Span<float> tmp = d <= 4096 ? stackalloc float[d] : new float[d];
        for (int a = 0; a < assignments; a++)
        {
            int t = tokens[a];
            TensorPrimitives.Multiply(expertOutput.Slice(a * d, d), weights[t * k + slots[a]], tmp);
            DTypeRounding.RoundInPlace(tmp, dtype);
            var yr = y.Slice(t * d, d);
            TensorPrimitives.Add(yr, tmp, yr);
            DTypeRounding.RoundInPlace(yr, dtype);
        }
    }

    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<float> expertOutput, ReadOnlySpan<float> weights,
        ReadOnlySpan<int> tokens, ReadOnlySpan<int> slots, Span<float> dExpertOutput, Span<float> dWeights,
        int assignments, int d, int k, DType dtype)
    {
        if (expertOutput.Length < assignments * d || dExpertOutput.Length < assignments * d || tokens.Length < assignments || slots.Length < assignments)
            throw new ArgumentException($"combine backward buffers too short for {assignments} assignments of width {d}");
        Span<float> tmp = d <= 4096 ? stackalloc float[d] : new float[d];
        for (int a = 0; a < assignments; a++)
        {
            int t = tokens[a], slot = t * k + slots[a];
            var dyr = dy.Slice(t * d, d);
            var dOut = dExpertOutput.Slice(a * d, d);
            TensorPrimitives.Multiply(dyr, weights[slot], dOut);
            DTypeRounding.RoundInPlace(dOut, dtype);
            TensorPrimitives.Multiply(dyr, expertOutput.Slice(a * d, d), tmp);
            DTypeRounding.RoundInPlace(tmp, dtype);
            dWeights[slot] = DTypeRounding.Round(TensorPrimitives.Sum<float>(tmp), dtype);
        }
    }
}
