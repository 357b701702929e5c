using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Backends;
using static Precision.Orleans.Engine.Gpu.Cublas.CublasLtNative;

namespace Precision.Orleans.Engine.Gpu.Cublas;

/// <summary>
/// Row-major, strided-batched GEMMs on device pointers through cuBLASLt with tensor-core semantics: A and B in the
/// 16-bit dtype (or FP32), FP32 compute and scale, D written in the dtype (cuBLAS rounds to nearest even) —
/// D = op(A)·op(B), no beta (the engine's "C += round(product)" adds a rounded product in a separate kernel). Row-major
/// is the column-major product Dᵀ = op(B)ᵀ·op(A)ᵀ, so B is passed first.
/// </summary>
public sealed class CublasLtGemm : IDisposable
{
    private readonly nint _handle;

    public CublasLtGemm()
    {
        CublasLtLibrary.InstallResolver();
        try
        {
            Check(cublasLtCreate(out _handle), "cublasLtCreate");
        }
        catch (DllNotFoundException e)
        {
            throw new ComputeDeviceUnavailableException($"cuBLASLt: {e.Message.Split('\n')[0]}", e);
        }
    }

    private static int DataType(DType dtype) => dtype switch { DType.Bf16 => DataR16BF, DType.Fp16 => DataR16F, _ => DataR32F };

    /// <summary>D[batch] = op(A[batch])·op(B[batch]); element strides between batches; <paramref name="stream"/> a CUstream (0 = default).</summary>
    public unsafe void MatMul(bool transA, bool transB, int m, int n, int k, nint a, int lda, long strideA, nint b, int ldb, long strideB,
        nint d, int ldc, long strideC, int batch, DType dtype, nint stream = 0)
    {
        int type = DataType(dtype);
        Check(cublasLtMatmulDescCreate(out var desc, ComputeType32F, DataR32F), "cublasLtMatmulDescCreate");
        nint first = 0, second = 0, output = 0;
        try
        {
            int opFirst = transB ? OpT : OpN, opSecond = transA ? OpT : OpN;
            Check(cublasLtMatmulDescSetAttribute(desc, DescTransA, &opFirst, sizeof(int)), "set transa");
            Check(cublasLtMatmulDescSetAttribute(desc, DescTransB, &opSecond, sizeof(int)), "set transb");
            // column-major views of the row-major operands: rows = the row-major column count
            first = Layout(type, (ulong)(transB ? k : n), (ulong)(transB ? n : k), ldb, batch, strideB);
            second = Layout(type, (ulong)(transA ? m : k), (ulong)(transA ? k : m), lda, batch, strideA);
            output = Layout(type, (ulong)n, (ulong)m, ldc, batch, strideC);
            float alpha = 1f, beta = 0f;
            Check(cublasLtMatmul(_handle, desc, &alpha, b, first, a, second, &beta, d, output, d, output, 0, 0, 0, stream), "cublasLtMatmul");
        }
        finally
        {
            if (first != 0) cublasLtMatrixLayoutDestroy(first);
            if (second != 0) cublasLtMatrixLayoutDestroy(second);
            if (output != 0) cublasLtMatrixLayoutDestroy(output);
            cublasLtMatmulDescDestroy(desc);
        }
    }

    private static unsafe nint Layout(int type, ulong rows, ulong cols, long ld, int batch, long stride)
    {
        Check(cublasLtMatrixLayoutCreate(out var layout, type, rows, cols, ld), "cublasLtMatrixLayoutCreate");
        if (batch > 1)
        {
            Check(cublasLtMatrixLayoutSetAttribute(layout, LayoutBatchCount, &batch, sizeof(int)), "set batch count");
            Check(cublasLtMatrixLayoutSetAttribute(layout, LayoutStridedBatchOffset, &stride, sizeof(long)), "set batch stride");
        }
        return layout;
    }

    private static void Check(int status, string call)
    {
        if (status != 0) throw new InvalidOperationException($"cuBLASLt: {call} returned status {status}");
    }

    public void Dispose() => cublasLtDestroy(_handle);
}
