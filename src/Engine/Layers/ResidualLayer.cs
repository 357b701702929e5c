using System.Numerics.Tensors;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Numerics;

namespace Precision.Orleans.Engine.Layers;

/// <summary>Residual add, out = round(a + b). Its backward passes the gradient to both inputs unchanged.</summary>
public static class ResidualLayer
{
    public static void Forward(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> output, DType dtype)
    {
        TensorPrimitives.Add(a, b, output);
        DTypeRounding.RoundInPlace(output[..a.Length], dtype);
    }
}
