using ILGPU;

namespace Precision.Orleans.Engine.Gpu.Kernels;

/// <summary>Causal GQA attention's shape for the kernels (tokens of a [B, T] batch; q/out [B·T, Hq·hd], k/v [B·T, Hkv·hd]).</summary>
public struct AttentionShape
{
    public int Batch, SeqLen, Heads, KvHeads, HeadDim, DType;
    public float Scale;
}

/// <summary>
/// The training engine's attention as HF eager computes it: S = round(round(q·kᵀ)·scale), FP32 softmax of the dtype
/// scores, P cast to the dtype, out = round(P·V); probabilities [B, Hq, T, T] in FP32 are kept for backward. Every
/// product is an FMA chain in ascending index order from +0 rounded once (the CPU GEMM's order), the softmax
/// statistics are FP32; masked entries are exact zeros.
/// </summary>
public static class AttentionKernels
{
    /// <summary>One thread per (b, h, i, j): probs32[b,h,i,j] = round(round(q_i·k_j)·scale) for j ≤ i, else 0.</summary>
    public static void Scores<TMath>(Index1D index, ArrayView<float> q, ArrayView<float> k, ArrayView<float> probs32, AttentionShape s) where TMath : struct, IDeviceMath =>
        probs32[index] = CausalDot<TMath>(index, q, k, s, out float acc) ? DeviceNumerics.Round(DeviceNumerics.Round(acc, s.DType) * s.Scale, s.DType) : 0f;

    /// <summary>
    /// For element (b, h, i, j) of a [B, Hq, T, T] score-shaped buffer: false when j &gt; i (masked); else the FMA chain
    /// over the head dim of query-shaped row (b, i, h) of <paramref name="rows"/> with kv-shaped row (b, j, kvh) of <paramref name="columns"/>.
    /// </summary>
    private static bool CausalDot<TMath>(Index1D index, ArrayView<float> rows, ArrayView<float> columns, AttentionShape s, out float acc) where TMath : struct, IDeviceMath
    {
        int T = s.SeqLen, hd = s.HeadDim;
        long bh = index / ((long)T * T);
        int i = (int)(index / T % T), j = (int)(index % T);
        acc = 0f;
        if (j > i) return false;
        int b = (int)(bh / s.Heads), h = (int)(bh % s.Heads), kvh = h / (s.Heads / s.KvHeads);
        long ro = ((long)(b * T + i) * s.Heads + h) * hd, co = ((long)(b * T + j) * s.KvHeads + kvh) * hd;
        for (int p = 0; p < hd; p++) acc = default(TMath).Fma(rows[ro + p], columns[co + p], acc);
        return true;
    }

    /// <summary>One thread per (b, h, i): the unmasked prefix of the row becomes softmax in FP32 (max, e^(x − max), ÷ sum).</summary>
    public static void Softmax(Index1D row, ArrayView<float> probs32, int seqLen)
    {
        int i = (int)(row % seqLen);
        long o = (long)row.X * seqLen;
        float max = probs32[o];
        for (int j = 1; j <= i; j++) max = MathF.Max(max, probs32[o + j]);
        float sum = 0f;
        for (int j = 0; j <= i; j++)
        {
            float e = MathF.Exp(probs32[o + j] - max);
            probs32[o + j] = e;
            sum += e;
        }
        for (int j = 0; j <= i; j++) probs32[o + j] /= sum;
    }

    /// <summary>One thread per (b, i, h, p): out = round(Σ_j round(P[i,j])·v[j,p]) over j ascending.</summary>
    public static void Output<TMath>(Index1D index, ArrayView<float> probs32, ArrayView<float> v, ArrayView<float> output, AttentionShape s) where TMath : struct, IDeviceMath =>
        output[index] = DeviceNumerics.Round(RowTimesKv<TMath>(index, probs32, v, s, roundRow: true), s.DType);

    /// <summary>
    /// For output element (b, i, h, p) of a query-shaped buffer: Σ_j row[b,h,i,j]·kv[b,j,kvh,p] as an FMA chain over j
    /// ascending, the [B, Hq, T, T] row entries rounded to the dtype first when <paramref name="roundRow"/> (P from P32).
    /// </summary>
    private static float RowTimesKv<TMath>(Index1D index, ArrayView<float> rows, ArrayView<float> kv, AttentionShape s, bool roundRow) where TMath : struct, IDeviceMath
    {
        int T = s.SeqLen, hd = s.HeadDim;
        int p = (int)(index % hd);
        long bih = index / hd;
        int h = (int)(bih % s.Heads);
        long bi = bih / s.Heads;
        int b = (int)(bi / T), i = (int)(bi % T), kvh = h / (s.Heads / s.KvHeads);
        long ro = (((long)b * s.Heads + h) * T + i) * T;
        float acc = 0f;
        for (int j = 0; j < T; j++)
        {
            float r = roundRow ? DeviceNumerics.Round(rows[ro + j], s.DType) : rows[ro + j];
            acc = default(TMath).Fma(r, kv[((long)(b * T + j) * s.KvHeads + kvh) * hd + p], acc);
        }
        return acc;
    }

    /// <summary>One thread per (b, h, i, j): dS[b,h,i,j] = round(dO_i·v_j) for j ≤ i, else 0 (dP before the softmax backward).</summary>
    public static void OutputGradient<TMath>(Index1D index, ArrayView<float> dOutput, ArrayView<float> v, ArrayView<float> dS, AttentionShape s) where TMath : struct, IDeviceMath =>
        dS[index] = CausalDot<TMath>(index, dOutput, v, s, out float acc) ? DeviceNumerics.Round(acc, s.DType) : 0f;

    /// <summary>One thread per (b, h, i): dS = round(round(P32⊙(dP − Σ dP⊙P32))·scale) over the unmasked prefix, in FP32.</summary>
    public static void SoftmaxBackward(Index1D row, ArrayView<float> dS, ArrayView<float> probs32, AttentionShape s)
    {
        int T = s.SeqLen, i = (int)(row % T);
        long o = (long)row.X * T;
        float dot = 0f;
        for (int j = 0; j <= i; j++) dot += dS[o + j] * probs32[o + j];
        for (int j = 0; j <= i; j++)
        {
            float value = DeviceNumerics.Round((dS[o + j] - dot) * probs32[o + j], s.DType);
            dS[o + j] = DeviceNumerics.Round(value * s.Scale, s.DType);
        }
    }

    /// <summary>One thread per (b, i, h, p): dq = round(Σ_j dS[i,j]·k[j,p]).</summary>
    public static void QueryGradient<TMath>(Index1D index, ArrayView<float> dS, ArrayView<float> k, ArrayView<float> dq, AttentionShape s) where TMath : struct, IDeviceMath =>
        dq[index] = DeviceNumerics.Round(RowTimesKv<TMath>(index, dS, k, s, roundRow: false), s.DType);

    /// <summary>
    /// One thread per (b, j, kvh, p): for each query head of the group, dk_h = round(Σ_i dS[i,j]·q[i,p]) and
    /// dv_h = round(Σ_i round(P[i,j])·dO[i,p]); the group's heads are summed in FP32 in head order and, with more than
    /// one head and a 16-bit dtype, rounded once more (repeat_kv's backward).
    /// </summary>
    public static void KeyValueGradient<TMath>(Index1D index, ArrayView<float> dS, ArrayView<float> probs32, ArrayView<float> q, ArrayView<float> dOutput,
        ArrayView<float> dk, ArrayView<float> dv, AttentionShape s) where TMath : struct, IDeviceMath
    {
        int T = s.SeqLen, hd = s.HeadDim, group = s.Heads / s.KvHeads;
        int p = (int)(index % hd);
        long bjk = index / hd;
        int kvh = (int)(bjk % s.KvHeads);
        long bj = bjk / s.KvHeads;
        int b = (int)(bj / T), j = (int)(bj % T);
        float dkSum = 0f, dvSum = 0f;
        for (int g = 0; g < group; g++)
        {
            int h = kvh * group + g;
            long so = ((long)b * s.Heads + h) * T * T;
            float accK = 0f, accV = 0f;
            for (int i = 0; i < T; i++)
            {
                long qi = ((long)(b * T + i) * s.Heads + h) * hd + p;
                accK = default(TMath).Fma(dS[so + (long)i * T + j], q[qi], accK);
                accV = default(TMath).Fma(DeviceNumerics.Round(probs32[so + (long)i * T + j], s.DType), dOutput[qi], accV);
            }
            float rk = DeviceNumerics.Round(accK, s.DType), rv = DeviceNumerics.Round(accV, s.DType);
            dkSum = g == 0 ? rk : dkSum + rk;
            dvSum = g == 0 ? rv : dvSum + rv;
        }
        if (group > 1)
        {
            dkSum = DeviceNumerics.Round(dkSum, s.DType);
            dvSum = DeviceNumerics.Round(dvSum, s.DType);
        }
        dk[index] = dkSum;
        dv[index] = dvSum;
    }
}
