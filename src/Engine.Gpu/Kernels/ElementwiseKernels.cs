using ILGPU;

namespace Precision.Orleans.Engine.Gpu.Kernels;

/// <summary>
/// The training engine's unfused elementwise ops (residual, SwiGLU, RoPE, bias), one thread per element, each op's
/// output rounded to the dtype exactly where the CPU layer rounds it.
/// </summary>
public static class ElementwiseKernels
{
    /// <summary>out = round(a + b).</summary>
    public static void Residual(Index1D i, ArrayView<float> a, ArrayView<float> b, ArrayView<float> output, int dtype) =>
        output[i] = DeviceNumerics.Round(a[i] + b[i], dtype);

    /// <summary>y[r, :] = round(y[r, :] + bias) for y of width n (addmm's bias before its single rounding).</summary>
    public static void AddBias(Index1D i, ArrayView<float> y, ArrayView<float> bias, int n, int dtype) =>
        y[i] = DeviceNumerics.Round(y[i] + bias[i % n], dtype);

    /// <summary>a = round(silu(g)), h = round(a·u).</summary>
    public static void SwiGluForward(Index1D i, ArrayView<float> gate, ArrayView<float> up, ArrayView<float> activated, ArrayView<float> output, int dtype)
    {
        float a = DeviceNumerics.Round(DeviceNumerics.Silu(gate[i]), dtype);
        activated[i] = a;
        output[i] = DeviceNumerics.Round(a * up[i], dtype);
    }

    /// <summary>da = round(dh·u), du = round(dh·a), dg = round(da·σ(g)(1 + g(1 − σ(g)))).</summary>
    public static void SwiGluBackward<TMath>(Index1D i, ArrayView<float> dOutput, ArrayView<float> gate, ArrayView<float> up, ArrayView<float> activated,
        ArrayView<float> dGate, ArrayView<float> dUp, int dtype) where TMath : struct, IDeviceMath
    {
        float dh = dOutput[i], g = gate[i];
        float da = DeviceNumerics.Round(dh * up[i], dtype);
        dUp[i] = DeviceNumerics.Round(dh * activated[i], dtype);
        float sg = 1f / (1f + MathF.Exp(-g));
        float t = 1f - sg;
        t = default(TMath).MulAdd(g, t, 1f);
        t = sg * t;
        dGate[i] = DeviceNumerics.Round(da * t, dtype);
    }

    /// <summary>RoPE forward, rotate_half convention: y = round(round(x·cos) + round(rotate_half(x)·sin)); element (row, head, i).</summary>
    public static void RopeForward(Index1D index, ArrayView<float> x, ArrayView<float> y, ArrayView<float> cos, ArrayView<float> sin,
        int seqLen, int heads, int headDim, int dtype)
    {
        int half = headDim / 2;
        var (headBase, i, posBase) = RopePlace(index, seqLen, heads, headDim);
        long t = posBase + i;
        float rot = i < half ? -x[headBase + i + half] : x[headBase + i - half];
        float a = DeviceNumerics.Round(x[index] * cos[t], dtype);
        float b = DeviceNumerics.Round(rot * sin[t], dtype);
        y[index] = DeviceNumerics.Round(a + b, dtype);
    }

    /// <summary>RoPE backward: dx = round(round(dy·cos) + rotate_halfᵀ(round(dy·sin))), rotate_halfᵀ(z) = cat(z2, −z1).</summary>
    public static void RopeBackward(Index1D index, ArrayView<float> dy, ArrayView<float> dx, ArrayView<float> cos, ArrayView<float> sin,
        int seqLen, int heads, int headDim, int dtype)
    {
        int half = headDim / 2;
        var (headBase, i, posBase) = RopePlace(index, seqLen, heads, headDim);
        float direct = DeviceNumerics.Round(dy[index] * cos[posBase + i], dtype);
        int j = i < half ? i + half : i - half;
        float z = DeviceNumerics.Round(dy[headBase + j] * sin[posBase + j], dtype);
        dx[index] = DeviceNumerics.Round(i < half ? direct + z : direct - z, dtype);
    }

    /// <summary>Where element <paramref name="index"/> of [rows, heads, hd] sits: its head's first element, its index in the head, its position's table row.</summary>
    private static (long HeadBase, int I, long PosBase) RopePlace(Index1D index, int seqLen, int heads, int headDim)
    {
        long row = index / ((long)heads * headDim);
        return (index / headDim * headDim, (int)(index % headDim), row % seqLen * headDim);
    }

    /// <summary>out = round(x + y) into the given buffer in place of x (dx accumulation: autograd summing two uses).</summary>
    public static void AddRounded(Index1D i, ArrayView<float> target, ArrayView<float> addend, int dtype) =>
        target[i] = DeviceNumerics.Round(target[i] + addend[i], dtype);

    /// <summary>16-bit storage bits of dtype values (exact: the values are already representable), for cuBLASLt's inputs.</summary>
    public static void PackBits(Index1D i, ArrayView<float> values, ArrayView<ushort> bits, int dtype)
    {
        uint b = (uint)Interop.FloatAsInt(values[i]);
        if (dtype == DeviceNumerics.Bf16)
        {
            bits[i] = (ushort)(b >> 16);
            return;
        }
        // fp16 from an fp16-representable float: sign, rebias the exponent, top 10 mantissa bits; subnormals by value
        uint sign = (b >> 16) & 0x8000u, abs = b & 0x7FFF_FFFFu;
        uint h;
        if (abs >= 0x7F80_0000u) h = abs > 0x7F80_0000u ? 0x7E00u : 0x7C00u;
        else if (abs >= 0x3880_0000u) h = ((abs - 0x3800_0000u) >> 13) & 0x7FFFu;
        else h = (uint)(Interop.IntAsFloat(abs) * 16777216f); // multiples of 2^-24 below 2^-14
        bits[i] = (ushort)(sign | h);
    }

    /// <summary>C[i·ldc + j] = widen(D) (or C + widen(D) with accumulate) for the m×n block of a cuBLASLt result.</summary>
    public static void UnpackBlock(Index1D index, ArrayView<ushort> d, ArrayView<float> c, int n, int ldc, int dtype, int accumulate)
    {
        long i = index / n, j = index % n, at = i * ldc + j;
        float v = DeviceNumerics.Widen(d[at], dtype);
        c[at] = accumulate != 0 ? c[at] + v : v;
    }

    /// <summary>C[i·ldc + j] (+)= D[i·ldc + j] in FP32 for the m×n block (the FP32 cuBLASLt path's accumulate).</summary>
    public static void AddBlock(Index1D index, ArrayView<float> d, ArrayView<float> c, int n, int ldc, int accumulate)
    {
        long i = index / n, j = index % n, at = i * ldc + j;
        c[at] = accumulate != 0 ? c[at] + d[at] : d[at];
    }

    /// <summary>x = round(x) in place.</summary>
    public static void RoundInPlace(Index1D i, ArrayView<float> x, int dtype) => x[i] = DeviceNumerics.Round(x[i], dtype);
}
