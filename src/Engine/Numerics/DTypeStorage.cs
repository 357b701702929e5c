using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Precision.Orleans.Abstractions;

namespace Precision.Orleans.Engine.Numerics;

/// <summary>
/// Conversions between FP32 and true 16-bit storage (raw bf16 / fp16 bits in <see cref="ushort"/>),
/// used where memory matters: rollout weights, the KV cache, checkpoints.
/// </summary>
public static class DTypeStorage
{
    public static int BytesPerElement(this DType dtype) => dtype == DType.Fp32 ? 4 : 2;

    /// <summary>FP32 → 16-bit bits, rounding to nearest even.</summary>
    public static void Pack(ReadOnlySpan<float> source, Span<ushort> destination, DType dtype)
    {
        if (destination.Length < source.Length) throw new ArgumentException("destination too short", nameof(destination));
        switch (dtype)
        {
            case DType.Fp16:
                TensorPrimitives.ConvertToHalf(source, MemoryMarshal.Cast<ushort, Half>(destination));
                break;
            case DType.Bf16:
                for (int i = 0; i < source.Length; i++)
                    destination[i] = (ushort)(BitConverter.SingleToUInt32Bits(DTypeRounding.RoundBf16(source[i])) >> 16);
                break;
            default:
                throw new ArgumentException($"{dtype.Name()} has no 16-bit storage", nameof(dtype));
        }
    }

    /// <summary>16-bit bits → FP32 (exact).</summary>
    public static void Unpack(ReadOnlySpan<ushort> source, Span<float> destination, DType dtype)
    {
        if (destination.Length < source.Length) throw new ArgumentException("destination too short", nameof(destination));
        switch (dtype)
        {
            case DType.Fp16:
                TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<ushort, Half>(source), destination);
                break;
            case DType.Bf16:
                for (int i = 0; i < source.Length; i++)
                    destination[i] = BitConverter.UInt32BitsToSingle((uint)source[i] << 16);
                break;
            default:
                throw new ArgumentException($"{dtype.Name()} has no 16-bit storage", nameof(dtype));
        }
    }
}
