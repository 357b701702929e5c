namespace Precision.Orleans.Engine.Distributed;

/// <summary>
/// A gradient worker's report for one step: whether any of its micro-batch gradients held inf/NaN, the sum of squares
/// of its unscaled micro-batch gradients (a per-worker diagnostic; the clip norm comes from the shards' summed slices),
/// and how many target tokens and micro-batches it processed.
/// </summary>
public readonly record struct GradientWorkerReport(int Worker, long Step, bool Overflow, double SumSquares, int Tokens, int MicroBatches)
{
    public string Holder => $"worker-{Worker}";
}
