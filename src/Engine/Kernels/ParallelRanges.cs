namespace Precision.Orleans.Engine.Kernels;

/// <summary>
/// Splits [0, count) into contiguous ranges run on up to <see cref="GemmDriver.ThreadCount"/> threads (the same cap as
/// the GEMM, so a benchmark pinned to N threads uses N everywhere). Each index is processed exactly once by the same
/// code whatever the split, so per-row work gives identical results serial or parallel.
/// </summary>
internal static class ParallelRanges
{
    /// <summary>Below this much work (≈ elements touched) per thread, waking another thread costs more than it saves.</summary>
    public const long MinWorkPerThread = 1 << 15;

    /// <param name="workPerItem">rough cost of one index (elements touched), to decide how many threads pay off.</param>
    public static void For(int count, long workPerItem, Action<int, int> body)
    {
        if (count <= 0) return;
        long threads = Math.Clamp(count * Math.Max(1, workPerItem) / MinWorkPerThread, 1, Math.Max(1, GemmDriver.ThreadCount));
        threads = Math.Min(threads, count);
        if (threads <= 1)
        {
            body(0, count);
            return;
        }
        // A few parts per thread, so a pool thread that wakes late (busy machine) still takes a share.
        int parts = (int)Math.Min(count, threads * 4);
        Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = (int)threads }, p =>
        {
            int lo = (int)((long)count * p / parts), hi = (int)((long)count * (p + 1) / parts);
            if (hi > lo) body(lo, hi);
        });
    }

    /// <summary>One call per index in [0, count), on up to <see cref="GemmDriver.ThreadCount"/> threads.</summary>
    public static void ForEach(int count, Action<int> body)
    {
        if (count <= 0) return;
        int threads = Math.Max(1, Math.Min(count, GemmDriver.ThreadCount));
        if (threads == 1)
        {
            for (int i = 0; i < count; i++) body(i);
            return;
        }
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = threads }, body);
    }
}
