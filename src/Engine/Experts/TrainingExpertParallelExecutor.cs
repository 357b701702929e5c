using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Engine.Experts;

/// <summary>
/// Expert parallelism behind the training engine's seam: splits a sparse layer's grouped rows by
/// <see cref="ExpertPartition"/> owner (one contiguous row range each), runs the owners concurrently forward and
/// backward, and leaves every output and input-gradient row where the local path would have written it. Each
/// expert's weight gradient is formed on its one owner over its rows in the engine's order, so the gradients the
/// owners write back are the engine's own, bit for bit.
/// </summary>
public sealed class TrainingExpertParallelExecutor : ITrainingExpertExecutor
{
    private readonly IReadOnlyList<ITrainingExpertExecutor> _owners;

    /// <param name="owners">Owner o holds <paramref name="partition"/>.ExpertsOf(o).</param>
    public TrainingExpertParallelExecutor(ExpertPartition partition, IReadOnlyList<ITrainingExpertExecutor> owners)
    {
        if (owners.Count != partition.Owners)
            throw new ArgumentException($"expert parallel: {owners.Count} owners given, the partition has {partition.Owners}", nameof(owners));
        Partition = partition;
        _owners = owners;
    }

    public ExpertPartition Partition { get; }

    /// <summary>In-process owners: one <see cref="TrainingExpertSet"/> per block of <paramref name="partition"/>.</summary>
    public static TrainingExpertParallelExecutor InProcess(ModelConfig config, Abstractions.DType dtype, int owners, Backends.IKernelSet? kernels = null)
    {
        var partition = new ExpertPartition(config.NumExperts, owners);
        return new(partition, [.. Enumerable.Range(0, owners).Select(o => (ITrainingExpertExecutor)new TrainingExpertSet(config, dtype, partition.ExpertsOf(o), kernels))]);
    }

    public void LoadWeights(ParameterLayout layout, ReadOnlySpan<float> master, long version)
    {
        foreach (var owner in _owners) owner.LoadWeights(layout, master, version);
    }

    public void Forward(int moeLayer, ReadOnlySpan<int> experts, ReadOnlySpan<int> rowStart, ReadOnlySpan<float> inputs, Span<float> outputs) =>
        Partition.RunOwners(experts, rowStart, inputs, outputs, (o, e, start, x, y) => _owners[o].Forward(moeLayer, e, start, x, y));

    public void ZeroGradients()
    {
        foreach (var owner in _owners) owner.ZeroGradients();
    }

    public void Backward(int moeLayer, ReadOnlySpan<int> experts, ReadOnlySpan<int> rowStart, ReadOnlySpan<float> dOutputs, Span<float> dInputs) =>
        Partition.RunOwners(experts, rowStart, dOutputs, dInputs, (o, e, start, dy, dx) => _owners[o].Backward(moeLayer, e, start, dy, dx));

    public void WriteGradients(ParameterLayout layout, Span<float> gradients)
    {
        foreach (var owner in _owners) owner.WriteGradients(layout, gradients);
    }
}
