using System.Numerics.Tensors;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Kernels;
using Precision.Orleans.Engine.Numerics;

namespace Precision.Orleans.Engine.Layers;

/// <summary>PyTorch Linear, y[m,n] = x[m,k]·W[n,k]ᵀ + b, rounded once (addmm).</summary>
public static class LinearLayer
{
    /// <param name="bias">[n] or empty for no bias.</param>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> y,
        int m, int n, int k, DType dtype)
    {
        if (bias.IsEmpty)
        {
            Gemm.Linear(x, weight, y, m, n, k, dtype);
            return;
        }
        // addmm: FP32 accumulation, bias added before the single rounding.
        Gemm.Linear(x, weight, y, m, n, k, DType.Fp32);
        if (bias.Length < n) throw new ArgumentException($"bias has {bias.Length} elements, the layer has {n} outputs");
        unsafe
        {
            fixed (float* pb = bias, py = y)
            {
                nint ab = (nint)pb, ay = (nint)py;
                ParallelRanges.For(m, 2L * n, (lo, hi) =>
                {
                    var b = new ReadOnlySpan<float>((float*)ab, n);
                    for (int r = lo; r < hi; r++)
                    {
                        var yr = new Span<float>((float*)ay + (long)r * n, n);
                        TensorPrimitives.Add(yr, b, yr);
                        DTypeRounding.RoundInPlace(yr, dtype);
                    }
                });
            }
        }
    }

    /// <summary>
    /// dx = round(dy·W) (or, with <paramref name="accumulateInput"/>, dx = round(dx + round(dy·W)));
    /// dW += round(dyᵀ·x) in the FP32 gradient; dBias += round(Σ_rows dy). An empty <paramref name="dx"/> skips the input gradient, an empty
    /// <paramref name="dWeight"/> the weight gradient.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, ReadOnlySpan<float> weight,
        Span<float> dx, Span<float> dWeight, Span<float> dBias, int m, int n, int k, DType dtype, bool accumulateInput)
    {
        if (!dx.IsEmpty)
        {
            // C += round(A·B) in FP32, then one rounding: exactly the dtype sum of the two gradients.
            Gemm.MatMul(false, false, m, k, n, dy, n, weight, k, dx, k, dtype, accumulateInput);
            if (accumulateInput) DTypeRounding.RoundInPlace(dx[..(m * k)], dtype);
        }
        // An empty dWeight is a frozen weight (LoRA base): skip its GEMM.
        if (!dWeight.IsEmpty) Gemm.MatMul(true, false, n, k, m, dy, n, x, k, dWeight, k, dtype, accumulate: true);
        if (!dBias.IsEmpty)
        {
            Span<float> db = n <= 8192 ? stackalloc float[n] : new float[n];
            db.Clear();
            for (int r = 0; r < m; r++) TensorPrimitives.Add(db, dy.Slice(r * n, n), db);
            DTypeRounding.RoundInPlace(db, dtype);
            TensorPrimitives.Add(dBias[..n], db, dBias[..n]);
        }
    }
}
