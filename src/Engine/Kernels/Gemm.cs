using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Numerics;

namespace Precision.Orleans.Engine.Kernels;

/// <summary>
/// General matrix multiply with tensor-core semantics: inputs are values already representable in
/// the compute dtype, products are accumulated in FP32, and the result is rounded to
/// <c>outDtype</c> once, at the end.
/// <para>
/// <c>C[m,n] = Σ_k op(A)[m,k] · op(B)[k,n]</c>, row-major, with <c>op(X) = Xᵀ</c> when the transpose
/// flag is set. With <c>accumulate</c> the rounded product is added to C in FP32
/// (<c>C += round(op(A)·op(B))</c>): that is how a 16-bit weight gradient lands in an FP32 gradient buffer.
/// </para>
/// <para>
/// Two FP32 accumulation orders, like two different GPU kernels:
/// <see cref="MatMul"/>/<see cref="Linear"/> (the training engine's GEMM, packed AVX-512 kernel in
/// <see cref="GemmDriver"/>) run ONE fused-multiply-add chain per output over k ascending — independent
/// of blocking, tiling and thread count; <see cref="Linear16"/>/<see cref="LinearSplitK"/> (the rollout
/// engine's decode kernel, <see cref="GemmSplitK"/>) keep 16 interleaved split-K partial sums per output
/// (k mod 16) and add them by a fixed pairwise tree at the end.
/// </para>
/// </summary>
public static partial class Gemm
{
    public static void MatMul(
        bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda,
        ReadOnlySpan<float> b, int ldb,
        Span<float> c, int ldc,
        DType outDtype, bool accumulate = false) =>
        MatMulPinned(serial: false, transA, transB, m, n, k, a, lda, b, ldb, c, ldc, outDtype, accumulate);

    /// <summary>
    /// <see cref="MatMul"/> on the calling thread only (same accumulation order, same rounding): for callers that
    /// already run many independent small products in parallel, where a nested split would only add overhead.
    /// </summary>
    internal static void MatMulSerial(
        bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda,
        ReadOnlySpan<float> b, int ldb,
        Span<float> c, int ldc,
        DType outDtype, bool accumulate = false) =>
        MatMulPinned(serial: true, transA, transB, m, n, k, a, lda, b, ldb, c, ldc, outDtype, accumulate);

    private static void MatMulPinned(
        bool serial, bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda,
        ReadOnlySpan<float> b, int ldb,
        Span<float> c, int ldc,
        DType outDtype, bool accumulate)
    {
        ValidateShapes(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0) return;
        unsafe
        {
            fixed (float* pa = a)
            fixed (float* pb = b)
            fixed (float* pc = c)
            {
                if (serial) GemmDriver.MatMulSerial(transA, transB, m, n, k, pa, lda, pb, ldb, pc, ldc, outDtype, accumulate);
                else GemmDriver.MatMul(transA, transB, m, n, k, pa, lda, pb, ldb, pc, ldc, outDtype, accumulate);
            }
        }
    }

    /// <summary>y[M,N] = x[M,K] · W[N,K]ᵀ — a PyTorch Linear without bias.</summary>
    public static void Linear(ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> y, int m, int n, int k, DType outDtype, bool accumulate = false) =>
        MatMul(false, true, m, n, k, x, k, w, k, y, n, outDtype, accumulate);

    /// <summary>
    /// y[M,N] = x[M,K] · W[N,K]ᵀ where W is held in true 16-bit storage (bf16 or fp16 bits), as the
    /// rollout engine keeps its weights. Accumulates in FP32 in split-K order (see
    /// <see cref="GemmSplitK"/>), which differs from <see cref="MatMul"/>'s sequential order.
    /// </summary>
    public static void Linear16(ReadOnlySpan<float> x, ReadOnlySpan<ushort> w16, DType wType, Span<float> y, int m, int n, int k, DType outDtype)
    {
        GemmSplitK.CheckWeightType(wType);
        ValidateLinear(m, n, k);
        if (w16.Length < (long)n * k) throw new ArgumentException($"weight has {w16.Length} elements, needs {(long)n * k}");
        if (x.Length < (long)m * k) throw new ArgumentException($"input has {x.Length} elements, needs {(long)m * k}");
        if (y.Length < (long)m * n) throw new ArgumentException($"output has {y.Length} elements, needs {(long)m * n}");
        unsafe
        {
            fixed (float* px = x)
            fixed (ushort* pw = w16)
            fixed (float* py = y)
                Linear16Core(px, pw, wType, py, m, n, k, outDtype);
        }
    }

    /// <summary>
    /// y[M,N] = x[M,K] · W[N,K]ᵀ for FP32-stored weights with exactly <see cref="Linear16"/>'s split-K
    /// accumulation order, so an FP32 rollout also reduces in a different order from training.
    /// </summary>
    public static void LinearSplitK(ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> y, int m, int n, int k, DType outDtype)
    {
        ValidateLinear(m, n, k);
        if (w.Length < (long)n * k) throw new ArgumentException($"weight has {w.Length} elements, needs {(long)n * k}");
        if (x.Length < (long)m * k) throw new ArgumentException($"input has {x.Length} elements, needs {(long)m * k}");
        if (y.Length < (long)m * n) throw new ArgumentException($"output has {y.Length} elements, needs {(long)m * n}");
        unsafe
        {
            fixed (float* px = x)
            fixed (float* pw = w)
            fixed (float* py = y)
                GemmSplitK.Run(px, pw, null, DType.Fp32, py, m, n, k, outDtype);
        }
    }

    private static void ValidateLinear(int m, int n, int k)
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentException($"negative Linear shape m={m} n={n} k={k}");
    }

    internal static void ValidateShapes(bool transA, bool transB, int m, int n, int k, int aLen, int lda, int bLen, int ldb, int cLen, int ldc)
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentException($"negative GEMM shape m={m} n={n} k={k}");
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        if (lda < Math.Max(1, aCols)) throw new ArgumentException($"lda={lda} < {aCols}");
        if (ldb < Math.Max(1, bCols)) throw new ArgumentException($"ldb={ldb} < {bCols}");
        if (ldc < Math.Max(1, n)) throw new ArgumentException($"ldc={ldc} < {n}");
        if (aRows > 0 && aCols > 0 && (long)(aRows - 1) * lda + aCols > aLen) throw new ArgumentException($"A too short: {aLen}");
        if (bRows > 0 && bCols > 0 && (long)(bRows - 1) * ldb + bCols > bLen) throw new ArgumentException($"B too short: {bLen}");
        if (m > 0 && (long)(m - 1) * ldc + n > cLen) throw new ArgumentException($"C too short: {cLen}");
    }

    private static unsafe void Linear16Core(float* x, ushort* w, DType wType, float* y, int m, int n, int k, DType outDtype) =>
        GemmSplitK.Run(x, null, w, wType, y, m, n, k, outDtype);
}
