using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Precision.Orleans.Engine.Kernels;

/// <summary>
/// Register-blocked split-K dot-product kernels used by <see cref="GemmSplitK"/>. See there for the
/// accumulation order.
/// </summary>
internal static unsafe partial class GemmSplitKKernel
{
    /// <summary>4 rows of x × 4 weight rows with Vector512: 16 lane-partial sums per output, then the fixed tree.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Block512(float** xr, float** wr, int k, float* tailX, float* tailW, float* result)
    {
        Vector512<float> s00, s01, s02, s03, s10, s11, s12, s13, s20, s21, s22, s23, s30, s31, s32, s33;
        s00 = s01 = s02 = s03 = s10 = s11 = s12 = s13 = s20 = s21 = s22 = s23 = s30 = s31 = s32 = s33 = Vector512<float>.Zero;
        float* x0 = xr[0];
        float* x1 = xr[1];
        float* x2 = xr[2];
        float* x3 = xr[3];
        float* w0 = wr[0];
        float* w1 = wr[1];
        float* w2 = wr[2];
        float* w3 = wr[3];
        int full = k - k % 16;
        for (int p = 0; p < full; p += 16)
        {
            var a0 = Vector512.Load(x0 + p);
            var a1 = Vector512.Load(x1 + p);
            var a2 = Vector512.Load(x2 + p);
            var a3 = Vector512.Load(x3 + p);
            var b0 = Vector512.Load(w0 + p);
            s00 = Vector512.FusedMultiplyAdd(a0, b0, s00);
            s10 = Vector512.FusedMultiplyAdd(a1, b0, s10);
            s20 = Vector512.FusedMultiplyAdd(a2, b0, s20);
            s30 = Vector512.FusedMultiplyAdd(a3, b0, s30);
            var b1 = Vector512.Load(w1 + p);
            s01 = Vector512.FusedMultiplyAdd(a0, b1, s01);
            s11 = Vector512.FusedMultiplyAdd(a1, b1, s11);
            s21 = Vector512.FusedMultiplyAdd(a2, b1, s21);
            s31 = Vector512.FusedMultiplyAdd(a3, b1, s31);
            var b2 = Vector512.Load(w2 + p);
            s02 = Vector512.FusedMultiplyAdd(a0, b2, s02);
            s12 = Vector512.FusedMultiplyAdd(a1, b2, s12);
            s22 = Vector512.FusedMultiplyAdd(a2, b2, s22);
            s32 = Vector512.FusedMultiplyAdd(a3, b2, s32);
            var b3 = Vector512.Load(w3 + p);
            s03 = Vector512.FusedMultiplyAdd(a0, b3, s03);
            s13 = Vector512.FusedMultiplyAdd(a1, b3, s13);
            s23 = Vector512.FusedMultiplyAdd(a2, b3, s23);
            s33 = Vector512.FusedMultiplyAdd(a3, b3, s33);
        }
        if (full < k)
        {
            // Zero-padded tail chunk: the padding adds exact zeros to the lanes past k.
            var a0 = Vector512.Load(tailX + 0);
            var a1 = Vector512.Load(tailX + 16);
            var a2 = Vector512.Load(tailX + 32);
            var a3 = Vector512.Load(tailX + 48);
            var b0 = Vector512.Load(tailW + 0);
            s00 = Vector512.FusedMultiplyAdd(a0, b0, s00);
            s10 = Vector512.FusedMultiplyAdd(a1, b0, s10);
            s20 = Vector512.FusedMultiplyAdd(a2, b0, s20);
            s30 = Vector512.FusedMultiplyAdd(a3, b0, s30);
            var b1 = Vector512.Load(tailW + 16);
            s01 = Vector512.FusedMultiplyAdd(a0, b1, s01);
            s11 = Vector512.FusedMultiplyAdd(a1, b1, s11);
            s21 = Vector512.FusedMultiplyAdd(a2, b1, s21);
            s31 = Vector512.FusedMultiplyAdd(a3, b1, s31);
            var b2 = Vector512.Load(tailW + 32);
            s02 = Vector512.FusedMultiplyAdd(a0, b2, s02);
            s12 = Vector512.FusedMultiplyAdd(a1, b2, s12);
            s22 = Vector512.FusedMultiplyAdd(a2, b2, s22);
            s32 = Vector512.FusedMultiplyAdd(a3, b2, s32);
            var b3 = Vector512.Load(tailW + 48);
            s03 = Vector512.FusedMultiplyAdd(a0, b3, s03);
            s13 = Vector512.FusedMultiplyAdd(a1, b3, s13);
            s23 = Vector512.FusedMultiplyAdd(a2, b3, s23);
            s33 = Vector512.FusedMultiplyAdd(a3, b3, s33);
        }
        result[0] = Reduce(s00);
        result[1] = Reduce(s01);
        result[2] = Reduce(s02);
        result[3] = Reduce(s03);
        result[4] = Reduce(s10);
        result[5] = Reduce(s11);
        result[6] = Reduce(s12);
        result[7] = Reduce(s13);
        result[8] = Reduce(s20);
        result[9] = Reduce(s21);
        result[10] = Reduce(s22);
        result[11] = Reduce(s23);
        result[12] = Reduce(s30);
        result[13] = Reduce(s31);
        result[14] = Reduce(s32);
        result[15] = Reduce(s33);
    }

    /// <summary>4 rows of x × 4 weight rows with Vector256: 8 lane-partial sums per output, then the fixed tree.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Block256(float** xr, float** wr, int k, float* tailX, float* tailW, float* result)
    {
        Vector256<float> s00, s01, s02, s03, s10, s11, s12, s13, s20, s21, s22, s23, s30, s31, s32, s33;
        s00 = s01 = s02 = s03 = s10 = s11 = s12 = s13 = s20 = s21 = s22 = s23 = s30 = s31 = s32 = s33 = Vector256<float>.Zero;
        float* x0 = xr[0];
        float* x1 = xr[1];
        float* x2 = xr[2];
        float* x3 = xr[3];
        float* w0 = wr[0];
        float* w1 = wr[1];
        float* w2 = wr[2];
        float* w3 = wr[3];
        int full = k - k % 8;
        for (int p = 0; p < full; p += 8)
        {
            var a0 = Vector256.Load(x0 + p);
            var a1 = Vector256.Load(x1 + p);
            var a2 = Vector256.Load(x2 + p);
            var a3 = Vector256.Load(x3 + p);
            var b0 = Vector256.Load(w0 + p);
            s00 = Vector256.FusedMultiplyAdd(a0, b0, s00);
            s10 = Vector256.FusedMultiplyAdd(a1, b0, s10);
            s20 = Vector256.FusedMultiplyAdd(a2, b0, s20);
            s30 = Vector256.FusedMultiplyAdd(a3, b0, s30);
            var b1 = Vector256.Load(w1 + p);
            s01 = Vector256.FusedMultiplyAdd(a0, b1, s01);
            s11 = Vector256.FusedMultiplyAdd(a1, b1, s11);
            s21 = Vector256.FusedMultiplyAdd(a2, b1, s21);
            s31 = Vector256.FusedMultiplyAdd(a3, b1, s31);
            var b2 = Vector256.Load(w2 + p);
            s02 = Vector256.FusedMultiplyAdd(a0, b2, s02);
            s12 = Vector256.FusedMultiplyAdd(a1, b2, s12);
            s22 = Vector256.FusedMultiplyAdd(a2, b2, s22);
            s32 = Vector256.FusedMultiplyAdd(a3, b2, s32);
            var b3 = Vector256.Load(w3 + p);
            s03 = Vector256.FusedMultiplyAdd(a0, b3, s03);
            s13 = Vector256.FusedMultiplyAdd(a1, b3, s13);
            s23 = Vector256.FusedMultiplyAdd(a2, b3, s23);
            s33 = Vector256.FusedMultiplyAdd(a3, b3, s33);
        }
        if (full < k)
        {
            // Zero-padded tail chunk: the padding adds exact zeros to the lanes past k.
            var a0 = Vector256.Load(tailX + 0);
            var a1 = Vector256.Load(tailX + 8);
            var a2 = Vector256.Load(tailX + 16);
            var a3 = Vector256.Load(tailX + 24);
            var b0 = Vector256.Load(tailW + 0);
            s00 = Vector256.FusedMultiplyAdd(a0, b0, s00);
            s10 = Vector256.FusedMultiplyAdd(a1, b0, s10);
            s20 = Vector256.FusedMultiplyAdd(a2, b0, s20);
            s30 = Vector256.FusedMultiplyAdd(a3, b0, s30);
            var b1 = Vector256.Load(tailW + 8);
            s01 = Vector256.FusedMultiplyAdd(a0, b1, s01);
            s11 = Vector256.FusedMultiplyAdd(a1, b1, s11);
            s21 = Vector256.FusedMultiplyAdd(a2, b1, s21);
            s31 = Vector256.FusedMultiplyAdd(a3, b1, s31);
            var b2 = Vector256.Load(tailW + 16);
            s02 = Vector256.FusedMultiplyAdd(a0, b2, s02);
            s12 = Vector256.FusedMultiplyAdd(a1, b2, s12);
            s22 = Vector256.FusedMultiplyAdd(a2, b2, s22);
            s32 = Vector256.FusedMultiplyAdd(a3, b2, s32);
            var b3 = Vector256.Load(tailW + 24);
            s03 = Vector256.FusedMultiplyAdd(a0, b3, s03);
            s13 = Vector256.FusedMultiplyAdd(a1, b3, s13);
            s23 = Vector256.FusedMultiplyAdd(a2, b3, s23);
            s33 = Vector256.FusedMultiplyAdd(a3, b3, s33);
        }
        result[0] = Reduce(s00);
        result[1] = Reduce(s01);
        result[2] = Reduce(s02);
        result[3] = Reduce(s03);
        result[4] = Reduce(s10);
        result[5] = Reduce(s11);
        result[6] = Reduce(s12);
        result[7] = Reduce(s13);
        result[8] = Reduce(s20);
        result[9] = Reduce(s21);
        result[10] = Reduce(s22);
        result[11] = Reduce(s23);
        result[12] = Reduce(s30);
        result[13] = Reduce(s31);
        result[14] = Reduce(s32);
        result[15] = Reduce(s33);
    }

    /// <summary>Fixed pairwise tree over the lanes: halves are added until one value remains.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Reduce(Vector512<float> v) => Reduce(v.GetLower() + v.GetUpper());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Reduce(Vector256<float> v)
    {
        var q = v.GetLower() + v.GetUpper();
        float e0 = q.GetElement(0) + q.GetElement(2), e1 = q.GetElement(1) + q.GetElement(3);
        return e0 + e1;
    }
}
