using System.Numerics.Tensors;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Numerics;

namespace Precision.Orleans.Engine.Layers;

/// <summary>The MLP's gate: a = round(silu(g)) (silu in FP32), h = round(a·u). Unfused, as in HF eager.</summary>
public static class SwiGluLayer
{
    public static void Forward(ReadOnlySpan<float> gate, ReadOnlySpan<float> up, Span<float> activated, Span<float> output, DType dtype)
    {
        int n = gate.Length;
        for (int i = 0; i < n; i++)
        {
            float g = gate[i];
            activated[i] = g / (1f + MathF.Exp(-g));
        }
        DTypeRounding.RoundInPlace(activated[..n], dtype);
        TensorPrimitives.Multiply(activated[..n], up, output);
        DTypeRounding.RoundInPlace(output[..n], dtype);
    }

    /// <summary>da = round(dh·u), du = round(dh·a), dg = round(da·σ(g)(1 + g(1 − σ(g)))).</summary>
    public static void Backward(ReadOnlySpan<float> dOutput, ReadOnlySpan<float> gate, ReadOnlySpan<float> up,
        ReadOnlySpan<float> activated, Span<float> dGate, Span<float> dUp, DType dtype)
    {
        int n = gate.Length;
        // dGate first holds da, then the silu backward overwrites it in place.
        TensorPrimitives.Multiply(dOutput, up, dGate);
        DTypeRounding.RoundInPlace(dGate[..n], dtype);
        TensorPrimitives.Multiply(dOutput, activated, dUp);
        DTypeRounding.RoundInPlace(dUp[..n], dtype);
        for (int i = 0; i < n; i++)
        {
            float g = gate[i];
            float sg = 1f / (1f + MathF.Exp(-g));
            dGate[i] = dGate[i] * (sg * (1f + g * (1f - sg)));
        }
        DTypeRounding.RoundInPlace(dGate[..n], dtype);
    }
}
