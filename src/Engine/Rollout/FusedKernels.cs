using System.Numerics.Tensors;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Numerics;

namespace Precision.Orleans.Engine.Rollout;

/// <summary>
/// The rollout engine's fused elementwise kernels (vLLM-style): each reads dtype values, computes in
/// FP32 and rounds its output to the dtype exactly once — where the training engine's unfused ops
/// round after every step. All work on one row (one token); callers loop over the batch.
/// </summary>
internal static class FusedKernels
{
    /// <summary>out = round(x · rsqrt(mean(x²) + eps) · w): vLLM rms_norm, one rounding.</summary>
    public static void RmsNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, float eps, Span<float> output, DType dtype)
    {
        float scale = InverseRms(x, eps);
        TensorPrimitives.Multiply(x, scale, output);
        TensorPrimitives.Multiply(output, weight, output);
        DTypeRounding.RoundInPlace(output, dtype);
    }

    /// <summary>
    /// vLLM fused_add_rms_norm: residual = round(x + residual); out = round(residual · rsqrt(mean(residual²) + eps) · w).
    /// The norm of the new residual is computed from its rounded value, in FP32, with one output rounding.
    /// </summary>
    public static void AddRmsNorm(ReadOnlySpan<float> x, Span<float> residual, ReadOnlySpan<float> weight, float eps, Span<float> output, DType dtype)
    {
        TensorPrimitives.Add(x, residual, residual);
        DTypeRounding.RoundInPlace(residual, dtype);
        RmsNorm(residual, weight, eps, output, dtype);
    }

    /// <summary>
    /// Rotary embedding in place on <paramref name="heads"/> (consecutive heads of width cos.Length·2),
    /// HF rotate_half convention: pairs (i, i + hd/2). Computed in FP32 from the FP32 cos/sin, one rounding.
    /// </summary>
    public static void Rotary(Span<float> heads, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin, DType dtype)
    {
        int half = cos.Length, headDim = 2 * half;
        for (int h = 0; h + headDim <= heads.Length; h += headDim)
        {
            var lo = heads.Slice(h, half);
            var hi = heads.Slice(h + half, half);
            for (int i = 0; i < half; i++)
            {
                float a = lo[i], b = hi[i];
                lo[i] = DTypeRounding.Round(a * cos[i] - b * sin[i], dtype);
                hi[i] = DTypeRounding.Round(b * cos[i] + a * sin[i], dtype);
            }
        }
    }

    /// <summary>
    /// Qwen3's q/k norm and rotary in one pass (vLLM's fused_qk_norm_rope): each head of <paramref name="heads"/>
    /// (first <paramref name="queryHeads"/> query heads, then key heads) is RMS-normalised over head_dim with the q or
    /// k weight and rotated, all in FP32 from the dtype values of the qkv GEMM, and rounded once — where the training
    /// engine rounds the norm's output before its rotary.
    /// </summary>
    public static void QkNormRotary(Span<float> heads, int queryHeads, ReadOnlySpan<float> qWeight, ReadOnlySpan<float> kWeight,
        float eps, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin, DType dtype)
    {
        int half = cos.Length, headDim = 2 * half;
        for (int h = 0, start = 0; start + headDim <= heads.Length; h++, start += headDim)
        {
            var head = heads.Slice(start, headDim);
            var weight = h < queryHeads ? qWeight : kWeight;
            float scale = InverseRms(head, eps);
            for (int i = 0; i < half; i++)
            {
                float a = head[i] * scale * weight[i], b = head[i + half] * scale * weight[i + half];
                head[i] = DTypeRounding.Round(a * cos[i] - b * sin[i], dtype);
                head[i + half] = DTypeRounding.Round(b * cos[i] + a * sin[i], dtype);
            }
        }
    }

    /// <summary>vLLM SiluAndMul: out = round(silu(gate) · up) with silu(g) = g / (1 + e^-g) in FP32, one rounding.</summary>
    public static void SiluAndMul(ReadOnlySpan<float> gate, ReadOnlySpan<float> up, Span<float> output, DType dtype)
    {
        // Vectorised passes over the output as FP32 scratch; nothing is rounded until the end.
        TensorPrimitives.Negate(gate, output);
        TensorPrimitives.Exp(output, output);
        TensorPrimitives.Add(output, 1f, output);
        TensorPrimitives.Divide(gate, output, output);
        TensorPrimitives.Multiply(output, up, output);
        DTypeRounding.RoundInPlace(output, dtype);
    }

    /// <summary>Adds a bias in FP32 to a row that has not been rounded yet, then rounds once (a GEMM bias epilogue).</summary>
    public static void AddBias(Span<float> row, ReadOnlySpan<float> bias, DType dtype)
    {
        TensorPrimitives.Add(row, bias, row);
        DTypeRounding.RoundInPlace(row, dtype);
    }

    private static float InverseRms(ReadOnlySpan<float> x, float eps)
    {
        float meanSquare = TensorPrimitives.SumOfSquares(x) / x.Length;
        return 1f / MathF.Sqrt(meanSquare + eps);
    }
}
