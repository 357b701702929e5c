using System.Runtime.CompilerServices;

namespace Precision.Orleans.Engine.Kernels;

/// <summary>
/// Per-thread packing and scratch buffers, allocated once per thread and grown on demand, so a GEMM
/// call allocates nothing in steady state. They live on the pinned object heap, so raw pointers into
/// them stay valid.
/// </summary>
internal sealed class GemmScratch
{
    [ThreadStatic] private static GemmScratch? _current;

    public static GemmScratch Current => _current ??= new GemmScratch();

    private float[] _packA = [];
    private float[] _packB = [];
    private float[] _result = [];

    /// <summary>64-byte aligned pointer to at least <paramref name="count"/> floats for the packed A block.</summary>
    public unsafe float* PackA(long count) => Aligned(ref _packA, count);

    /// <summary>64-byte aligned pointer to at least <paramref name="count"/> floats for the packed B block.</summary>
    public unsafe float* PackB(long count) => Aligned(ref _packB, count);

    /// <summary>Scratch for an unrounded product that is rounded and then added into C (accumulate mode).</summary>
    public unsafe float* Result(long count) => Aligned(ref _result, count);

    private static unsafe float* Aligned(ref float[] buffer, long count)
    {
        if (buffer.Length < count + 16)
        {
            if (count + 16 > Array.MaxLength) throw new ArgumentOutOfRangeException(nameof(count), count, "GEMM scratch buffer too large");
            buffer = GC.AllocateUninitializedArray<float>((int)(count + 16), pinned: true);
        }
        nint p = (nint)Unsafe.AsPointer(ref buffer[0]);
        return (float*)((p + 63) & ~(nint)63);
    }
}
