using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Engine.Experts;

/// <summary>
/// Expert-parallel rollout in one process: one <see cref="ExpertSet"/> per <see cref="ExpertPartition"/> block behind an
/// <see cref="ExpertParallelExecutor"/>, loaded from the policy's FP32 masters at each published version (the embedded
/// trainer's counterpart of the cluster's ExpertWorker grains).
/// </summary>
public sealed class InProcessExpertGroup : IExpertExecutor
{
    private readonly ExpertSet[] _sets;
    private readonly ExpertParallelExecutor _executor;

    public InProcessExpertGroup(ModelConfig config, DType dtype, int owners, Backends.IKernelSet? kernels = null)
    {
        var partition = new ExpertPartition(config.NumExperts, owners);
        _sets = [.. Enumerable.Range(0, owners).Select(o => new ExpertSet(config, dtype, partition.ExpertsOf(o), kernels))];
        _executor = new ExpertParallelExecutor(partition, _sets);
        Layout = new ParameterLayout(config);
    }

    public ParameterLayout Layout { get; }
    public ExpertPartition Partition => _executor.Partition;

    /// <summary>Loads every owner's experts from the FP32 master weights at <paramref name="version"/>.</summary>
    public void Load(ReadOnlySpan<float> master, long version)
    {
        foreach (var set in _sets) set.Load(ExpertSet.MasterSlice(Layout, master, set.Experts), version);
    }

    public void RunExperts(int moeLayer, ReadOnlySpan<int> experts, ReadOnlySpan<int> rowStart, ReadOnlySpan<float> inputs, Span<float> outputs) =>
        _executor.RunExperts(moeLayer, experts, rowStart, inputs, outputs);
}
