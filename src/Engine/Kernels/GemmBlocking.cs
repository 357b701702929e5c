using System.Runtime.Intrinsics;

namespace Precision.Orleans.Engine.Kernels;

/// <summary>
/// Register and cache blocking of the packed GEMM (Goto/BLIS). The micro-kernel computes an
/// <see cref="MR"/>×<see cref="NR"/> tile of C from a packed A micro-panel (MR×kc) and a packed B
/// micro-panel (kc×NR). The A micro-panel (MR·KC·4 = 6 KB) stays in L1 while the loop over B
/// micro-panels streams the packed B block (KC×NC·4 = 512 KB) from L2.
/// </summary>
internal static class GemmBlocking
{
    /// <summary>Rows of the register tile: 6 rows × 2 vectors = 12 accumulators, leaving registers for B and the broadcast.</summary>
    public const int MR = 6;

    /// <summary>Columns of the register tile: two Vector512 (32 floats), or two Vector256 (16) without AVX-512.</summary>
    public static readonly int NR = Vector512.IsHardwareAccelerated ? 32 : 16;

    /// <summary>Depth of one packed block; also the length of each FMA chain between loads/stores of C.</summary>
    public const int KC = 256;

    /// <summary>Rows of A packed at a time (A block MC×KC = 192 KB, re-read once per B micro-panel row sweep).</summary>
    public const int MC = 192;

    /// <summary>Columns of B packed at a time: KC×NC floats = 512 KB, half of a Zen 4 L2.</summary>
    public const int NC = 512;

    /// <summary>Below this many multiply-adds the plain scalar loop wins: no packing, no threads.</summary>
    public const long SmallWork = 16 * 16 * 16;

    /// <summary>
    /// Multiply-adds per thread below which another thread costs more than it saves: 2^20 FMAs is
    /// ≈ 25 µs of one core, several times the cost of waking a pool thread.
    /// </summary>
    public const long WorkPerThread = 1L << 20;
}
