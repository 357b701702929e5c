using System.Runtime.CompilerServices;
using System.Numerics.Tensors;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Numerics;

namespace Precision.Orleans.Engine.Kernels;

/// <summary>
/// The blocked loops around the micro-kernel (Goto/BLIS: jc → pc → ic → ir → jr), the split of a
/// large problem across threads, and the epilogue that rounds each output once to the out dtype.
/// </summary>
internal static unsafe class GemmDriver
{
    /// <summary>Threads a large GEMM may use; the benchmark pins it to match its peers.</summary>
    public static int ThreadCount { get; set; } = Environment.ProcessorCount;

    public static void MatMul(bool transA, bool transB, int m, int n, int k,
        float* a, int lda, float* b, int ldb, float* c, int ldc, DType outDtype, bool accumulate)
    {
        long work = (long)m * n * k;
        if (k == 0 || work <= GemmBlocking.SmallWork)
        {
            MatMulSerial(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, outDtype, accumulate);
            return;
        }
        int threads = (int)Math.Clamp(work / GemmBlocking.WorkPerThread, 1, Math.Max(1, ThreadCount));
        // Every part packs the whole of the operand it does not split (B when rows are split, A when
        // columns are), so split the longer side: the redundant packing per multiply-add is then
        // parts / max(m, n). Each output keeps its own FMA chain, so the split changes nothing numerically.
        int rowTiles = (m + GemmBlocking.MR - 1) / GemmBlocking.MR, columnTiles = (n + GemmBlocking.NR - 1) / GemmBlocking.NR;
        bool splitColumns = columnTiles >= threads && (n >= m || rowTiles < threads);
        int unit = splitColumns ? GemmBlocking.NR : GemmBlocking.MR;
        int extent = splitColumns ? n : m;
        int tiles = (extent + unit - 1) / unit;
        threads = Math.Min(threads, tiles);
        if (threads <= 1)
        {
            Serial(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, outDtype, accumulate);
            return;
        }
        // Two parts per thread, so a pool thread that wakes late (busy machine) still takes a share
        // instead of finding the caller has done everything; more would multiply the redundant packing.
        int parts = (int)Math.Min(Math.Min(tiles, threads * 2L), Math.Max(threads, work / GemmBlocking.WorkPerThread));
        nint pa = (nint)a, pb = (nint)b, pc = (nint)c;
        Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            int lo = (int)((long)tiles * t / parts) * unit;
            int hi = Math.Min(extent, (int)((long)tiles * (t + 1) / parts) * unit);
            if (hi <= lo) return;
            float* a0 = (float*)pa, b0 = (float*)pb, c0 = (float*)pc;
            if (splitColumns)
                Serial(transA, transB, m, hi - lo, k, a0, lda,
                    transB ? b0 + (long)lo * ldb : b0 + lo, ldb, c0 + lo, ldc, outDtype, accumulate);
            else
                Serial(transA, transB, hi - lo, n, k, transA ? a0 + lo : a0 + (long)lo * lda, lda,
                    b0, ldb, c0 + (long)lo * ldc, ldc, outDtype, accumulate);
        });
    }

    /// <summary>The whole product on the calling thread: the scalar loop for tiny shapes, else the packed kernel.</summary>
    public static void MatMulSerial(bool transA, bool transB, int m, int n, int k,
        float* a, int lda, float* b, int ldb, float* c, int ldc, DType outDtype, bool accumulate)
    {
        if (k == 0)
        {
            // An empty sum is +0; adding +0 in accumulate mode leaves C as it is.
            if (!accumulate)
                for (int i = 0; i < m; i++) new Span<float>(c + (long)i * ldc, n).Clear();
            return;
        }
        if ((long)m * n * k <= GemmBlocking.SmallWork)
            Scalar(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, outDtype, accumulate);
        else
            Serial(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, outDtype, accumulate);
    }

    /// <summary>One thread's share: packed blocks, micro-kernel tiles, rounding epilogue.</summary>
    // Hot loops: compile fully optimised at once instead of running tier-0 code for the first calls.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Serial(bool transA, bool transB, int m, int n, int k,
        float* a, int lda, float* b, int ldb, float* c, int ldc, DType outDtype, bool accumulate)
    {
        int nr = GemmBlocking.NR;
        const int mr = GemmBlocking.MR;
        var scratch = GemmScratch.Current;
        // Accumulate mode must add round(A·B) to C, not continue the FMA chain from C's old value:
        // build the product in scratch, then round it and add it.
        float* target = c;
        int ldt = ldc;
        if (accumulate)
        {
            target = scratch.Result((long)m * n);
            ldt = n;
        }
        bool round = outDtype != DType.Fp32;
        float* packB = scratch.PackB((long)GemmBlocking.KC * RoundUp(Math.Min(n, GemmBlocking.NC), nr));
        float* packA = scratch.PackA((long)RoundUp(Math.Min(m, GemmBlocking.MC), mr) * GemmBlocking.KC);
        float* edge = stackalloc float[mr * 32 + 16];
        edge = (float*)(((nint)edge + 63) & ~(nint)63);
        var kernel = GemmBlocking.NR == 32 ? (delegate*<int, float*, float*, float*, int, bool, void>)&GemmMicroKernel.Kernel512
                                           : &GemmMicroKernel.Kernel256;

        // Equal blocks rather than full blocks plus a thin remainder (n = 576 → one block of 576, not
        // 512 + 64, which would pack A twice and run a mostly-empty pass). Each bound stays ≤ its cap.
        int ncBlock = Balanced(n, GemmBlocking.NC, nr), kcBlock = Balanced(k, GemmBlocking.KC, 1), mcBlock = Balanced(m, GemmBlocking.MC, mr);
        for (int jc = 0; jc < n; jc += ncBlock)
        {
            int nc = Math.Min(ncBlock, n - jc);
            for (int pc = 0; pc < k; pc += kcBlock)
            {
                int kc = Math.Min(kcBlock, k - pc);
                bool first = pc == 0, last = pc + kc == k;
                GemmPacking.PackB(transB, transB ? b + (long)jc * ldb + pc : b + (long)pc * ldb + jc, ldb, kc, nc, packB);
                for (int ic = 0; ic < m; ic += mcBlock)
                {
                    int mc = Math.Min(mcBlock, m - ic);
                    GemmPacking.PackA(transA, transA ? a + (long)pc * lda + ic : a + (long)ic * lda + pc, lda, mc, kc, packA);
                    for (int ir = 0; ir < mc; ir += mr)
                    {
                        int rows = Math.Min(mr, mc - ir);
                        float* ap = packA + (long)ir * kc;
                        for (int jr = 0; jr < nc; jr += nr)
                        {
                            int cols = Math.Min(nr, nc - jr);
                            float* bp = packB + (long)jr * kc;
                            float* ct = target + (long)(ic + ir) * ldt + jc + jr;
                            if (rows == mr && cols == nr)
                            {
                                kernel(kc, ap, bp, ct, ldt, !first);
                                if (last && round && !accumulate)
                                    for (int r = 0; r < mr; r++) DTypeRounding.RoundInPlace(new Span<float>(ct + (long)r * ldt, nr), outDtype);
                            }
                            else
                            {
                                // Edge tile: run the full kernel on a local tile and copy the valid part.
                                if (!first)
                                    for (int r = 0; r < rows; r++)
                                        new ReadOnlySpan<float>(ct + (long)r * ldt, cols).CopyTo(new Span<float>(edge + r * nr, cols));
                                kernel(kc, ap, bp, edge, nr, !first);
                                for (int r = 0; r < rows; r++)
                                {
                                    var dst = new Span<float>(ct + (long)r * ldt, cols);
                                    new ReadOnlySpan<float>(edge + r * nr, cols).CopyTo(dst);
                                    if (last && round && !accumulate) DTypeRounding.RoundInPlace(dst, outDtype);
                                }
                            }
                        }
                    }
                }
            }
        }

        if (accumulate)
            for (int i = 0; i < m; i++)
            {
                var product = new Span<float>(target + (long)i * n, n);
                DTypeRounding.RoundInPlace(product, outDtype);
                var crow = new Span<float>(c + (long)i * ldc, n);
                TensorPrimitives.Add(crow, product, crow);
            }
    }

    /// <summary>
    /// Tiny problems: the same arithmetic as the micro-kernel (one fused chain per output over k
    /// ascending), so results are bit-identical whichever path a shape takes.
    /// </summary>
    // Hot loops: compile fully optimised at once instead of running tier-0 code for the first calls.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Scalar(bool transA, bool transB, int m, int n, int k,
        float* a, int lda, float* b, int ldb, float* c, int ldc, DType outDtype, bool accumulate)
    {
        long aRow = transA ? 1 : lda, aCol = transA ? lda : 1;
        long bRow = transB ? 1 : ldb, bCol = transB ? ldb : 1;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                float acc = 0f;
                float* ap = a + i * aRow;
                float* bp = b + j * bCol;
                for (int p = 0; p < k; p++) acc = MathF.FusedMultiplyAdd(ap[p * aCol], bp[p * bRow], acc);
                acc = DTypeRounding.Round(acc, outDtype);
                float* cij = c + (long)i * ldc + j;
                *cij = accumulate ? *cij + acc : acc;
            }
    }

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

    /// <summary>Block size ≤ <paramref name="cap"/> (a multiple of <paramref name="unit"/>) splitting <paramref name="extent"/> into equal blocks.</summary>
    private static int Balanced(int extent, int cap, int unit)
    {
        int blocks = (extent + cap - 1) / cap;
        return Math.Min(cap, RoundUp((extent + blocks - 1) / blocks, unit));
    }
}
