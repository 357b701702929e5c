namespace Precision.Orleans.Engine.Experts;

/// <summary>
/// Expert parallelism behind the rollout engine's seam: splits a sparse layer's grouped rows by
/// <see cref="ExpertPartition"/> owner (each owner's experts are one contiguous block, so its rows are one
/// contiguous range of the grouped buffer), runs the owners concurrently, and leaves every output row where the
/// local path would have written it — the engine then combines in its one fixed order.
/// </summary>
public sealed class ExpertParallelExecutor : IExpertExecutor
{
    private readonly IReadOnlyList<IExpertExecutor> _owners;

    /// <param name="owners">Owner o holds <paramref name="partition"/>.ExpertsOf(o).</param>
    public ExpertParallelExecutor(ExpertPartition partition, IReadOnlyList<IExpertExecutor> owners)
    {
        if (owners.Count != partition.Owners)
            throw new ArgumentException($"expert parallel: {owners.Count} owners given, the partition has {partition.Owners}", nameof(owners));
        Partition = partition;
        _owners = owners;
    }

    public ExpertPartition Partition { get; }

    public void RunExperts(int moeLayer, ReadOnlySpan<int> experts, ReadOnlySpan<int> rowStart, ReadOnlySpan<float> inputs, Span<float> outputs)
    {
        if (rowStart.Length != experts.Length + 1) throw new ArgumentException("expert parallel: rowStart needs one entry per expert plus the end", nameof(rowStart));
        int d = inputs.Length / Math.Max(1, rowStart[^1]);
        var calls = Partition.OwnerRuns(experts);
        // Spans cannot cross threads: the owners run on arrays; each writes a disjoint row range of the output.
        int[] expertArray = experts.ToArray(), startArray = rowStart.ToArray();
        float[] input = inputs.ToArray(), output = new float[outputs.Length];
        Parallel.ForEach(calls, call =>
        {
            int firstRow = startArray[call.From], lastRow = startArray[call.To];
            var localStart = new int[call.To - call.From + 1];
            for (int i = 0; i < localStart.Length; i++) localStart[i] = startArray[call.From + i] - firstRow;
            _owners[call.Owner].RunExperts(moeLayer, expertArray.AsSpan(call.From, call.To - call.From), localStart,
                input.AsSpan(firstRow * d, (lastRow - firstRow) * d), output.AsSpan(firstRow * d, (lastRow - firstRow) * d));
        });
        output.CopyTo(outputs);
    }
}
