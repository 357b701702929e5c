using System.Runtime.InteropServices;

namespace Precision.Orleans.Bench;

/// <summary>The OpenBLAS peer: cblas_sgemm from Debian's libopenblas0-pthread.</summary>
internal static partial class OpenBlas
{
    private const string Library = "libopenblas.so.0";
    public const int RowMajor = 101, NoTrans = 111, Trans = 112;

    [LibraryImport(Library, EntryPoint = "cblas_sgemm")]
    public static unsafe partial void Sgemm(int order, int transA, int transB, int m, int n, int k,
        float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc);

    [LibraryImport(Library, EntryPoint = "openblas_set_num_threads")]
    public static partial void SetNumThreads(int threads);

    [LibraryImport(Library, EntryPoint = "openblas_get_num_threads")]
    public static partial int GetNumThreads();

    /// <summary>True when the library loads; the benchmark reports ours alone otherwise.</summary>
    public static bool TryLoad(out string why)
    {
        try
        {
            GetNumThreads();
            why = "";
            return true;
        }
        catch (DllNotFoundException e)
        {
            why = e.Message;
            return false;
        }
    }
}
