using System.Numerics.Tensors;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Kernels;
using Precision.Orleans.Engine.Numerics;

namespace Precision.Orleans.Engine.Layers;

/// <summary>
/// HF Qwen2/Llama RMSNorm: in FP32, h = x·rsqrt(mean(x²)+eps), cast to the dtype; out = round(w·h).
/// Rows run in parallel (each row's arithmetic is the same whichever thread runs it); the weight gradient's sum over
/// rows runs in parallel over column ranges, each still adding the rows in ascending order.
/// </summary>
public static unsafe class RmsNormLayer
{
    /// <param name="normed">[rows, d] h rounded to the dtype (kept for backward).</param>
    /// <param name="rstd">[rows] FP32 1/sqrt(mean(x²)+eps) (kept for backward).</param>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, Span<float> normed, Span<float> output,
        Span<float> rstd, int rows, int d, float eps, DType dtype)
    {
        if (x.Length < (long)rows * d || normed.Length < (long)rows * d || output.Length < (long)rows * d || rstd.Length < rows || weight.Length < d)
            throw new ArgumentException($"RmsNorm buffers too short for {rows} rows of {d}");
        fixed (float* px = x, pw = weight, ph = normed, py = output, ps = rstd)
        {
            nint ax = (nint)px, aw = (nint)pw, ah = (nint)ph, ay = (nint)py, asd = (nint)ps;
            ParallelRanges.For(rows, 4L * d, (lo, hi) =>
            {
                var w = new ReadOnlySpan<float>((float*)aw, d);
                for (int r = lo; r < hi; r++)
                {
                    var xr = new ReadOnlySpan<float>((float*)ax + (long)r * d, d);
                    var hr = new Span<float>((float*)ah + (long)r * d, d);
                    var yr = new Span<float>((float*)ay + (long)r * d, d);
                    float ms = TensorPrimitives.SumOfSquares(xr) / d;
                    float s = 1f / MathF.Sqrt(ms + eps);
                    ((float*)asd)[r] = s;
                    TensorPrimitives.Multiply(xr, s, hr);
                    DTypeRounding.RoundInPlace(hr, dtype);
                    TensorPrimitives.Multiply(hr, w, yr);
                    DTypeRounding.RoundInPlace(yr, dtype);
                }
            });
        }
    }

    /// <summary>
    /// dh = round(dOut·w); dW += round(Σ_rows round(dOut·h)); dx = round(r·dh − r³·x·Σ(dh·x)/d) in FP32.
    /// With <paramref name="accumulateInput"/>, dx = round(dx + that) — autograd summing two uses of x.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> dOutput, ReadOnlySpan<float> x, ReadOnlySpan<float> normed,
        ReadOnlySpan<float> rstd, ReadOnlySpan<float> weight, Span<float> dx, Span<float> dWeight,
        int rows, int d, DType dtype, bool accumulateInput)
    {
        if (dOutput.Length < (long)rows * d || x.Length < (long)rows * d || normed.Length < (long)rows * d || dx.Length < (long)rows * d
            || rstd.Length < rows || weight.Length < d || dWeight.Length < d)
            throw new ArgumentException($"RmsNorm buffers too short for {rows} rows of {d}");
        fixed (float* pdy = dOutput, px = x, ph = normed, ps = rstd, pw = weight, pdx = dx, pdw = dWeight)
        {
            nint ady = (nint)pdy, ax = (nint)px, ah = (nint)ph, asd = (nint)ps, aw = (nint)pw, adx = (nint)pdx, adw = (nint)pdw;
            ParallelRanges.For(rows, 6L * d, (lo, hi) =>
            {
                Span<float> dh = d <= 4096 ? stackalloc float[d] : new float[d];
                Span<float> tmp = d <= 4096 ? stackalloc float[d] : new float[d];
                var w = new ReadOnlySpan<float>((float*)aw, d);
                for (int r = lo; r < hi; r++)
                {
                    var dyr = new ReadOnlySpan<float>((float*)ady + (long)r * d, d);
                    var xr = new ReadOnlySpan<float>((float*)ax + (long)r * d, d);
                    var dxr = new Span<float>((float*)adx + (long)r * d, d);
                    TensorPrimitives.Multiply(dyr, w, dh);
                    DTypeRounding.RoundInPlace(dh, dtype);
                    float s = ((float*)asd)[r];
                    float dot = TensorPrimitives.Dot(dh, xr);
                    float c = -s * s * s * dot / d;
                    // tmp = s·dh + c·x
                    TensorPrimitives.Multiply(dh, s, tmp);
                    TensorPrimitives.MultiplyAdd(xr, c, tmp, tmp);
                    DTypeRounding.RoundInPlace(tmp, dtype);
                    if (accumulateInput)
                    {
                        TensorPrimitives.Add(dxr, tmp, dxr);
                        DTypeRounding.RoundInPlace(dxr, dtype);
                    }
                    else tmp.CopyTo(dxr);
                }
            });
            // weight gradient: elementwise product in the dtype, summed over rows in FP32 (rows ascending per column)
            int columnBlocks = (d + 63) / 64;
            ParallelRanges.For(columnBlocks, 3L * 64 * rows, (lo, hi) =>
            {
                int c0 = lo * 64, width = Math.Min(d, hi * 64) - c0;
                Span<float> tmp = stackalloc float[width];
                Span<float> dw = stackalloc float[width];
                dw.Clear();
                for (int r = 0; r < rows; r++)
                {
                    long o = (long)r * d + c0;
                    TensorPrimitives.Multiply(new ReadOnlySpan<float>((float*)ady + o, width), new ReadOnlySpan<float>((float*)ah + o, width), tmp);
                    DTypeRounding.RoundInPlace(tmp, dtype);
                    TensorPrimitives.Add(dw, tmp, dw);
                }
                DTypeRounding.RoundInPlace(dw, dtype);
                var dW = new Span<float>((float*)adw + c0, width);
                TensorPrimitives.Add(dW, dw, dW);
            });
        }
    }
}
