using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Numerics;

namespace Precision.Orleans.Engine.Layers;

/// <summary>Token embedding: a row gather forward, a scatter-add backward.</summary>
public static class EmbeddingLayer
{
    /// <summary>output[r, :] = table[tokens[r], :]. Exact (the table already holds dtype values).</summary>
    public static void Forward(ReadOnlySpan<int> tokens, ReadOnlySpan<float> table, Span<float> output, int vocab, int d)
    {
        for (int r = 0; r < tokens.Length; r++)
        {
            int t = tokens[r];
            if ((uint)t >= (uint)vocab) throw new ArgumentOutOfRangeException(nameof(tokens), $"token id {t} at position {r} is outside the vocabulary [0, {vocab})");
            table.Slice(t * d, d).CopyTo(output.Slice(r * d, d));
        }
    }

    /// <summary>
    /// dTable[tok, :] += Σ_{r: tokens[r]=tok} dOutput[r, :]. The per-token sum is reduced in FP32 and
    /// rounded to the dtype once (like PyTorch's embedding_dense_backward), then added to the FP32 gradient.
    /// </summary>
    public static void Backward(ReadOnlySpan<int> tokens, ReadOnlySpan<float> dOutput, Span<float> dTable, int d, DType dtype)
    {
        int n = tokens.Length;
        if (dtype == DType.Fp32)
        {
            for (int r = 0; r < n; r++)
            {
                var dst = dTable.Slice(tokens[r] * d, d);
                System.Numerics.Tensors.TensorPrimitives.Add(dst, dOutput.Slice(r * d, d), dst);
            }
            return;
        }
        // Group rows by token so each token's sum is rounded once.
        var keys = tokens.ToArray();
        var rows = new int[n];
        for (int r = 0; r < n; r++) rows[r] = r;
        Array.Sort(keys, rows);
        Span<float> sum = d <= 4096 ? stackalloc float[d] : new float[d];
        for (int s = 0; s < n;)
        {
            int tok = keys[s];
            sum.Clear();
            int e = s;
            for (; e < n && keys[e] == tok; e++)
                System.Numerics.Tensors.TensorPrimitives.Add(sum, dOutput.Slice(rows[e] * d, d), sum);
            DTypeRounding.RoundInPlace(sum, dtype);
            var dst = dTable.Slice(tok * d, d);
            System.Numerics.Tensors.TensorPrimitives.Add(dst, sum, dst);
            s = e;
        }
    }
}
