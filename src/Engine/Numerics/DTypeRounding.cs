using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Precision.Orleans.Abstractions;

namespace Precision.Orleans.Engine.Numerics;

/// <summary>
/// Rounds FP32 values to what a 16-bit dtype can represent (round-to-nearest-even), keeping them in
/// FP32 storage. A bf16 or fp16 value is exact in FP32, so "a float array whose every element has been
/// rounded" is bit-for-bit the same numbers a GPU kernel would hold in 16-bit registers.
/// </summary>
public static class DTypeRounding
{
    /// <summary>Rounds one value to bf16 (RNE). NaN stays NaN; values past bf16's max become ±inf.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float RoundBf16(float x)
    {
        uint bits = BitConverter.SingleToUInt32Bits(x);
        if ((bits & 0x7FFF_FFFFu) > 0x7F80_0000u)
            return BitConverter.UInt32BitsToSingle(bits | 0x0040_0000u); // quiet NaN, keep it NaN
        bits += 0x7FFFu + ((bits >> 16) & 1u);
        return BitConverter.UInt32BitsToSingle(bits & 0xFFFF_0000u);
    }

    /// <summary>Rounds one value to IEEE half (RNE, subnormals kept, overflow to ±inf).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float RoundFp16(float x) => (float)(Half)x;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Round(float x, DType dtype) => dtype switch
    {
        DType.Bf16 => RoundBf16(x),
        DType.Fp16 => RoundFp16(x),
        _ => x,
    };

    /// <summary>Rounds every element of <paramref name="values"/> to <paramref name="dtype"/> in place.</summary>
    public static void RoundInPlace(Span<float> values, DType dtype)
    {
        switch (dtype)
        {
            case DType.Fp32:
                return;
            case DType.Bf16:
                RoundBf16InPlace(values);
                return;
            case DType.Fp16:
                RoundFp16InPlace(values);
                return;
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype");
        }
    }

    /// <summary>Copies <paramref name="source"/> into <paramref name="destination"/>, rounded to <paramref name="dtype"/>.</summary>
    public static void RoundCopy(ReadOnlySpan<float> source, Span<float> destination, DType dtype)
    {
        if (destination.Length < source.Length) throw new ArgumentException("destination too short", nameof(destination));
        source.CopyTo(destination);
        RoundInPlace(destination[..source.Length], dtype);
    }

    private static void RoundBf16InPlace(Span<float> values)
    {
        var u = System.Runtime.InteropServices.MemoryMarshal.Cast<float, uint>(values);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var lsbMask = Vector512.Create(1u);
            var bias = Vector512.Create(0x7FFFu);
            var keep = Vector512.Create(0xFFFF_0000u);
            var absMask = Vector512.Create(0x7FFF_FFFFu);
            var inf = Vector512.Create(0x7F80_0000u);
            var quiet = Vector512.Create(0x0040_0000u);
            for (; i <= u.Length - 16; i += 16)
            {
                var v = Vector512.LoadUnsafe(ref u[i]);
                var isNaN = Vector512.GreaterThan(v & absMask, inf);
                var r = (v + bias + (Vector512.ShiftRightLogical(v, 16) & lsbMask)) & keep;
                Vector512.ConditionalSelect(isNaN, v | quiet, r).StoreUnsafe(ref u[i]);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var lsbMask = Vector256.Create(1u);
            var bias = Vector256.Create(0x7FFFu);
            var keep = Vector256.Create(0xFFFF_0000u);
            var absMask = Vector256.Create(0x7FFF_FFFFu);
            var inf = Vector256.Create(0x7F80_0000u);
            var quiet = Vector256.Create(0x0040_0000u);
            for (; i <= u.Length - 8; i += 8)
            {
                var v = Vector256.LoadUnsafe(ref u[i]);
                var isNaN = Vector256.GreaterThan(v & absMask, inf);
                var r = (v + bias + (Vector256.ShiftRightLogical(v, 16) & lsbMask)) & keep;
                Vector256.ConditionalSelect(isNaN, v | quiet, r).StoreUnsafe(ref u[i]);
            }
        }
        for (; i < u.Length; i++)
            u[i] = BitConverter.SingleToUInt32Bits(RoundBf16(BitConverter.UInt32BitsToSingle(u[i])));
    }

    private static void RoundFp16InPlace(Span<float> values)
    {
        var u = System.Runtime.InteropServices.MemoryMarshal.Cast<float, uint>(values);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= u.Length - 16; i += 16)
                RoundFp16Bits(Vector512.LoadUnsafe(ref u[i])).StoreUnsafe(ref u[i]);
        else if (Vector256.IsHardwareAccelerated)
            for (; i <= u.Length - 8; i += 8)
                RoundFp16Bits(Vector256.LoadUnsafe(ref u[i])).StoreUnsafe(ref u[i]);
        for (; i < u.Length; i++)
            u[i] = BitConverter.SingleToUInt32Bits(RoundFp16(BitConverter.UInt32BitsToSingle(u[i])));
    }

    /// <summary>
    /// FP32 bits rounded to the nearest-even IEEE half, as FP32 bits; bit-identical to <c>(float)(Half)x</c> on every
    /// input (integer arithmetic instead of two conversions). Normal range: round the mantissa to 10 bits on the FP32
    /// bits (a carry into the exponent is the right answer); ≥ 65520 rounds to ≥ 2^16, which is inf. Below 2^-14
    /// (half subnormals, quantum 2^-24): (|x| + 0.5) − 0.5 in FP32 rounds to a multiple of 2^-24, since that is the
    /// FP32 spacing in [0.5, 1). NaN: quiet, top 10 payload bits kept, as the Half conversion does.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> RoundFp16Bits(Vector512<uint> v)
    {
        var abs = v & Vector512.Create(0x7FFF_FFFFu);
        var normal = (abs + Vector512.Create(0x0FFFu) + (Vector512.ShiftRightLogical(abs, 13) & Vector512.Create(1u))) & Vector512.Create(0xFFFF_E000u);
        normal = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(normal, Vector512.Create(0x4780_0000u)), Vector512.Create(0x7F80_0000u), normal);
        var half = Vector512.Create(0.5f);
        var subnormal = ((abs.AsSingle() + half) - half).AsUInt32();
        var r = Vector512.ConditionalSelect(Vector512.LessThan(abs, Vector512.Create(0x3880_0000u)), subnormal, normal);
        var nan = (abs | Vector512.Create(0x0040_0000u)) & Vector512.Create(0xFFFF_E000u);
        r = Vector512.ConditionalSelect(Vector512.GreaterThan(abs, Vector512.Create(0x7F80_0000u)), nan, r);
        return r | (v & Vector512.Create(0x8000_0000u));
    }

    /// <summary>The <see cref="Vector512"/> algorithm on 8 lanes, for machines without AVX-512.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> RoundFp16Bits(Vector256<uint> v)
    {
        var abs = v & Vector256.Create(0x7FFF_FFFFu);
        var normal = (abs + Vector256.Create(0x0FFFu) + (Vector256.ShiftRightLogical(abs, 13) & Vector256.Create(1u))) & Vector256.Create(0xFFFF_E000u);
        normal = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(normal, Vector256.Create(0x4780_0000u)), Vector256.Create(0x7F80_0000u), normal);
        var half = Vector256.Create(0.5f);
        var subnormal = ((abs.AsSingle() + half) - half).AsUInt32();
        var r = Vector256.ConditionalSelect(Vector256.LessThan(abs, Vector256.Create(0x3880_0000u)), subnormal, normal);
        var nan = (abs | Vector256.Create(0x0040_0000u)) & Vector256.Create(0xFFFF_E000u);
        r = Vector256.ConditionalSelect(Vector256.GreaterThan(abs, Vector256.Create(0x7F80_0000u)), nan, r);
        return r | (v & Vector256.Create(0x8000_0000u));
    }
}
