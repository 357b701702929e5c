namespace Precision.Orleans.Engine.Distributed;

/// <summary>
/// Each gradient worker's fixed share of a mini-batch: consecutive micro-batches, worker w before worker w+1, sizes
/// differing by at most one (the first workers take the extra). Worker order is therefore micro-batch order, and a shard
/// that sums by (worker, micro-batch) sums exactly as one process accumulates its micro-batches.
/// </summary>
public static class DataParallelShares
{
    /// <summary>Worker <paramref name="worker"/>'s micro-batches <c>[First, First + Count)</c> of <paramref name="microBatches"/>.</summary>
    public static (int First, int Count) Of(int microBatches, int workers, int worker)
    {
        if (workers < 1) throw new ArgumentException($"parallel.gradient_workers must be at least 1, got {workers}");
        if ((uint)worker >= (uint)workers) throw new ArgumentOutOfRangeException(nameof(worker), $"worker {worker} of {workers}");
        if (microBatches < 0) throw new ArgumentOutOfRangeException(nameof(microBatches));
        int baseCount = microBatches / workers, extra = microBatches % workers;
        int first = worker * baseCount + Math.Min(worker, extra);
        return (first, baseCount + (worker < extra ? 1 : 0));
    }
}
