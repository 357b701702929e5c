using System.Buffers;
using System.Numerics.Tensors;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Numerics;

namespace Precision.Orleans.Engine.Layers;

/// <summary>
/// Causal grouped-query attention as HF eager computes it: S = round(round(q·kᵀ)·1/√hd), causal mask,
/// P = softmax in FP32 (from the dtype scores) cast to the dtype, out = round(P·V).
/// Query head h reads KV head h / (Hq/Hkv). Tokens are rows of a [B, T] batch; q and out are
/// [B·T, Hq·hd], k and v are [B·T, Hkv·hd]; the probabilities are [B, Hq, T, T].
/// Every dot product accumulates in FP32 and is rounded once, like a GEMM.
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

    /// <param name="probs">[B,Hq,T,T] P rounded to the dtype (kept for backward).</param>
    /// <param name="probs32">[B,Hq,T,T] P in FP32 before the cast (softmax backward uses it, as PyTorch does).</param>
    public static void Forward(float[] q, float[] k, float[] v, float[] probs, float[] probs32, float[] output, Shape s, DType dtype)
    {
        int T = s.SeqLen, hd = s.HeadDim, qs = s.QStride, ks = s.KvStride;
        float scale = s.Scale;
        Parallel.For(0, s.Batch * s.Heads, bh =>
        {
            int b = bh / s.Heads, h = bh % s.Heads, kvh = h / s.Group;
            long pBase = (long)bh * T * T;
            var acc = ArrayPool<float>.Shared.Rent(hd);
            for (int i = 0; i < T; i++)
            {
                var qi = q.AsSpan((b * T + i) * qs + h * hd, hd);
                var row = probs.AsSpan((int)(pBase + (long)i * T), T);
                var row32 = probs32.AsSpan((int)(pBase + (long)i * T), T);
                float max = float.NegativeInfinity;
                for (int j = 0; j <= i; j++)
                {
                    float sc = DTypeRounding.Round(TensorPrimitives.Dot(qi, k.AsSpan((b * T + j) * ks + kvh * hd, hd)), dtype);
                    sc = DTypeRounding.Round(sc * scale, dtype);
                    row32[j] = sc;
                    if (sc > max) max = sc;
                }
                float sum = 0f;
                for (int j = 0; j <= i; j++)
                {
                    float e = MathF.Exp(row32[j] - max);
                    row32[j] = e;
                    sum += e;
                }
                float inv = 1f / sum;
                var live32 = row32[..(i + 1)];
                TensorPrimitives.Multiply(live32, inv, live32);
                row32[(i + 1)..].Clear();
                row32.CopyTo(row);
                DTypeRounding.RoundInPlace(row[..(i + 1)], dtype);
                var a = acc.AsSpan(0, hd);
                a.Clear();
                for (int j = 0; j <= i; j++)
                    TensorPrimitives.MultiplyAdd(v.AsSpan((b * T + j) * ks + kvh * hd, hd), row[j], a, a);
                var oi = output.AsSpan((b * T + i) * qs + h * hd, hd);
                a.CopyTo(oi);
                DTypeRounding.RoundInPlace(oi, dtype);
            }
            ArrayPool<float>.Shared.Return(acc);
        });
    }

    /// <summary>
    /// dP = round(dO·Vᵀ); dS = round(P32⊙(dP − Σ dP⊙P32)); dS' = round(dS/√hd); dq = round(dS'·K);
    /// per query head dk_h = round(dS'ᵀ·Q), dv_h = round(Pᵀ·dO); GQA sums the group's heads in FP32 and rounds once
    /// (the backward of repeat_kv). dq, dk, dv are overwritten.
    /// </summary>
    public static void Backward(float[] dOutput, float[] q, float[] k, float[] v, float[] probs, float[] probs32,
        float[] dq, float[] dk, float[] dv, Shape s, DType dtype)
    {
        int T = s.SeqLen, hd = s.HeadDim, qs = s.QStride, ks = s.KvStride, group = s.Group;
        float scale = s.Scale;
        Parallel.For(0, s.Batch * s.KvHeads, bk =>
        {
            int b = bk / s.KvHeads, kvh = bk % s.KvHeads;
            var pool = ArrayPool<float>.Shared;
            float[] dsRow = pool.Rent(T), dkH = pool.Rent(T * hd), dvH = pool.Rent(T * hd), dkSum = pool.Rent(T * hd), dvSum = pool.Rent(T * hd), tmp = pool.Rent(hd);
            bool grouped = group > 1;
            Array.Clear(dkSum, 0, T * hd);
            Array.Clear(dvSum, 0, T * hd);
            for (int g = 0; g < group; g++)
            {
                int h = kvh * group + g;
                long pBase = ((long)b * s.Heads + h) * T * T;
                Array.Clear(dkH, 0, T * hd);
                Array.Clear(dvH, 0, T * hd);
                for (int i = 0; i < T; i++)
                {
                    var doi = dOutput.AsSpan((b * T + i) * qs + h * hd, hd);
                    var qi = q.AsSpan((b * T + i) * qs + h * hd, hd);
                    var p = probs.AsSpan((int)(pBase + (long)i * T), i + 1);
                    var p32 = probs32.AsSpan((int)(pBase + (long)i * T), i + 1);
                    var ds = dsRow.AsSpan(0, i + 1);
                    for (int j = 0; j <= i; j++)
                    {
                        var vj = v.AsSpan((b * T + j) * ks + kvh * hd, hd);
                        ds[j] = DTypeRounding.Round(TensorPrimitives.Dot(doi, vj), dtype);
                        // dv_h[j] += P[i,j]·dO[i]
                        var dvj = dvH.AsSpan(j * hd, hd);
                        TensorPrimitives.MultiplyAdd(doi, p[j], dvj, dvj);
                    }
                    float dot = TensorPrimitives.Dot(ds, p32);
                    // softmax backward in FP32, then the cast back to the dtype, then the 1/√hd scale
                    TensorPrimitives.Subtract(ds, dot, ds);
                    TensorPrimitives.Multiply(ds, p32, ds);
                    DTypeRounding.RoundInPlace(ds, dtype);
                    TensorPrimitives.Multiply(ds, scale, ds);
                    DTypeRounding.RoundInPlace(ds, dtype);
                    var acc = tmp.AsSpan(0, hd);
                    acc.Clear();
                    for (int j = 0; j <= i; j++)
                    {
                        float w = ds[j];
                        if (w == 0f) continue;
                        TensorPrimitives.MultiplyAdd(k.AsSpan((b * T + j) * ks + kvh * hd, hd), w, acc, acc);
                        var dkj = dkH.AsSpan(j * hd, hd);
                        TensorPrimitives.MultiplyAdd(qi, w, dkj, dkj);
                    }
                    var dqi = dq.AsSpan((b * T + i) * qs + h * hd, hd);
                    acc.CopyTo(dqi);
                    DTypeRounding.RoundInPlace(dqi, dtype);
                }
                DTypeRounding.RoundInPlace(dkH.AsSpan(0, T * hd), dtype);
                DTypeRounding.RoundInPlace(dvH.AsSpan(0, T * hd), dtype);
                TensorPrimitives.Add(dkSum.AsSpan(0, T * hd), dkH.AsSpan(0, T * hd), dkSum.AsSpan(0, T * hd));
                TensorPrimitives.Add(dvSum.AsSpan(0, T * hd), dvH.AsSpan(0, T * hd), dvSum.AsSpan(0, T * hd));
            }
            for (int j = 0; j < T; j++)
            {
                var dkj = dk.AsSpan((b * T + j) * ks + kvh * hd, hd);
                var dvj = dv.AsSpan((b * T + j) * ks + kvh * hd, hd);
                dkSum.AsSpan(j * hd, hd).CopyTo(dkj);
                dvSum.AsSpan(j * hd, hd).CopyTo(dvj);
                if (grouped)
                {
                    DTypeRounding.RoundInPlace(dkj, dtype);
                    DTypeRounding.RoundInPlace(dvj, dtype);
                }
            }
            pool.Return(dsRow); pool.Return(dkH); pool.Return(dvH); pool.Return(dkSum); pool.Return(dvSum); pool.Return(tmp);
        });
    }
}
