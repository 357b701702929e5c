using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Precision.Orleans.Engine.Kernels;

/// <summary>
/// The register-blocked micro-kernels of the packed GEMM (generated shape, written out by hand so the
/// JIT keeps all 12 accumulators in registers). Accumulation order, which the rest of the project
/// relies on: every output C[i,j] is ONE sequential FP32 fused-multiply-add chain over k in ascending
/// order; when K is split into KC blocks the chain continues through C (the next block starts from the
/// stored partial sum), so the result does not depend on blocking, tiling or thread count.
/// </summary>
internal static unsafe class GemmMicroKernel
{
    /// <summary>6×32 tile with Vector512: C[6,32] (= or +=) Σ_p a[p,0..6]·b[p,0..32], one FMA chain per output, p ascending.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Kernel512(int kc, float* a, float* b, float* c, int ldc, bool loadC)
    {
        float* c0p = c;
        float* c1p = c + (long)1 * ldc;
        float* c2p = c + (long)2 * ldc;
        float* c3p = c + (long)3 * ldc;
        float* c4p = c + (long)4 * ldc;
        float* c5p = c + (long)5 * ldc;
        Vector512<float> c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        if (loadC)
        {
            c00 = Vector512.Load(c0p); c01 = Vector512.Load(c0p + 16);
            c10 = Vector512.Load(c1p); c11 = Vector512.Load(c1p + 16);
            c20 = Vector512.Load(c2p); c21 = Vector512.Load(c2p + 16);
            c30 = Vector512.Load(c3p); c31 = Vector512.Load(c3p + 16);
            c40 = Vector512.Load(c4p); c41 = Vector512.Load(c4p + 16);
            c50 = Vector512.Load(c5p); c51 = Vector512.Load(c5p + 16);
        }
        else
        {
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = Vector512<float>.Zero;
        }
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.LoadAligned(b);
            var b1 = Vector512.LoadAligned(b + 16);
            var a0 = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(a4, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(a5, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(a5, b1, c51);
            a += 6;
            b += 32;
        }
        Vector512.Store(c00, c0p); Vector512.Store(c01, c0p + 16);
        Vector512.Store(c10, c1p); Vector512.Store(c11, c1p + 16);
        Vector512.Store(c20, c2p); Vector512.Store(c21, c2p + 16);
        Vector512.Store(c30, c3p); Vector512.Store(c31, c3p + 16);
        Vector512.Store(c40, c4p); Vector512.Store(c41, c4p + 16);
        Vector512.Store(c50, c5p); Vector512.Store(c51, c5p + 16);
    }

    /// <summary>6×16 tile with Vector256: C[6,16] (= or +=) Σ_p a[p,0..6]·b[p,0..16], one FMA chain per output, p ascending.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Kernel256(int kc, float* a, float* b, float* c, int ldc, bool loadC)
    {
        float* c0p = c;
        float* c1p = c + (long)1 * ldc;
        float* c2p = c + (long)2 * ldc;
        float* c3p = c + (long)3 * ldc;
        float* c4p = c + (long)4 * ldc;
        float* c5p = c + (long)5 * ldc;
        Vector256<float> c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        if (loadC)
        {
            c00 = Vector256.Load(c0p); c01 = Vector256.Load(c0p + 8);
            c10 = Vector256.Load(c1p); c11 = Vector256.Load(c1p + 8);
            c20 = Vector256.Load(c2p); c21 = Vector256.Load(c2p + 8);
            c30 = Vector256.Load(c3p); c31 = Vector256.Load(c3p + 8);
            c40 = Vector256.Load(c4p); c41 = Vector256.Load(c4p + 8);
            c50 = Vector256.Load(c5p); c51 = Vector256.Load(c5p + 8);
        }
        else
        {
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = Vector256<float>.Zero;
        }
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.LoadAligned(b);
            var b1 = Vector256.LoadAligned(b + 8);
            var a0 = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector256.Create(a[1]);
            c10 = Vector256.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector256.Create(a[2]);
            c20 = Vector256.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector256.Create(a[3]);
            c30 = Vector256.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector256.Create(a[4]);
            c40 = Vector256.FusedMultiplyAdd(a4, b0, c40);
            c41 = Vector256.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector256.Create(a[5]);
            c50 = Vector256.FusedMultiplyAdd(a5, b0, c50);
            c51 = Vector256.FusedMultiplyAdd(a5, b1, c51);
            a += 6;
            b += 16;
        }
        Vector256.Store(c00, c0p); Vector256.Store(c01, c0p + 8);
        Vector256.Store(c10, c1p); Vector256.Store(c11, c1p + 8);
        Vector256.Store(c20, c2p); Vector256.Store(c21, c2p + 8);
        Vector256.Store(c30, c3p); Vector256.Store(c31, c3p + 8);
        Vector256.Store(c40, c4p); Vector256.Store(c41, c4p + 8);
        Vector256.Store(c50, c5p); Vector256.Store(c51, c5p + 8);
    }
}
