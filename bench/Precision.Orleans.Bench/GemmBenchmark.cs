using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Kernels;
using Precision.Orleans.Engine.Numerics;

namespace Precision.Orleans.Bench;

/// <summary>
/// Our Gemm.MatMul (FP32 out, and bf16-rounded out on bf16 inputs) against OpenBLAS cblas_sgemm on
/// the same operands, same thread count, best-of-N, in the same process.
/// </summary>
internal static class GemmBenchmark
{
    internal sealed record Case(string Name, bool TransA, bool TransB, int M, int N, int K);

    /// <summary>Squares plus the shapes of a training step of the benchmark model at 4096 tokens.</summary>
    public static IReadOnlyList<Case> Cases(BenchModel model, int tokens)
    {
        int h = model.Config.HiddenSize, f = model.Config.IntermediateSize, kv = model.Config.KvDim, v = model.Config.VocabSize;
        return
        [
            new("square", false, false, 512, 512, 512),
            new("square", false, false, 1024, 1024, 1024),
            new("square", false, false, 1536, 1536, 1536),
            new("square", false, false, 2048, 2048, 2048),
            new("q/o proj  x·Wᵀ", false, true, tokens, h, h),
            new("k/v proj  x·Wᵀ", false, true, tokens, kv, h),
            new("gate/up   x·Wᵀ", false, true, tokens, f, h),
            new("down      x·Wᵀ", false, true, tokens, h, f),
            new("lm_head   x·Wᵀ", false, true, tokens, v, h),
            new("down dX   dY·W", false, false, tokens, f, h),
            new("down dW   dYᵀ·X", true, false, h, f, tokens),
            new("gate dW   dYᵀ·X", true, false, f, h, tokens),
            new("lm_head dX dY·W", false, false, tokens, h, v),
            new("lm_head dW dYᵀ·X", true, false, v, h, tokens),
        ];
    }

    public static double Run(BenchArgs args)
    {
        int threads = args.Int("--threads", 2);
        int tokens = args.Int("--tokens", 4096);
        var model = BenchModel.Default();
        GemmDriver.ThreadCount = threads;
        bool blas = OpenBlas.TryLoad(out string why);
        if (blas) OpenBlas.SetNumThreads(threads);
        else Console.WriteLine($"OpenBLAS not loadable ({why}); reporting ours only. Install libopenblas0-pthread (bench/run.sh does).");

        Console.WriteLine($"== gemm: threads={threads} (ours and OpenBLAS), best-of-N GFLOP/s = 2·M·N·K / best time; {(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? "AVX-512 6x32 kernel" : "AVX2 6x16 kernel")}");
        Console.WriteLine($"{"case",-18} {"tA",2} {"tB",2} {"M",5} {"N",5} {"K",5} | {"ours fp32",9} {"ours bf16",9} {"openblas",9} | {"fp32/blas",9} {"bf16/blas",9}");
        double logRatio = 0, peak = 0;
        int counted = 0;
        foreach (var c in Cases(model, tokens))
        {
            var (ours32, ours16, theirs) = Measure(c, blas);
            peak = Math.Max(peak, ours32);
            string r32 = blas ? $"{ours32 / theirs,9:F2}" : $"{"-",9}", r16 = blas ? $"{ours16 / theirs,9:F2}" : $"{"-",9}";
            Console.WriteLine($"{c.Name,-18} {(c.TransA ? "T" : "N"),2} {(c.TransB ? "T" : "N"),2} {c.M,5} {c.N,5} {c.K,5} | {ours32,9:F1} {ours16,9:F1} {(blas ? theirs.ToString("F1") : "-"),9} | {r32} {r16}");
            if (blas) { logRatio += Math.Log(ours32 / theirs); counted++; }
        }
        if (counted > 0)
            Console.WriteLine($"geomean ratio ours(fp32)/openblas = {Math.Exp(logRatio / counted):F2}  (target ≥ 0.70)");
        Console.WriteLine($"peak measured GEMM rate (ours, fp32) = {peak:F1} GFLOP/s");
        return peak;
    }

    /// <summary>Quick peak estimate for FLOP-utilisation figures of the other benchmarks.</summary>
    public static double PeakGflops(int threads)
    {
        GemmDriver.ThreadCount = threads;
        return Measure(new Case("square", false, false, 1024, 1024, 1024), blas: false).Ours32;
    }

    private static unsafe (double Ours32, double Ours16, double Blas) Measure(Case c, bool blas)
    {
        int aRows = c.TransA ? c.K : c.M, aCols = c.TransA ? c.M : c.K;
        int bRows = c.TransB ? c.N : c.K, bCols = c.TransB ? c.K : c.N;
        var a = Filled(aRows * aCols, 1);
        var b = Filled(bRows * bCols, 2);
        var a16 = (float[])a.Clone();
        var b16 = (float[])b.Clone();
        DTypeRounding.RoundInPlace(a16, DType.Bf16);
        DTypeRounding.RoundInPlace(b16, DType.Bf16);
        var cBuf = new float[c.M * c.N];
        double flops = 2.0 * c.M * c.N * c.K;
        int repeats = Math.Clamp((int)(2e9 / flops), 3, 12);

        // Interleave the three contenders in every round so a load spike from other processes on
        // the machine hits them alike; best-of-rounds for each.
        var ours32Run = () => Gemm.MatMul(c.TransA, c.TransB, c.M, c.N, c.K, a, aCols, b, bCols, cBuf, c.N, DType.Fp32);
        var ours16Run = () => Gemm.MatMul(c.TransA, c.TransB, c.M, c.N, c.K, a16, aCols, b16, bCols, cBuf, c.N, DType.Bf16);
        double t32 = double.MaxValue, t16 = double.MaxValue, tBlas = double.MaxValue;
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = cBuf)
        {
            nint xa = (nint)pa, xb = (nint)pb, xc = (nint)pc;
            Action blasRun = () => OpenBlas.Sgemm(OpenBlas.RowMajor,
                c.TransA ? OpenBlas.Trans : OpenBlas.NoTrans, c.TransB ? OpenBlas.Trans : OpenBlas.NoTrans,
                c.M, c.N, c.K, 1f, (float*)xa, aCols, (float*)xb, bCols, 0f, (float*)xc, c.N);
            ours32Run();
            ours16Run();
            if (blas) blasRun();
            for (int round = 0; round < repeats; round++)
            {
                t32 = Math.Min(t32, Timing.Once(ours32Run));
                t16 = Math.Min(t16, Timing.Once(ours16Run));
                if (blas) tBlas = Math.Min(tBlas, Timing.Once(blasRun));
            }
        }
        double ours32 = flops / t32 / 1e9, ours16 = flops / t16 / 1e9, theirs = blas ? flops / tBlas / 1e9 : double.NaN;
        return (ours32, ours16, theirs);
    }

    private static float[] Filled(int count, int seed)
    {
        var rng = new Random(seed);
        var v = new float[count];
        for (int i = 0; i < v.Length; i++) v[i] = (float)(rng.NextDouble() - 0.5);
        return v;
    }
}
