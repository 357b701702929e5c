using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Numerics;

namespace Precision.Orleans.Engine.Tests.Kernels;

/// <summary>Independent, obviously-correct GEMMs the fast kernels are checked against.</summary>
internal static class GemmReference
{
    public static float OpA(bool transA, float[] a, int lda, int i, int p) => transA ? a[p * lda + i] : a[i * lda + p];
    public static float OpB(bool transB, float[] b, int ldb, int p, int j) => transB ? b[j * ldb + p] : b[p * ldb + j];

    /// <summary>Exact-ish product in FP64, plus Σ|a·b| per output for an error bound.</summary>
    public static (double[] Value, double[] Magnitude) Fp64(bool transA, bool transB, int m, int n, int k, float[] a, int lda, float[] b, int ldb)
    {
        var value = new double[m * n];
        var magnitude = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0, mag = 0;
                for (int p = 0; p < k; p++)
                {
                    double t = (double)OpA(transA, a, lda, i, p) * OpB(transB, b, ldb, p, j);
                    s += t;
                    mag += Math.Abs(t);
                }
                value[i * n + j] = s;
                magnitude[i * n + j] = mag;
            }
        return (value, magnitude);
    }

    /// <summary>The order MatMul promises: one FP32 fused-multiply-add chain per output, k ascending, then one rounding.</summary>
    public static float SequentialFma(bool transA, bool transB, int k, float[] a, int lda, float[] b, int ldb, int i, int j, DType outDtype)
    {
        float acc = 0f;
        for (int p = 0; p < k; p++) acc = MathF.FusedMultiplyAdd(OpA(transA, a, lda, i, p), OpB(transB, b, ldb, p, j), acc);
        return DTypeRounding.Round(acc, outDtype);
    }

    /// <summary>The order Linear16/LinearSplitK promise: L lane partials over k ≡ l (mod L), then a pairwise tree.</summary>
    public static float SplitK(float[] x, float[] w, int k, int i, int j, int lanes, DType outDtype)
    {
        var partial = new float[lanes];
        for (int p = 0; p < k; p++)
            partial[p % lanes] = MathF.FusedMultiplyAdd(x[i * k + p], w[j * k + p], partial[p % lanes]);
        for (int width = lanes / 2; width >= 1; width /= 2)
            for (int l = 0; l < width; l++) partial[l] += partial[l + width];
        return DTypeRounding.Round(partial[0], outDtype);
    }

    /// <summary>Random values already representable in <paramref name="dtype"/>, as GEMM inputs always are.</summary>
    public static float[] Random(int count, int seed, DType dtype = DType.Fp32, float scale = 1f)
    {
        var rng = new Random(seed);
        var v = new float[count];
        for (int i = 0; i < v.Length; i++) v[i] = (float)(rng.NextDouble() * 2 - 1) * scale;
        DTypeRounding.RoundInPlace(v, dtype);
        return v;
    }
}
