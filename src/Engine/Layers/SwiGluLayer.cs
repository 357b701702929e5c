using System.Numerics.Tensors;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Kernels;
using Precision.Orleans.Engine.Numerics;

namespace Precision.Orleans.Engine.Layers;

/// <summary>
/// The MLP's gate: a = round(silu(g)) (silu in FP32), h = round(a·u). Unfused numerically, as in HF eager: each
/// op's output is rounded. The element count is <c>gate.Length</c>; the other buffers may be longer.
/// Work runs in L1-sized blocks so the several elementwise passes do not each stream the whole tensor from memory;
/// blocks run in parallel.
/// </summary>
public static unsafe class SwiGluLayer
{
    private const int Block = 1024;

    public static void Forward(ReadOnlySpan<float> gate, ReadOnlySpan<float> up, Span<float> activated, Span<float> output, DType dtype)
    {
        int n = gate.Length;
        if (up.Length < n || activated.Length < n || output.Length < n) throw new ArgumentException($"SwiGLU buffers shorter than the gate's {n} elements");
        fixed (float* pg = gate, pu = up, pa = activated, ph = output)
        {
            nint ag = (nint)pg, au = (nint)pu, aa = (nint)pa, ah = (nint)ph;
            ParallelRanges.For((n + Block - 1) / Block, 8 * Block, (lo, hi) =>
            {
                for (long i = (long)lo * Block; i < Math.Min(n, (long)hi * Block); i += Block)
                {
                    int len = (int)Math.Min(Block, n - i);
                    var g = new ReadOnlySpan<float>((float*)ag + i, len);
                    var a = new Span<float>((float*)aa + i, len);
                    var h = new Span<float>((float*)ah + i, len);
                    // silu(g) = g / (1 + exp(−g)), as PyTorch's CPU kernel writes it
                    TensorPrimitives.Negate(g, a);
                    TensorPrimitives.Exp(a, a);
                    TensorPrimitives.Add(a, 1f, a);
                    TensorPrimitives.Divide(g, a, a);
                    DTypeRounding.RoundInPlace(a, dtype);
                    TensorPrimitives.Multiply(a, new ReadOnlySpan<float>((float*)au + i, len), h);
                    DTypeRounding.RoundInPlace(h, dtype);
                }
            });
        }
    }

    /// <summary>da = round(dh·u), du = round(dh·a), dg = round(da·σ(g)(1 + g(1 − σ(g)))), σ and the product in FP32.</summary>
    public static void Backward(ReadOnlySpan<float> dOutput, ReadOnlySpan<float> gate, ReadOnlySpan<float> up,
        ReadOnlySpan<float> activated, Span<float> dGate, Span<float> dUp, DType dtype)
    {
        int n = gate.Length;
        if (dOutput.Length < n || up.Length < n || activated.Length < n || dGate.Length < n || dUp.Length < n)
            throw new ArgumentException($"SwiGLU buffers shorter than the gate's {n} elements");
        fixed (float* pdh = dOutput, pg = gate, pu = up, pa = activated, pdg = dGate, pdu = dUp)
        {
            nint adh = (nint)pdh, ag = (nint)pg, au = (nint)pu, aa = (nint)pa, adg = (nint)pdg, adu = (nint)pdu;
            ParallelRanges.For((n + Block - 1) / Block, 12 * Block, (lo, hi) =>
            {
                Span<float> sig = stackalloc float[Block];
                Span<float> tmp = stackalloc float[Block];
                for (long i = (long)lo * Block; i < Math.Min(n, (long)hi * Block); i += Block)
                {
                    int len = (int)Math.Min(Block, n - i);
                    var dh = new ReadOnlySpan<float>((float*)adh + i, len);
                    var g = new ReadOnlySpan<float>((float*)ag + i, len);
                    var dg = new Span<float>((float*)adg + i, len);
                    var du = new Span<float>((float*)adu + i, len);
                    var sg = sig[..len];
                    var t = tmp[..len];
                    // dg first holds da, then the silu backward scales it in place
                    TensorPrimitives.Multiply(dh, new ReadOnlySpan<float>((float*)au + i, len), dg);
                    DTypeRounding.RoundInPlace(dg, dtype);
                    TensorPrimitives.Multiply(dh, new ReadOnlySpan<float>((float*)aa + i, len), du);
                    DTypeRounding.RoundInPlace(du, dtype);
                    // σ'(g)-factor = σ·(1 + g·(1 − σ))
                    TensorPrimitives.Sigmoid(g, sg);
                    TensorPrimitives.Subtract(1f, sg, t);
                    TensorPrimitives.MultiplyAdd(g, t, 1f, t);
                    TensorPrimitives.Multiply(sg, t, t);
                    TensorPrimitives.Multiply(dg, t, dg);
                    DTypeRounding.RoundInPlace(dg, dtype);
                }
            });
        }
    }
}
