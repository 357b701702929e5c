using System.Numerics.Tensors;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Numerics;

namespace Precision.Orleans.Engine.Layers;

/// <summary>
/// The MLP's gate: a = round(silu(g)) (silu in FP32), h = round(a·u). Unfused numerically, as in HF eager: each
/// op's output is rounded. The element count is <c>gate.Length</c>; the other buffers may be longer.
/// Work runs in L1-sized blocks so the several elementwise passes do not each stream the whole tensor from memory.
/// </summary>
public static class SwiGluLayer
{
    private const int Block = 1024;

    public static void Forward(ReadOnlySpan<float> gate, ReadOnlySpan<float> up, Span<float> activated, Span<float> output, DType dtype)
    {
        int n = gate.Length;
        for (int i = 0; i < n; i += Block)
        {
            int len = Math.Min(Block, n - i);
            var g = gate.Slice(i, len);
            var a = activated.Slice(i, len);
            var h = output.Slice(i, len);
            // silu(g) = g / (1 + exp(−g)), as PyTorch's CPU kernel writes it
            TensorPrimitives.Negate(g, a);
            TensorPrimitives.Exp(a, a);
            TensorPrimitives.Add(a, 1f, a);
            TensorPrimitives.Divide(g, a, a);
            DTypeRounding.RoundInPlace(a, dtype);
            TensorPrimitives.Multiply(a, up.Slice(i, len), h);
            DTypeRounding.RoundInPlace(h, dtype);
        }
    }

    /// <summary>da = round(dh·u), du = round(dh·a), dg = round(da·σ(g)(1 + g(1 − σ(g)))), σ and the product in FP32.</summary>
    public static void Backward(ReadOnlySpan<float> dOutput, ReadOnlySpan<float> gate, ReadOnlySpan<float> up,
        ReadOnlySpan<float> activated, Span<float> dGate, Span<float> dUp, DType dtype)
    {
        int n = gate.Length;
        Span<float> sig = stackalloc float[Block];
        Span<float> tmp = stackalloc float[Block];
        for (int i = 0; i < n; i += Block)
        {
            int len = Math.Min(Block, n - i);
            var dh = dOutput.Slice(i, len);
            var g = gate.Slice(i, len);
            var dg = dGate.Slice(i, len);
            var du = dUp.Slice(i, len);
            var sg = sig[..len];
            var t = tmp[..len];
            // dg first holds da, then the silu backward scales it in place
            TensorPrimitives.Multiply(dh, up.Slice(i, len), dg);
            DTypeRounding.RoundInPlace(dg, dtype);
            TensorPrimitives.Multiply(dh, activated.Slice(i, len), du);
            DTypeRounding.RoundInPlace(du, dtype);
            // σ'(g)-factor = σ·(1 + g·(1 − σ))
            TensorPrimitives.Sigmoid(g, sg);
            TensorPrimitives.Subtract(1f, sg, t);
            TensorPrimitives.MultiplyAdd(g, t, 1f, t);
            TensorPrimitives.Multiply(sg, t, t);
            TensorPrimitives.Multiply(dg, t, dg);
            DTypeRounding.RoundInPlace(dg, dtype);
        }
    }
}
