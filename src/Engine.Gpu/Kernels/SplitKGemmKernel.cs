using ILGPU;

namespace Precision.Orleans.Engine.Gpu.Kernels;

/// <summary>Shape of the rollout engine's decode GEMM y[M,N] = x[M,K]·W[N,K]ᵀ with W in FP32 or 16-bit storage.</summary>
public struct SplitKShape
{
    public int M, N, K, Lanes, WeightDType, OutDType;
}

/// <summary>
/// The rollout engine's decode GEMM in the CPU kernel's exact order (<c>GemmSplitK</c>): each output keeps
/// <c>Lanes</c> (8 or 16, as the CPU that is the reference) partial sums, partial l an FMA chain over k ≡ l (mod Lanes)
/// ascending from +0, then a fixed pairwise tree (l + l + Lanes/2, then + Lanes/4, …), rounded once — a reduction order
/// deliberately different from the training GEMM's single chain. Weights in 16-bit storage are widened exactly.
/// </summary>
public static class SplitKGemmKernel
{
    public const int MaxLanes = 16;

    public static void Linear<TMath>(Index1D index, ArrayView<float> x, ArrayView<float> w32, ArrayView<ushort> w16, ArrayView<float> y, SplitKShape s) where TMath : struct, IDeviceMath
    {
        int i = (int)(index / s.N), j = (int)(index % s.N);
        long xo = (long)i * s.K, wo = (long)j * s.K;
        var partial = LocalMemory.Allocate<float>(MaxLanes);
        for (int l = 0; l < s.Lanes; l++)
        {
            float acc = 0f;
            for (int p = l; p < s.K; p += s.Lanes)
            {
                float w = s.WeightDType == DeviceNumerics.Fp32 ? w32[wo + p] : DeviceNumerics.Widen(w16[wo + p], s.WeightDType);
                acc = default(TMath).Fma(x[xo + p], w, acc);
            }
            partial[l] = acc;
        }
        for (int h = s.Lanes / 2; h >= 1; h /= 2)
            for (int l = 0; l < h; l++) partial[l] = partial[l] + partial[l + h];
        y[index] = DeviceNumerics.Round(partial[0], s.OutDType);
    }
}
