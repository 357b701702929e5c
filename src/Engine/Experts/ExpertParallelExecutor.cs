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

    public void RunExperts(int moeLayer, ReadOnlySpan<int> experts, ReadOnlySpan<int> rowStart, ReadOnlySpan<float> inputs, Span<float> outputs) =>
        Partition.RunOwners(experts, rowStart, inputs, outputs, (o, e, start, x, y) => _owners[o].RunExperts(moeLayer, e, start, x, y));
}
