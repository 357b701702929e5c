using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Numerics;

namespace Precision.Orleans.Engine.Rollout;

/// <summary>
/// A 1-D weight (norm scale, bias) stored in the dtype. <see cref="Values"/> is its exact FP32 view,
/// the value a fused kernel loads into FP32 registers; it is refreshed from the stored bits on every load.
/// </summary>
internal sealed class StoredVector
{
    private readonly ushort[]? _bits;

    public float[] Values { get; }
    public DType DType { get; }

    public StoredVector(DType dtype, int length)
    {
        DType = dtype;
        Values = new float[length];
        if (dtype != DType.Fp32) _bits = new ushort[length];
    }

    /// <summary>Writes FP32 values starting at <paramref name="offset"/>, rounding to the dtype.</summary>
    public void Set(int offset, ReadOnlySpan<float> values)
    {
        if (offset + values.Length > Values.Length) throw new ArgumentException($"{values.Length} values do not fit at {offset} in a vector of {Values.Length}");
        if (_bits is null)
        {
            values.CopyTo(Values.AsSpan(offset));
            return;
        }
        var bits = _bits.AsSpan(offset, values.Length);
        DTypeStorage.Pack(values, bits, DType);
        DTypeStorage.Unpack(bits, Values.AsSpan(offset, values.Length), DType);
    }
}
