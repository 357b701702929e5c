using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Precision.Orleans.Engine.Rollout;

/// <summary>
/// bf16 bits → FP32, vectorised: a bf16 value is the top half of an FP32, so widening is a zero-extend
/// and a 16-bit shift. Attention widens every cached key and value it reads, so this sits on the hot path.
/// </summary>
internal static class Bf16Widening
{
    public static void Widen(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        if (destination.Length < source.Length) throw new ArgumentException("destination too short", nameof(destination));
        ref ushort src = ref MemoryMarshal.GetReference(source);
        var dst = MemoryMarshal.Cast<float, uint>(destination);
        ref uint d = ref MemoryMarshal.GetReference(dst);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i <= source.Length - Vector256<ushort>.Count; i += Vector256<ushort>.Count)
            {
                var (lower, upper) = Vector256.Widen(Vector256.LoadUnsafe(ref src, (nuint)i));
                Vector256.ShiftLeft(lower, 16).StoreUnsafe(ref d, (nuint)i);
                Vector256.ShiftLeft(upper, 16).StoreUnsafe(ref d, (nuint)(i + Vector256<uint>.Count));
            }
        for (; i < source.Length; i++) dst[i] = (uint)source[i] << 16;
    }
}
