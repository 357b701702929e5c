using System.Runtime.InteropServices;

namespace Precision.Orleans.Engine.Gpu.Cublas;

/// <summary>
/// The part of NVIDIA's cuBLASLt C API the engine uses (libcublasLt.so; located by <see cref="CublasLtLibrary"/>).
/// Enum values are those of cublasLt.h / library_types.h.
/// </summary>
internal static partial class CublasLtNative
{
    public const string Library = "cublasLt";

    public const int ComputeType32F = 68;                 // CUBLAS_COMPUTE_32F
    public const int DataR32F = 0, DataR16F = 2, DataR16BF = 14; // cudaDataType
    public const int OpN = 0, OpT = 1;                    // cublasOperation_t
    public const int DescTransA = 3, DescTransB = 4;      // cublasLtMatmulDescAttributes_t
    public const int LayoutBatchCount = 5, LayoutStridedBatchOffset = 6; // cublasLtMatrixLayoutAttribute_t

    [LibraryImport(Library)] public static partial int cublasLtCreate(out nint handle);
    [LibraryImport(Library)] public static partial int cublasLtDestroy(nint handle);
    [LibraryImport(Library)] public static partial int cublasLtMatmulDescCreate(out nint desc, int computeType, int scaleType);
    [LibraryImport(Library)] public static partial int cublasLtMatmulDescDestroy(nint desc);
    [LibraryImport(Library)] public static unsafe partial int cublasLtMatmulDescSetAttribute(nint desc, int attribute, void* value, nuint size);
    [LibraryImport(Library)] public static partial int cublasLtMatrixLayoutCreate(out nint layout, int type, ulong rows, ulong cols, long ld);
    [LibraryImport(Library)] public static partial int cublasLtMatrixLayoutDestroy(nint layout);
    [LibraryImport(Library)] public static unsafe partial int cublasLtMatrixLayoutSetAttribute(nint layout, int attribute, void* value, nuint size);

    [LibraryImport(Library)]
    public static unsafe partial int cublasLtMatmul(nint handle, nint desc, float* alpha, nint a, nint aDesc, nint b, nint bDesc,
        float* beta, nint c, nint cDesc, nint d, nint dDesc, nint algo, nint workspace, nuint workspaceSize, nint stream);
}
