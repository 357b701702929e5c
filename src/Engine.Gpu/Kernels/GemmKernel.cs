using ILGPU;

namespace Precision.Orleans.Engine.Gpu.Kernels;

/// <summary>Shape of one (optionally batched, strided) GEMM: C = op(A)·op(B), row-major.</summary>
public struct GemmShape
{
    public int M, N, K, Lda, Ldb, Ldc, TransA, TransB, DType, Accumulate;
    public long StrideA, StrideB, StrideC;
}

/// <summary>
/// The reference device GEMM: one thread per output, ONE fused-multiply-add chain over k ascending starting at +0, the
/// result rounded to the dtype once — the same accumulation order as the CPU training GEMM (<c>Gemm.MatMul</c>), so on
/// ILGPU's CPU accelerator the two agree bit for bit. With <c>Accumulate</c>, C = C + round(product) in FP32. The fast
/// path on a GPU is cuBLASLt (<see cref="Cublas.CublasLtGemm"/>); this kernel is what the CPU tests check and the
/// fallback when cuBLASLt is absent.
/// </summary>
public static class GemmKernel
{
    /// <param name="index">batch · M · N outputs.</param>
    public static void MatMul<TMath>(Index1D index, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, GemmShape s) where TMath : struct, IDeviceMath
    {
        long mn = (long)s.M * s.N;
        long batch = index / mn, rest = index % mn;
        int i = (int)(rest / s.N), j = (int)(rest % s.N);
        long aBase = batch * s.StrideA, bBase = batch * s.StrideB;
        float acc = 0f;
        for (int p = 0; p < s.K; p++)
        {
            float av = s.TransA != 0 ? a[aBase + (long)p * s.Lda + i] : a[aBase + (long)i * s.Lda + p];
            float bv = s.TransB != 0 ? b[bBase + (long)j * s.Ldb + p] : b[bBase + (long)p * s.Ldb + j];
            acc = default(TMath).Fma(av, bv, acc);
        }
        float r = DeviceNumerics.Round(acc, s.DType);
        long ci = batch * s.StrideC + (long)i * s.Ldc + j;
        c[ci] = s.Accumulate != 0 ? c[ci] + r : r;
    }
}
