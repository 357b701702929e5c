using ILGPU;

namespace Precision.Orleans.Engine.Gpu.Kernels;

/// <summary>Decode attention's shape: one query row per sequence over its slot's dtype KV cache [slot][layer][position][kvDim].</summary>
public struct DecodeShape
{
    public int Heads, KvHeads, HeadDim, Layers, Capacity, Layer, DType;
    public float Scale;
}

/// <summary>
/// The rollout engine's fused kernels (vLLM-like): FP32 arithmetic from dtype inputs, ONE rounding per kernel output —
/// where the training engine rounds after every op — and decode attention with an online softmax over a KV cache held
/// in the dtype's 16-bit bits.
/// </summary>
public static class RolloutKernels
{
    /// <summary>One thread per row: with <paramref name="addResidual"/>, residual = round(x + residual) first; then out = round(residual·s·w).</summary>
    public static void AddRmsNorm(Index1D row, ArrayView<float> x, ArrayView<float> residual, ArrayView<float> weight, ArrayView<float> output,
        int d, float eps, int dtype, int addResidual)
    {
        long o = (long)row.X * d;
        if (addResidual != 0)
            for (int j = 0; j < d; j++) residual[o + j] = DeviceNumerics.Round(x[o + j] + residual[o + j], dtype);
        float sumSquares = 0f;
        for (int j = 0; j < d; j++) sumSquares += residual[o + j] * residual[o + j];
        float s = 1f / MathF.Sqrt(sumSquares / d + eps);
        for (int j = 0; j < d; j++) output[o + j] = DeviceNumerics.Round(residual[o + j] * s * weight[j], dtype);
    }

    /// <summary>One thread per (head, i &lt; hd/2) pair, in place: lo = round(a·cos − b·sin), hi = round(b·cos + a·sin).</summary>
    public static void Rotary<TMath>(Index1D index, ArrayView<float> heads, ArrayView<float> cos, ArrayView<float> sin, int half, int dtype) where TMath : struct, IDeviceMath
    {
        long h = index / half;
        int i = (int)(index % half);
        long lo = h * 2 * half + i, hi = lo + half;
        float a = heads[lo], b = heads[hi];
        heads[lo] = DeviceNumerics.Round(default(TMath).MulAdd(a, cos[i], -(b * sin[i])), dtype);
        heads[hi] = DeviceNumerics.Round(default(TMath).MulAdd(b, cos[i], a * sin[i]), dtype);
    }

    /// <summary>out[r, i] = round(silu(gate)·up) with gate/up the two halves of each row of width 2·inter.</summary>
    public static void SiluAndMul(Index1D index, ArrayView<float> gate, ArrayView<float> up, ArrayView<float> output, int dtype) =>
        output[index] = DeviceNumerics.Round(DeviceNumerics.Silu(gate[index]) * up[index], dtype);

    /// <summary>
    /// One thread per (row, query head, p): online softmax over positions 0..length−1 of the row's slot in tiles of 64
    /// (as the CPU's flash-decoding loop): FP32 scores q·k·scale, running max and sum, the value accumulator rescaled at
    /// each tile, the output divided by the sum and rounded once. Keys/values are 16-bit bits widened exactly.
    /// </summary>
    public static void DecodeAttention<TMath>(Index1D index, ArrayView<float> queries, ArrayView<ushort> keys, ArrayView<ushort> values,
        ArrayView<int> slots, ArrayView<int> lengths, ArrayView<float> output, DecodeShape s) where TMath : struct, IDeviceMath
    {
        const int Tile = 64;
        int hd = s.HeadDim, p = (int)(index % hd);
        long rowHead = index / hd;
        int h = (int)(rowHead % s.Heads), r = (int)(rowHead / s.Heads);
        int kvh = h / (s.Heads / s.KvHeads), kvDim = s.KvHeads * hd, length = lengths[r];
        long qo = (long)r * s.Heads * hd + (long)h * hd;
        long cacheBase = ((long)slots[r] * s.Layers + s.Layer) * s.Capacity * kvDim + (long)kvh * hd;
        float runningMax = float.NegativeInfinity, runningSum = 0f, acc = 0f;
        for (int t0 = 0; t0 < length; t0 += Tile)
        {
            int count = Math.Min(Tile, length - t0);
            float tileMax = float.NegativeInfinity;
            for (int j = 0; j < count; j++) tileMax = MathF.Max(tileMax, Score<TMath>(queries, keys, qo, cacheBase + (long)(t0 + j) * kvDim, hd, s));
            float newMax = MathF.Max(runningMax, tileMax);
            float correction = MathF.Exp(runningMax - newMax);
            runningSum *= correction;
            acc *= correction;
            for (int j = 0; j < count; j++)
            {
                long row = cacheBase + (long)(t0 + j) * kvDim;
                float e = MathF.Exp(Score<TMath>(queries, keys, qo, row, hd, s) - newMax);
                runningSum += e;
                acc = default(TMath).MulAdd(DeviceNumerics.Widen(values[row + p], s.DType), e, acc);
            }
            runningMax = newMax;
        }
        output[index] = DeviceNumerics.Round(acc / runningSum, s.DType);
    }

    private static float Score<TMath>(ArrayView<float> queries, ArrayView<ushort> keys, long qo, long ko, int hd, DecodeShape s) where TMath : struct, IDeviceMath
    {
        float dot = 0f;
        for (int p = 0; p < hd; p++) dot += queries[qo + p] * DeviceNumerics.Widen(keys[ko + p], s.DType);
        return dot * s.Scale;
    }
}
