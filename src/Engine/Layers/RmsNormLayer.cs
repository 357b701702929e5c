using System.Numerics.Tensors;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Numerics;

namespace Precision.Orleans.Engine.Layers;

/// <summary>
/// HF Qwen2/Llama RMSNorm: in FP32, h = x·rsqrt(mean(x²)+eps), cast to the dtype; out = round(w·h).
/// </summary>
public static class RmsNormLayer
{
    /// <param name="normed">[rows, d] h rounded to the dtype (kept for backward).</param>
    /// <param name="rstd">[rows] FP32 1/sqrt(mean(x²)+eps) (kept for backward).</param>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, Span<float> normed, Span<float> output,
        Span<float> rstd, int rows, int d, float eps, DType dtype)
    {
        for (int r = 0; r < rows; r++)
        {
            var xr = x.Slice(r * d, d);
            var hr = normed.Slice(r * d, d);
            var yr = output.Slice(r * d, d);
            float ms = TensorPrimitives.SumOfSquares(xr) / d;
            float s = 1f / MathF.Sqrt(ms + eps);
            rstd[r] = s;
            TensorPrimitives.Multiply(xr, s, hr);
            DTypeRounding.RoundInPlace(hr, dtype);
            TensorPrimitives.Multiply(hr, weight, yr);
            DTypeRounding.RoundInPlace(yr, dtype);
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
        Span<float> dh = d <= 4096 ? stackalloc float[d] : new float[d];
        Span<float> tmp = d <= 4096 ? stackalloc float[d] : new float[d];
        Span<float> dw = d <= 4096 ? stackalloc float[d] : new float[d];
        dw.Clear();
        for (int r = 0; r < rows; r++)
        {
            var dyr = dOutput.Slice(r * d, d);
            var xr = x.Slice(r * d, d);
            var dxr = dx.Slice(r * d, d);
            // weight gradient: elementwise product in the dtype, summed over rows in FP32
            TensorPrimitives.Multiply(dyr, normed.Slice(r * d, d), tmp);
            DTypeRounding.RoundInPlace(tmp, dtype);
            TensorPrimitives.Add(dw, tmp, dw);
            TensorPrimitives.Multiply(dyr, weight, dh);
            DTypeRounding.RoundInPlace(dh, dtype);
            float s = rstd[r];
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
        DTypeRounding.RoundInPlace(dw, dtype);
        TensorPrimitives.Add(dWeight[..d], dw, dWeight[..d]);
    }
}
