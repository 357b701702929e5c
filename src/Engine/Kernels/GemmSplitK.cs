using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Numerics;

namespace Precision.Orleans.Engine.Kernels;

/// <summary>
/// y[M,N] = x[M,K]·W[N,K]ᵀ as a decode-time kernel (the rollout engine's GEMV-like shapes, M ≤ 64),
/// reading W row by row (16-bit storage unpacked on the fly, or FP32).
/// <para>
/// Its FP32 accumulation order deliberately differs from <see cref="Gemm.MatMul"/>, the way a GEMV /
/// split-K kernel in an inference server differs from the training framework's GEMM:
/// each output keeps L = 16 (AVX-512; 8 with AVX2) independent partial sums, partial l accumulating
/// the products with k ≡ l (mod L) by a fused-multiply-add chain in ascending k (a zero-padded last
/// chunk when L does not divide K); at the end the partials are added by a fixed pairwise tree
/// (l + l+L/2, then + L/4, ..., 1). MatMul instead runs one sequential chain per output over all k.
/// The result is still rounded once to the out dtype and does not depend on thread count.
/// </para>
/// </summary>
internal static unsafe class GemmSplitK
{
    public static int Lanes => Vector512.IsHardwareAccelerated ? 16 : 8;

    public static void Run(float* x, float* w, ushort* w16, DType wType, float* y, int m, int n, int k, DType outDtype)
    {
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            new Span<float>(y, checked(m * n)).Clear();
            return;
        }
        int blocks = (n + 3) / 4;
        long work = (long)m * n * k;
        int threads = (int)Math.Clamp(work / GemmBlocking.WorkPerThread, 1, Math.Max(1, GemmDriver.ThreadCount));
        threads = Math.Min(threads, blocks);
        if (threads <= 1)
        {
            Columns(x, w, w16, wType, y, m, n, k, outDtype, 0, blocks);
            return;
        }
        int parts = (int)Math.Min(Math.Min(blocks, threads * 4L), Math.Max(threads, work / GemmBlocking.WorkPerThread));
        nint px = (nint)x, pw = (nint)w, pw16 = (nint)w16, py = (nint)y;
        Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
            Columns((float*)px, (float*)pw, (ushort*)pw16, wType, (float*)py, m, n, k, outDtype,
                (int)((long)blocks * t / parts), (int)((long)blocks * (t + 1) / parts)));
    }

    /// <summary>Output columns 4·blockLo .. 4·blockHi (weight rows), all M rows.</summary>
    private static void Columns(float* x, float* w, ushort* w16, DType wType, float* y, int m, int n, int k, DType outDtype, int blockLo, int blockHi)
    {
        int lanes = Lanes;
        int full = k - k % lanes, tail = k - full;
        int kpad = full + (tail > 0 ? lanes : 0);
        float* unpacked = w16 != null ? GemmScratch.Current.PackB(4L * kpad) : null;
        float** xr = stackalloc float*[4];
        float** wr = stackalloc float*[4];
        float* tailX = stackalloc float[4 * 16];
        float* tailW = stackalloc float[4 * 16];
        float* result = stackalloc float[16];
        new Span<float>(tailX, 4 * 16).Clear();
        new Span<float>(tailW, 4 * 16).Clear();
        var block = lanes == 16 ? (delegate*<float**, float**, int, float*, float*, float*, void>)&GemmSplitKKernel.Block512
                                : &GemmSplitKKernel.Block256;

        for (int jb = blockLo; jb < blockHi; jb++)
        {
            int j0 = jb * 4, jn = Math.Min(4, n - j0);
            for (int jj = 0; jj < 4; jj++)
            {
                // Missing rows at the right edge repeat the last one; their outputs are not stored.
                long row = j0 + Math.Min(jj, jn - 1);
                if (w16 != null)
                {
                    if (jj < jn) Unpack(w16 + row * k, unpacked + (long)jj * kpad, k, wType);
                    wr[jj] = unpacked + (long)Math.Min(jj, jn - 1) * kpad;
                }
                else
                {
                    wr[jj] = w + row * k;
                }
                if (tail > 0) new ReadOnlySpan<float>(wr[jj] + full, tail).CopyTo(new Span<float>(tailW + jj * lanes, tail));
            }
            for (int i0 = 0; i0 < m; i0 += 4)
            {
                int inRows = Math.Min(4, m - i0);
                for (int ii = 0; ii < 4; ii++)
                {
                    xr[ii] = x + (long)(i0 + Math.Min(ii, inRows - 1)) * k;
                    if (tail > 0) new ReadOnlySpan<float>(xr[ii] + full, tail).CopyTo(new Span<float>(tailX + ii * lanes, tail));
                }
                block(xr, wr, k, tailX, tailW, result);
                for (int ii = 0; ii < inRows; ii++)
                {
                    float* yrow = y + (long)(i0 + ii) * n + j0;
                    for (int jj = 0; jj < jn; jj++) yrow[jj] = DTypeRounding.Round(result[ii * 4 + jj], outDtype);
                }
            }
        }
    }

    /// <summary>16-bit weight bits → FP32 (exact): bf16 is the high half of an FP32, fp16 converts exactly.</summary>
    private static void Unpack(ushort* src, float* dst, int count, DType wType)
    {
        if (wType == DType.Fp16)
        {
            TensorPrimitives.ConvertToSingle(new ReadOnlySpan<Half>(src, count), new Span<float>(dst, count));
            return;
        }
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= count - 32; i += 32)
            {
                var bits = Vector512.Load(src + i);
                var (lo, hi) = Vector512.Widen(bits);
                Vector512.ShiftLeft(lo, 16).AsSingle().Store(dst + i);
                Vector512.ShiftLeft(hi, 16).AsSingle().Store(dst + i + 16);
            }
        for (; i < count; i++) dst[i] = BitConverter.UInt32BitsToSingle((uint)src[i] << 16);
    }

    internal static void CheckWeightType(DType wType)
    {
        if (wType != DType.Bf16 && wType != DType.Fp16)
            throw new ArgumentException($"Linear16 needs 16-bit weights (bf16 or fp16), got {wType.Name()}; use Gemm.LinearSplitK for FP32 weights", nameof(wType));
    }
}
