using System.Numerics.Tensors;
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
/// </summary>
public static partial class Gemm
{
    public static void MatMul(
        bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda,
        ReadOnlySpan<float> b, int ldb,
        Span<float> c, int ldc,
        DType outDtype, bool accumulate = false)
    {
        ValidateShapes(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0) return;
        unsafe
        {
            fixed (float* pa = a)
            fixed (float* pb = b)
            fixed (float* pc = c)
                MatMulCore(transA, transB, m, n, k, pa, lda, pb, ldb, pc, ldc, outDtype, accumulate);
        }
    }

    /// <summary>y[M,N] = x[M,K] · W[N,K]ᵀ — a PyTorch Linear without bias.</summary>
    public static void Linear(ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> y, int m, int n, int k, DType outDtype, bool accumulate = false) =>
        MatMul(false, true, m, n, k, x, k, w, k, y, n, outDtype, accumulate);

    /// <summary>
    /// y[M,N] = x[M,K] · W[N,K]ᵀ where W is held in true 16-bit storage (bf16 or fp16 bits) or FP32,
    /// as the rollout engine keeps its weights.
    /// </summary>
    public static void Linear16(ReadOnlySpan<float> x, ReadOnlySpan<ushort> w16, DType wType, Span<float> y, int m, int n, int k, DType outDtype)
    {
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

    internal static void ValidateShapes(bool transA, bool transB, int m, int n, int k, int aLen, int lda, int bLen, int ldb, int cLen, int ldc)
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentException($"negative GEMM shape m={m} n={n} k={k}");
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        if (lda < Math.Max(1, aCols)) throw new ArgumentException($"lda={lda} < {aCols}");
        if (ldb < Math.Max(1, bCols)) throw new ArgumentException($"ldb={ldb} < {bCols}");
        if (ldc < Math.Max(1, n)) throw new ArgumentException($"ldc={ldc} < {n}");
        if (aRows > 0 && (long)(aRows - 1) * lda + aCols > aLen) throw new ArgumentException($"A too short: {aLen}");
        if (bRows > 0 && (long)(bRows - 1) * ldb + bCols > bLen) throw new ArgumentException($"B too short: {bLen}");
        if (m > 0 && (long)(m - 1) * ldc + n > cLen) throw new ArgumentException($"C too short: {cLen}");
    }

    // Reference-quality implementation: row-parallel dot products over a transposed copy of B.
    // Replaced by the packed, blocked kernel in GemmKernel.cs when present.
    private static unsafe void MatMulCore(bool transA, bool transB, int m, int n, int k,
        float* a, int lda, float* b, int ldb, float* c, int ldc, DType outDtype, bool accumulate)
    {
        // Bring A to row-major [m,k] and B to [n,k] so every output is a contiguous dot product.
        float[] at = new float[(long)m * k];
        float[] bt = new float[(long)n * k];
        for (int i = 0; i < m; i++)
            for (int p = 0; p < k; p++)
                at[(long)i * k + p] = transA ? a[(long)p * lda + i] : a[(long)i * lda + p];
        for (int j = 0; j < n; j++)
            for (int p = 0; p < k; p++)
                bt[(long)j * k + p] = transB ? b[(long)j * ldb + p] : b[(long)p * ldb + j];
        nint cAddr = (nint)c;
        Parallel.For(0, m, i =>
        {
            var row = new ReadOnlySpan<float>(at, i * k, k);
            float* crow = (float*)cAddr + (long)i * ldc;
            for (int j = 0; j < n; j++)
            {
                float v = DTypeRounding.Round(TensorPrimitives.Dot(row, new ReadOnlySpan<float>(bt, j * k, k)), outDtype);
                crow[j] = accumulate ? crow[j] + v : v;
            }
        });
    }

    private static unsafe void Linear16Core(float* x, ushort* w, DType wType, float* y, int m, int n, int k, DType outDtype)
    {
        nint xAddr = (nint)x, wAddr = (nint)w, yAddr = (nint)y;
        Parallel.For(0, n, j =>
        {
            Span<float> wrow = k <= 4096 ? stackalloc float[k] : new float[k];
            DTypeStorage.Unpack(new ReadOnlySpan<ushort>((ushort*)wAddr + (long)j * k, k), wrow, wType);
            for (int i = 0; i < m; i++)
            {
                var xrow = new ReadOnlySpan<float>((float*)xAddr + (long)i * k, k);
                ((float*)yAddr)[(long)i * n + j] = DTypeRounding.Round(TensorPrimitives.Dot(xrow, wrow), outDtype);
            }
        });
    }
}
