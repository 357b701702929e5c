using System.Buffers;
using System.Numerics.Tensors;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Kernels;
using Precision.Orleans.Engine.Numerics;

namespace Precision.Orleans.Engine.Layers;

/// <summary>
/// Causal grouped-query attention as HF eager computes it: S = round(round(q·kᵀ)·1/√hd), causal mask,
/// P = softmax in FP32 (from the dtype scores) cast to the dtype, out = round(P·V).
/// Query head h reads KV head h / (Hq/Hkv). Tokens are rows of a [B, T] batch; q and out are
/// [B·T, Hq·hd], k and v are [B·T, Hkv·hd]; the probabilities are [B, Hq, T, T].
/// The four products per head are GEMMs on strided views (FP32 accumulation, one rounding), like the
/// batched matmuls of eager PyTorch; the masked upper triangle of P is zero, so it adds exact zeros.
/// </summary>
public static class AttentionLayer
{
    public readonly record struct Shape(int Batch, int SeqLen, int Heads, int KvHeads, int HeadDim)
    {
        public int QStride => Heads * HeadDim;
        public int KvStride => KvHeads * HeadDim;
        public int Group => Heads / KvHeads;
        public float Scale => (float)(1.0 / Math.Sqrt(HeadDim));
        public long ProbCount => (long)Batch * Heads * SeqLen * SeqLen;
    }

    /// <summary>
    /// Query rows per causal block. Row block [i0, i1) only has unmasked keys j &lt; i1, so its scores are computed
    /// for those columns only and its masked tail is skipped in the products with V (see <see cref="Skip"/>).
    /// A multiple of the GEMM register tile height.
    /// </summary>
    private const int RowBlock = 48;

    /// <param name="probs32">
    /// [B,Hq,T,T] P in FP32 before the cast to the dtype, kept for backward: softmax backward reads it (as PyTorch does)
    /// and the dtype P that multiplies V is re-rounded from it on demand, so only one T×T buffer per head is held.
    /// </param>
    public static void Forward(float[] q, float[] k, float[] v, float[] probs32, float[] output, Shape s, DType dtype)
    {
        int T = s.SeqLen, hd = s.HeadDim, qs = s.QStride, ks = s.KvStride;
        float scale = s.Scale;
        bool skipV = Skip(v, ks, s);
        // one work item per (batch, head), each running its small products on its own thread
        ParallelRanges.ForEach(s.Batch * s.Heads, bh =>
        {
            int b = bh / s.Heads, h = bh % s.Heads, kvh = h / s.Group;
            int pBase = checked(bh * T * T);
            int qOff = b * T * qs + h * hd, kvOff = b * T * ks + kvh * hd;
            float[]? rounded = dtype == DType.Fp32 ? null : ArrayPool<float>.Shared.Rent(T * T);
            for (int i0 = 0; i0 < T; i0 += RowBlock)
            {
                int i1 = Math.Min(T, i0 + RowBlock);
                // scores land in the FP32 probability buffer and are turned into probabilities row by row;
                // columns ≥ i1 are masked for every row of the block and are never computed
                Gemm.MatMulSerial(false, true, i1 - i0, i1, hd, q.AsSpan(qOff + i0 * qs), qs, k.AsSpan(kvOff), ks,
                    probs32.AsSpan(pBase + i0 * T, (i1 - i0) * T), T, dtype);
                for (int i = i0; i < i1; i++)
                {
                    var row32 = probs32.AsSpan(pBase + i * T, T);
                    var live = row32[..(i + 1)];
                    TensorPrimitives.Multiply(live, scale, live);
                    DTypeRounding.RoundInPlace(live, dtype);
                    float max = TensorPrimitives.Max(live);
                    TensorPrimitives.Subtract(live, max, live);
                    TensorPrimitives.Exp(live, live);
                    float sum = TensorPrimitives.Sum(live);
                    TensorPrimitives.Divide(live, sum, live);
                    row32[(i + 1)..].Clear();
                }
                var p = RoundedProbs(probs32, pBase + i0 * T, rounded, i1 - i0, T, dtype);
                Gemm.MatMulSerial(false, false, i1 - i0, hd, skipV ? i1 : T, p, T, v.AsSpan(kvOff), ks,
                    output.AsSpan(qOff + i0 * qs), qs, dtype);
            }
            if (rounded is not null) ArrayPool<float>.Shared.Return(rounded);
        });
    }

    /// <summary>
    /// dP = round(dO·Vᵀ); dS = round(P32⊙(dP − Σ dP⊙P32)); dS' = round(dS/√hd); dq = round(dS'·K);
    /// per query head dk_h = round(dS'ᵀ·Q), dv_h = round(Pᵀ·dO); GQA sums the group's heads in FP32 and rounds once
    /// (the backward of repeat_kv). dq, dk, dv are overwritten.
    /// </summary>
    public static void Backward(float[] dOutput, float[] q, float[] k, float[] v, float[] probs32,
        float[] dq, float[] dk, float[] dv, Shape s, DType dtype)
    {
        int T = s.SeqLen, hd = s.HeadDim, qs = s.QStride, ks = s.KvStride, group = s.Group;
        float scale = s.Scale;
        bool skipK = Skip(k, ks, s), skipQ = Skip(q, qs, s), skipDo = Skip(dOutput, qs, s);
        ParallelRanges.ForEach(s.Batch * s.KvHeads, bk =>
        {
            int b = bk / s.KvHeads, kvh = bk % s.KvHeads;
            int kvOff = b * T * ks + kvh * hd;
            float[] dsBuffer = ArrayPool<float>.Shared.Rent(T * T);
            var dS = dsBuffer.AsSpan(0, T * T);
            float[]? rounded = dtype == DType.Fp32 ? null : ArrayPool<float>.Shared.Rent(T * T);
            for (int g = 0; g < group; g++)
            {
                int h = kvh * group + g;
                int pBase = checked((b * s.Heads + h) * T * T);
                int qOff = b * T * qs + h * hd;
                for (int i0 = 0; i0 < T; i0 += RowBlock)
                {
                    int i1 = Math.Min(T, i0 + RowBlock);
                    // dP only where P is unmasked (columns < i1); the rest of each row is cleared below
                    Gemm.MatMulSerial(false, true, i1 - i0, i1, hd, dOutput.AsSpan(qOff + i0 * qs), qs, v.AsSpan(kvOff), ks,
                        dS.Slice(i0 * T, (i1 - i0) * T), T, dtype);
                    for (int i = i0; i < i1; i++)
                    {
                        var ds = dS.Slice(i * T, i + 1);
                        var p32 = probs32.AsSpan(pBase + i * T, i + 1);
                        // softmax backward in FP32, then the cast back to the dtype, then the 1/√hd scale
                        float dot = TensorPrimitives.Dot(ds, p32);
                        TensorPrimitives.Subtract(ds, dot, ds);
                        TensorPrimitives.Multiply(ds, p32, ds);
                        DTypeRounding.RoundInPlace(ds, dtype);
                        TensorPrimitives.Multiply(ds, scale, ds);
                        DTypeRounding.RoundInPlace(ds, dtype);
                        dS.Slice(i * T + i + 1, T - i - 1).Clear();
                    }
                    // dq rows of the block: dS' is zero past column i1 − 1
                    Gemm.MatMulSerial(false, false, i1 - i0, hd, skipK ? i1 : T, dS[(i0 * T)..], T, k.AsSpan(kvOff), ks,
                        dq.AsSpan(qOff + i0 * qs), qs, dtype);
                }
                var p = RoundedProbs(probs32, pBase, rounded, T, T, dtype);
                // the group's heads: the first writes, the others add their rounded products in FP32
                bool add = g > 0;
                for (int j0 = 0; j0 < T; j0 += RowBlock)
                {
                    int j1 = Math.Min(T, j0 + RowBlock);
                    // key rows [j0, j1) receive gradient from query rows i ≥ j0 only: dS' and P are zero above the diagonal
                    int iStart = skipQ ? j0 : 0;
                    Gemm.MatMulSerial(true, false, j1 - j0, hd, T - iStart, dS[(iStart * T + j0)..], T, q.AsSpan(qOff + iStart * qs), qs,
                        dk.AsSpan(kvOff + j0 * ks), ks, dtype, add);
                    iStart = skipDo ? j0 : 0;
                    Gemm.MatMulSerial(true, false, j1 - j0, hd, T - iStart, p[(iStart * T + j0)..], T, dOutput.AsSpan(qOff + iStart * qs), qs,
                        dv.AsSpan(kvOff + j0 * ks), ks, dtype, add);
                }
            }
            ArrayPool<float>.Shared.Return(dsBuffer);
            if (rounded is not null) ArrayPool<float>.Shared.Return(rounded);
            if (group > 1 && dtype != DType.Fp32)
                for (int j = 0; j < T; j++)
                {
                    DTypeRounding.RoundInPlace(dk.AsSpan(kvOff + j * ks, hd), dtype);
                    DTypeRounding.RoundInPlace(dv.AsSpan(kvOff + j * ks, hd), dtype);
                }
        });
    }

    /// <summary>
    /// Whether the masked terms of a product with <paramref name="x"/> may be skipped: each is an exact +0·x, and every
    /// FMA chain starts at +0, so adding it changes nothing — unless x holds an inf or NaN (0·inf = NaN), in which case
    /// the full product is computed as the eager reference would.
    /// </summary>
    private static bool Skip(float[] x, int rowStride, Shape s) =>
        TensorPrimitives.IsFiniteAll<float>(x.AsSpan(0, s.Batch * s.SeqLen * rowStride));

    /// <summary>Rows [rows] of one head's P in the dtype (row stride T): the FP32 probabilities themselves in fp32, else rounded into <paramref name="scratch"/>.</summary>
    private static ReadOnlySpan<float> RoundedProbs(float[] probs32, int pBase, float[]? scratch, int rows, int T, DType dtype)
    {
        var p32 = probs32.AsSpan(pBase, rows * T);
        if (scratch is null) return p32;
        var p = scratch.AsSpan(0, rows * T);
        DTypeRounding.RoundCopy(p32, p, dtype);
        return p;
    }
}
