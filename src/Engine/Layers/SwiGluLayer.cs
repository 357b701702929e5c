using System.Numerics.Tensors;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Numerics;

namespace Precision.Orleans.Engine.Layers;

/// <summary>
/// The MLP's gate: a = round(silu(g)) (silu in FP32), h = round(a·u). Unfused, as in HF eager.
/// The element count is <c>gate.Length</c>; the other buffers may be longer.
/// </summary>
public static class SwiGluLayer
{
    public static void Forward(ReadOnlySpan<float> gate, ReadOnlySpan<float> up, Span<float> activated, Span<float> output, DType dtype)
    {
        int n = gate.Length;
        // silu(g) = g / (1 + exp(−g)), as PyTorch's CPU kernel writes it, vectorised through the output buffer
        var a = activated[..n];
        TensorPrimitives.Negate(gate, a);
        TensorPrimitives.Exp(a, a);
        TensorPrimitives.Add(a, 1f, a);
        TensorPrimitives.Divide(gate, a, a);
        DTypeRounding.RoundInPlace(a, dtype);
        TensorPrimitives.Multiply(activated[..n], up[..n], output);
        DTypeRounding.RoundInPlace(output[..n], dtype);
    }

    /// <summary>da = round(dh·u), du = round(dh·a), dg = round(da·σ(g)(1 + g(1 − σ(g)))).</summary>
    public static void Backward(ReadOnlySpan<float> dOutput, ReadOnlySpan<float> gate, ReadOnlySpan<float> up,
        ReadOnlySpan<float> activated, Span<float> dGate, Span<float> dUp, DType dtype)
    {
        int n = gate.Length;
        // dGate first holds da, then the silu backward overwrites it in place.
        TensorPrimitives.Multiply(dOutput[..n], up[..n], dGate);
        DTypeRounding.RoundInPlace(dGate[..n], dtype);
        TensorPrimitives.Multiply(dOutput[..n], activated[..n], dUp);
        DTypeRounding.RoundInPlace(dUp[..n], dtype);
        // σ'·(1 + g(1 − σ)) needs σ(g) per element; computed in blocks to stay vectorised without an n-sized buffer.
        Span<float> sig = stackalloc float[256];
        for (int i = 0; i < n; i += sig.Length)
        {
            int len = Math.Min(sig.Length, n - i);
            var sg = sig[..len];
            var g = gate.Slice(i, len);
            var dg = dGate.Slice(i, len);
            TensorPrimitives.Sigmoid(g, sg);
            for (int j = 0; j < len; j++)
                dg[j] *= sg[j] * (1f + g[j] * (1f - sg[j]));
        }
        DTypeRounding.RoundInPlace(dGate[..n], dtype);
    }
}
