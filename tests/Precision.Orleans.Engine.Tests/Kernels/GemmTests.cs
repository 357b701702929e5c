using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Kernels;
using Precision.Orleans.Engine.Numerics;
using Xunit;
using static Precision.Orleans.Engine.Tests.Kernels.GemmReference;

namespace Precision.Orleans.Engine.Tests.Kernels;

public class GemmTests
{
    private static (float[] A, int Lda, float[] B, int Ldb) Operands(bool transA, bool transB, int m, int n, int k, int pad, int seed, DType dtype = DType.Fp32)
    {
        int lda = (transA ? m : k) + pad, ldb = (transB ? k : n) + pad;
        var a = Random((transA ? k : m) * lda, seed, dtype);
        var b = Random((transB ? n : k) * ldb, seed + 1, dtype);
        return (a, lda, b, ldb);
    }

    public static IEnumerable<object[]> OddShapes()
    {
        (int M, int N, int K)[] shapes = [(1, 7, 33), (7, 257, 257), (33, 33, 7), (65, 1, 65), (257, 65, 1), (65, 257, 33), (257, 7, 65)];
        foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
                foreach (var (m, n, k) in shapes)
                    yield return [ta, tb, m, n, k];
    }

    [Theory]
    [MemberData(nameof(OddShapes))]
    public void MatMul_matches_fp64_reference_for_odd_shapes_and_padded_leading_dimensions(bool transA, bool transB, int m, int n, int k)
    {
        var (a, lda, b, ldb) = Operands(transA, transB, m, n, k, pad: 3, seed: m * 31 + n * 7 + k);
        int ldc = n + 5;
        var c = new float[m * ldc];
        Array.Fill(c, 123f); // padding columns must survive, live ones must be overwritten
        Gemm.MatMul(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, DType.Fp32);
        var (exact, magnitude) = Fp64(transA, transB, m, n, k, a, lda, b, ldb);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double bound = (k + 2) * 6e-8 * magnitude[i * n + j] + 1e-30;
                Assert.True(Math.Abs(c[i * ldc + j] - exact[i * n + j]) <= bound,
                    $"C[{i},{j}]={c[i * ldc + j]} vs {exact[i * n + j]} (bound {bound})");
            }
            for (int j = n; j < ldc && i * ldc + j < c.Length; j++) Assert.Equal(123f, c[i * ldc + j]);
        }
    }

    [Theory]
    // Shapes crossing every blocking boundary: k > KC (C carries the chain), m > MC, n > NC, edges in both.
    [InlineData(false, false, 200, 530, 300)]
    [InlineData(false, true, 197, 70, 513)]
    [InlineData(true, false, 13, 600, 260)]
    [InlineData(true, true, 199, 45, 257)]
    public void MatMul_is_one_sequential_fma_chain_per_output_whatever_the_blocking(bool transA, bool transB, int m, int n, int k)
    {
        var (a, lda, b, ldb) = Operands(transA, transB, m, n, k, pad: 2, seed: 5);
        var c = new float[m * n];
        Gemm.MatMul(transA, transB, m, n, k, a, lda, b, ldb, c, n, DType.Fp32);
        var rng = new Random(1);
        for (int s = 0; s < 2000; s++)
        {
            int i = s < 4 ? (s & 1) * (m - 1) : rng.Next(m), j = s < 4 ? (s >> 1) * (n - 1) : rng.Next(n);
            Assert.Equal(SequentialFma(transA, transB, k, a, lda, b, ldb, i, j, DType.Fp32), c[i * n + j]);
        }
    }

    [Fact]
    public void MatMul_result_does_not_depend_on_thread_count()
    {
        int m = 150, n = 300, k = 280;
        var (a, lda, b, ldb) = Operands(false, true, m, n, k, pad: 0, seed: 9);
        var one = new float[m * n];
        var many = new float[m * n];
        int saved = GemmDriver.ThreadCount;
        try
        {
            GemmDriver.ThreadCount = 1;
            Gemm.MatMul(false, true, m, n, k, a, lda, b, ldb, one, n, DType.Bf16);
            GemmDriver.ThreadCount = 4;
            Gemm.MatMul(false, true, m, n, k, a, lda, b, ldb, many, n, DType.Bf16);
        }
        finally { GemmDriver.ThreadCount = saved; }
        Assert.Equal(one, many);
    }

    [Theory]
    [InlineData(DType.Bf16, false, true, 65, 257, 300)]
    [InlineData(DType.Fp16, true, false, 33, 70, 129)]
    [InlineData(DType.Bf16, true, true, 3, 5, 7)]
    public void MatMul_rounds_each_output_once_to_the_out_dtype(DType dtype, bool transA, bool transB, int m, int n, int k)
    {
        var (a, lda, b, ldb) = Operands(transA, transB, m, n, k, pad: 1, seed: 11, dtype);
        var fp32 = new float[m * n];
        var rounded = new float[m * n];
        Gemm.MatMul(transA, transB, m, n, k, a, lda, b, ldb, fp32, n, DType.Fp32);
        Gemm.MatMul(transA, transB, m, n, k, a, lda, b, ldb, rounded, n, dtype);
        int changed = 0;
        for (int i = 0; i < fp32.Length; i++)
        {
            Assert.Equal(rounded[i], DTypeRounding.Round(rounded[i], dtype)); // representable in the dtype
            Assert.Equal(DTypeRounding.Round(fp32[i], dtype), rounded[i]);     // = round(FP32 accumulation), rounded once
            if (rounded[i] != fp32[i]) changed++;
        }
        Assert.True(changed > fp32.Length / 2, "rounding should change most FP32 sums");
    }

    [Theory]
    [InlineData(DType.Fp32, false, false, 40, 70, 300)]
    [InlineData(DType.Bf16, true, false, 64, 96, 513)] // the weight-gradient shape: dW += dYᵀ·X
    [InlineData(DType.Fp16, false, true, 5, 3, 9)]
    public void Accumulate_adds_the_rounded_product_to_c_in_fp32(DType dtype, bool transA, bool transB, int m, int n, int k)
    {
        var (a, lda, b, ldb) = Operands(transA, transB, m, n, k, pad: 0, seed: 21, dtype);
        int ldc = n + 2;
        var c = Random(m * ldc, 99, DType.Fp32, 3f);
        var before = (float[])c.Clone();
        var product = new float[m * n];
        Gemm.MatMul(transA, transB, m, n, k, a, lda, b, ldb, product, n, dtype);
        Gemm.MatMul(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, dtype, accumulate: true);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++) Assert.Equal(before[i * ldc + j] + product[i * n + j], c[i * ldc + j]);
            for (int j = n; j < ldc; j++) Assert.Equal(before[i * ldc + j], c[i * ldc + j]);
        }
    }

    [Fact]
    public void Empty_k_gives_zeros_and_accumulate_leaves_c_unchanged()
    {
        var c = new float[] { 1, 2, 3, 4 };
        Gemm.MatMul(false, false, 2, 2, 0, [], 1, [], 2, c, 2, DType.Bf16, accumulate: true);
        Assert.Equal([1f, 2, 3, 4], c);
        Gemm.MatMul(false, false, 2, 2, 0, [], 1, [], 2, c, 2, DType.Bf16);
        Assert.Equal([0f, 0, 0, 0], c);
    }

    [Fact]
    public void Linear_is_x_times_w_transposed()
    {
        int m = 9, n = 40, k = 70;
        var x = Random(m * k, 1);
        var w = Random(n * k, 2);
        var y = new float[m * n];
        Gemm.Linear(x, w, y, m, n, k, DType.Fp32);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                Assert.Equal(SequentialFma(false, true, k, x, k, w, k, i, j, DType.Fp32), y[i * n + j]);
    }

    [Theory]
    [InlineData(DType.Bf16, 64, 260, 257)]
    [InlineData(DType.Fp16, 7, 33, 65)]
    [InlineData(DType.Bf16, 1, 5, 1)]
    [InlineData(DType.Fp16, 66, 130, 256)]
    public void Linear16_equals_unpack_then_split_k_linear_in_the_documented_order(DType wType, int m, int n, int k)
    {
        var x = Random(m * k, 3, wType);
        var w = Random(n * k, 4, wType);
        var w16 = new ushort[w.Length];
        DTypeStorage.Pack(w, w16, wType);
        var unpacked = new float[w.Length];
        DTypeStorage.Unpack(w16, unpacked, wType);
        Assert.Equal(w, unpacked);

        var y16 = new float[m * n];
        var ySplit = new float[m * n];
        var yLinear = new float[m * n];
        Gemm.Linear16(x, w16, wType, y16, m, n, k, wType);
        Gemm.LinearSplitK(x, unpacked, ySplit, m, n, k, wType);
        Gemm.Linear(x, unpacked, yLinear, m, n, k, wType);
        Assert.Equal(ySplit, y16);
        int lanes = GemmSplitK.Lanes;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                Assert.Equal(SplitK(x, unpacked, k, i, j, lanes, wType), y16[i * n + j]);
                // Same maths as Linear: equal up to one dtype ulp from the different FP32 order.
                float ulp = Math.Abs(DTypeRounding.Round(Math.Abs(yLinear[i * n + j]) * (wType == DType.Bf16 ? 1.0079f : 1.00098f), wType) - Math.Abs(yLinear[i * n + j]));
                Assert.True(Math.Abs(y16[i * n + j] - yLinear[i * n + j]) <= Math.Max(ulp, 1e-6f) * 1.01f + 1e-6f,
                    $"y[{i},{j}] {y16[i * n + j]} vs Linear {yLinear[i * n + j]}");
            }
    }

    [Fact]
    public void Split_k_order_differs_from_matmul_order_in_fp32()
    {
        int m = 16, n = 64, k = 512;
        var x = Random(m * k, 7);
        var w = Random(n * k, 8);
        var ySplit = new float[m * n];
        var yLinear = new float[m * n];
        Gemm.LinearSplitK(x, w, ySplit, m, n, k, DType.Fp32);
        Gemm.Linear(x, w, yLinear, m, n, k, DType.Fp32);
        int differ = 0;
        for (int i = 0; i < ySplit.Length; i++)
        {
            if (ySplit[i] != yLinear[i]) differ++;
            Assert.True(Math.Abs(ySplit[i] - yLinear[i]) <= 1e-4f * (1 + Math.Abs(yLinear[i])));
        }
        Assert.True(differ > ySplit.Length / 4, $"only {differ} of {ySplit.Length} outputs differ: the orders should differ");
    }

    [Fact]
    public void Bad_inputs_fail_with_messages_naming_the_problem()
    {
        var buf = new float[64];
        Assert.Contains("lda", Assert.Throws<ArgumentException>(() => Gemm.MatMul(false, false, 4, 4, 4, buf, 3, buf, 4, buf, 4, DType.Fp32)).Message);
        Assert.Contains("B too short", Assert.Throws<ArgumentException>(() => Gemm.MatMul(false, false, 4, 4, 8, buf, 8, new float[10], 4, buf, 4, DType.Fp32)).Message);
        Assert.Contains("negative", Assert.Throws<ArgumentException>(() => Gemm.Linear(buf, buf, buf, -1, 2, 2, DType.Fp32)).Message);
        Assert.Contains("16-bit", Assert.Throws<ArgumentException>(() => Gemm.Linear16(buf, new ushort[64], DType.Fp32, buf, 2, 2, 2, DType.Fp32)).Message);
        Assert.Contains("weight", Assert.Throws<ArgumentException>(() => Gemm.LinearSplitK(buf, new float[3], buf, 2, 2, 2, DType.Fp32)).Message);
    }
}
