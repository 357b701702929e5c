using System.Numerics.Tensors;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Kernels;
using Precision.Orleans.Engine.Numerics;

namespace Precision.Orleans.Engine.Layers;

/// <summary>Residual add, out = round(a + b), in parallel chunks. Its backward passes the gradient to both inputs unchanged.</summary>
public static unsafe class ResidualLayer
{
    private const int Chunk = 1 << 14;

    public static void Forward(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> output, DType dtype)
    {
        int n = a.Length;
        if (b.Length < n || output.Length < n) throw new ArgumentException($"residual buffers shorter than the input's {n} elements");
        fixed (float* pa = a, pb = b, po = output)
        {
            nint aa = (nint)pa, ab = (nint)pb, ao = (nint)po;
            ParallelRanges.For((n + Chunk - 1) / Chunk, 3 * Chunk, (lo, hi) =>
            {
                long start = (long)lo * Chunk;
                int len = (int)(Math.Min(n, (long)hi * Chunk) - start);
                var o = new Span<float>((float*)ao + start, len);
                TensorPrimitives.Add(new ReadOnlySpan<float>((float*)aa + start, len), new ReadOnlySpan<float>((float*)ab + start, len), o);
                DTypeRounding.RoundInPlace(o, dtype);
            });
        }
    }
}
