using System.Numerics.Tensors;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Layers;
using Precision.Orleans.Engine.Numerics;

namespace Precision.Orleans.Engine.Lora;

/// <summary>
/// The adapter path of a LoRA linear as PEFT computes it under autocast: z = round(scale · round(round(x·Aᵀ)·Bᵀ)),
/// added to the base output y and the sum rounded: y = round(y + z). A [r, in] and B [out, r] are read as given (the
/// caller passes their compute-dtype casts); u [n, r] and v [n, out] are caller scratch.
/// </summary>
public static class LoraLinearLayer
{
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> a, ReadOnlySpan<float> b, float scale, Span<float> y,
        Span<float> u, Span<float> v, int n, int outF, int inF, int rank, DType dtype)
    {
        u = u[..(n * rank)];
        v = v[..(n * outF)];
        LinearLayer.Forward(x, a, Span<float>.Empty, u, n, rank, inF, dtype);
        LinearLayer.Forward(u, b, Span<float>.Empty, v, n, outF, rank, dtype);
        TensorPrimitives.Multiply(v, scale, v);
        DTypeRounding.RoundInPlace(v, dtype);
        var yn = y[..(n * outF)];
        TensorPrimitives.Add(yn, v, yn);
        DTypeRounding.RoundInPlace(yn, dtype);
    }

    /// <summary>
    /// Backward of <see cref="Forward"/> (dy is the gradient of y, which flows unchanged into z): dv = round(scale·dy);
    /// dB += round(dvᵀ·u); du = round(dv·B); dA += round(duᵀ·x); dx = round(dx + round(du·A)) — the adapter's share is
    /// ADDED to dx, which must already hold the base path's input gradient. u = round(x·Aᵀ) is recomputed, not kept.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, ReadOnlySpan<float> a, ReadOnlySpan<float> b, float scale,
        Span<float> dx, Span<float> dA, Span<float> dB, Span<float> u, Span<float> dv, Span<float> du,
        int n, int outF, int inF, int rank, DType dtype)
    {
        u = u[..(n * rank)];
        dv = dv[..(n * outF)];
        du = du[..(n * rank)];
        LinearLayer.Forward(x, a, Span<float>.Empty, u, n, rank, inF, dtype);
        TensorPrimitives.Multiply(dy[..(n * outF)], scale, dv);
        DTypeRounding.RoundInPlace(dv, dtype);
        LinearLayer.Backward(dv, u, b, du, dB, Span<float>.Empty, n, outF, rank, dtype, accumulateInput: false);
        LinearLayer.Backward(du, x, a, dx, dA, Span<float>.Empty, n, rank, inF, dtype, accumulateInput: true);
    }
}
