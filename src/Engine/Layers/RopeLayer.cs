using System.Numerics.Tensors;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Kernels;
using Precision.Orleans.Engine.Numerics;

namespace Precision.Orleans.Engine.Layers;

/// <summary>
/// Rotary position embedding, HF rotate_half convention: pairs (i, i + hd/2), inv_freq = θ^(−2i/hd),
/// cos/sin computed in FP32 and cast to the dtype; y = round(round(x·cos) + round(rotate_half(x)·sin)).
/// Rows are tokens of a [B, T] batch (position = row mod T); each row holds <c>heads</c> heads of width hd.
/// Rows run in parallel.
/// </summary>
public static unsafe class RopeLayer
{
    /// <summary>Fills cos/sin [seqLen, hd] (HF: emb = cat(freqs, freqs)), rounded to the dtype.</summary>
    public static void BuildTables(int seqLen, int headDim, float theta, DType dtype, Span<float> cos, Span<float> sin)
    {
        int half = headDim / 2;
        for (int i = 0; i < half; i++)
        {
            float invFreq = 1f / MathF.Pow(theta, (2 * i) / (float)headDim);
            for (int t = 0; t < seqLen; t++)
            {
                float f = t * invFreq;
                float c = MathF.Cos(f), s = MathF.Sin(f);
                cos[t * headDim + i] = cos[t * headDim + i + half] = c;
                sin[t * headDim + i] = sin[t * headDim + i + half] = s;
            }
        }
        DTypeRounding.RoundInPlace(cos[..(seqLen * headDim)], dtype);
        DTypeRounding.RoundInPlace(sin[..(seqLen * headDim)], dtype);
    }

    public static void Forward(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin,
        int rows, int seqLen, int heads, int headDim, DType dtype)
    {
        long width = (long)heads * headDim;
        if (x.Length < rows * width || y.Length < rows * width || cos.Length < (long)seqLen * headDim || sin.Length < (long)seqLen * headDim)
            throw new ArgumentException($"RoPE buffers too short for {rows} rows of {heads}×{headDim}");
        fixed (float* px = x, py = y, pc = cos, ps = sin)
        {
            nint ax = (nint)px, ay = (nint)py, ac = (nint)pc, asn = (nint)ps;
            ParallelRanges.For(rows, 6 * width, (lo, hi) => ForwardRows((float*)ax, (float*)ay, (float*)ac, (float*)asn, lo, hi, seqLen, heads, headDim, dtype));
        }
    }

    private static void ForwardRows(float* x, float* y, float* cos, float* sin, int lo, int hi, int seqLen, int heads, int headDim, DType dtype)
    {
        int half = headDim / 2;
        Span<float> rot = stackalloc float[headDim];
        Span<float> a = stackalloc float[headDim];
        for (int r = lo; r < hi; r++)
        {
            int pos = r % seqLen;
            var c = new ReadOnlySpan<float>(cos + (long)pos * headDim, headDim);
            var s = new ReadOnlySpan<float>(sin + (long)pos * headDim, headDim);
            for (int h = 0; h < heads; h++)
            {
                long o = ((long)r * heads + h) * headDim;
                var xh = new ReadOnlySpan<float>(x + o, headDim);
                var yh = new Span<float>(y + o, headDim);
                // rotate_half(x) = cat(−x2, x1)
                TensorPrimitives.Negate(xh.Slice(half, half), rot[..half]);
                xh[..half].CopyTo(rot[half..]);
                TensorPrimitives.Multiply(xh, c, a);
                DTypeRounding.RoundInPlace(a, dtype);
                TensorPrimitives.Multiply(rot, s, rot);
                DTypeRounding.RoundInPlace(rot, dtype);
                TensorPrimitives.Add(a, rot, yh);
                DTypeRounding.RoundInPlace(yh, dtype);
            }
        }
    }

    /// <summary>dx = round(round(dy·cos) + rotate_halfᵀ(round(dy·sin))), with rotate_halfᵀ(z) = cat(z2, −z1).</summary>
    public static void Backward(ReadOnlySpan<float> dy, Span<float> dx, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin,
        int rows, int seqLen, int heads, int headDim, DType dtype)
    {
        long width = (long)heads * headDim;
        if (dy.Length < rows * width || dx.Length < rows * width || cos.Length < (long)seqLen * headDim || sin.Length < (long)seqLen * headDim)
            throw new ArgumentException($"RoPE buffers too short for {rows} rows of {heads}×{headDim}");
        fixed (float* pdy = dy, pdx = dx, pc = cos, ps = sin)
        {
            nint ady = (nint)pdy, adx = (nint)pdx, ac = (nint)pc, asn = (nint)ps;
            ParallelRanges.For(rows, 6 * width, (lo, hi) => BackwardRows((float*)ady, (float*)adx, (float*)ac, (float*)asn, lo, hi, seqLen, heads, headDim, dtype));
        }
    }

    private static void BackwardRows(float* dy, float* dx, float* cos, float* sin, int lo, int hi, int seqLen, int heads, int headDim, DType dtype)
    {
        int half = headDim / 2;
        Span<float> z = stackalloc float[headDim];
        for (int r = lo; r < hi; r++)
        {
            int pos = r % seqLen;
            var c = new ReadOnlySpan<float>(cos + (long)pos * headDim, headDim);
            var s = new ReadOnlySpan<float>(sin + (long)pos * headDim, headDim);
            for (int h = 0; h < heads; h++)
            {
                long o = ((long)r * heads + h) * headDim;
                var dyh = new ReadOnlySpan<float>(dy + o, headDim);
                var dxh = new Span<float>(dx + o, headDim);
                TensorPrimitives.Multiply(dyh, c, dxh);
                DTypeRounding.RoundInPlace(dxh, dtype);
                TensorPrimitives.Multiply(dyh, s, z);
                DTypeRounding.RoundInPlace(z, dtype);
                TensorPrimitives.Add(dxh[..half], z[half..], dxh[..half]);
                TensorPrimitives.Subtract(dxh[half..], z[..half], dxh[half..]);
                DTypeRounding.RoundInPlace(dxh, dtype);
            }
        }
    }
}
