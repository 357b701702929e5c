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
        // "--only decode" skips the big table (quick look at the rollout shapes).
        bool decodeOnly = args.Get("--only") == "decode";
        foreach (var c in decodeOnly ? [] : Cases(model, tokens))
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
        DecodeShapes(model, threads, blas);
        return peak;
    }

    /// <summary>
    /// Rollout decode shapes (M = batch rows, W[N,K]ᵀ): the split-K Linear16 (bf16/fp16 weights) and
    /// LinearSplitK (FP32) against our packed MatMul and OpenBLAS on the same shape.
    /// </summary>
    private static unsafe void DecodeShapes(BenchModel model, int threads, bool blas)
    {
        var c = model.Config;
        int batch = 64;
        (string Name, int N, int K)[] shapes =
        [
            ("qkv", c.QDim + 2 * c.KvDim, c.HiddenSize), ("o_proj", c.HiddenSize, c.QDim),
            ("gate_up", 2 * c.IntermediateSize, c.HiddenSize), ("down", c.HiddenSize, c.IntermediateSize),
            ("lm_head", c.VocabSize, c.HiddenSize),
        ];
        Console.WriteLine();
        Console.WriteLine($"== decode linears y[M,N] = x·Wᵀ at M={batch}, threads={threads}, GFLOP/s");
        Console.WriteLine($"{"layer",-8} {"N",5} {"K",5} | {"Linear fp32",11} {"SplitK fp32",11} {"L16 bf16",9} {"L16 fp16",9} {"openblas",9} | {"bf16/blas",9}");
        foreach (var (name, n, k) in shapes)
        {
            var x = Filled(batch * k, 3);
            var w = Filled(n * k, 4);
            DTypeRounding.RoundInPlace(x, DType.Bf16);
            DTypeRounding.RoundInPlace(w, DType.Bf16);
            var wBf16 = new ushort[w.Length];
            var wFp16 = new ushort[w.Length];
            DTypeStorage.Pack(w, wBf16, DType.Bf16);
            DTypeStorage.Pack(w, wFp16, DType.Fp16);
            var y = new float[batch * n];
            double flops = 2.0 * batch * n * k;
            int repeats = Math.Clamp((int)(2e9 / flops), 20, 400);
            Action[] runs =
            [
                () => Gemm.Linear(x, w, y, batch, n, k, DType.Fp32),
                () => Gemm.LinearSplitK(x, w, y, batch, n, k, DType.Fp32),
                () => Gemm.Linear16(x, wBf16, DType.Bf16, y, batch, n, k, DType.Bf16),
                () => Gemm.Linear16(x, wFp16, DType.Fp16, y, batch, n, k, DType.Fp16),
            ];
            var best = new double[runs.Length + 1];
            Array.Fill(best, double.MaxValue);
            fixed (float* px = x)
            fixed (float* pw = w)
            fixed (float* py = y)
            {
                nint ax = (nint)px, aw = (nint)pw, ay = (nint)py;
                Action blasRun = () => OpenBlas.Sgemm(OpenBlas.RowMajor, OpenBlas.NoTrans, OpenBlas.Trans, batch, n, k, 1f, (float*)ax, k, (float*)aw, k, 0f, (float*)ay, n);
                foreach (var r in runs) r();
                if (blas) blasRun();
                for (int round = 0; round < repeats; round++)
                {
                    for (int i = 0; i < runs.Length; i++) best[i] = Math.Min(best[i], Timing.Once(runs[i]));
                    if (blas) best[^1] = Math.Min(best[^1], Timing.Once(blasRun));
                }
            }
            var g = best.Select(t => flops / t / 1e9).ToArray();
            string theirs = blas ? g[^1].ToString("F1") : "-", ratio = blas ? (g[2] / g[^1]).ToString("F2") : "-";
            Console.WriteLine($"{name,-8} {n,5} {k,5} | {g[0],11:F1} {g[1],11:F1} {g[2],9:F1} {g[3],9:F1} {theirs,9} | {ratio,9}");
        }
    }

    /// <summary>
    /// Peak estimate for the FLOP-utilisation figures of the other benchmarks: our best FP32 rate on
    /// 1024³ and 1536³ over many rounds (best-of, so a busy machine biases it down, not up).
    /// </summary>
    public static double PeakGflops(int threads)
    {
        GemmDriver.ThreadCount = threads;
        double peak = 0;
        foreach (var (n, rounds) in new[] { (1024, 20), (1536, 8) })
        {
            var a = Filled(n * n, 1);
            var b = Filled(n * n, 2);
            var c = new float[n * n];
            double best = Timing.BestOf(rounds, () => Gemm.MatMul(false, false, n, n, n, a, n, b, n, c, n, DType.Fp32));
            peak = Math.Max(peak, 2.0 * n * n * n / best / 1e9);
        }
        return peak;
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
        int repeats = Math.Clamp((int)(4e9 / flops), 5, 30);

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
