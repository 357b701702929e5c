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
        RunOwners(experts, rowStart, inputs, outputs, (owner, e, start, x, y) => owner.Forward(moeLayer, e, start, x, y));

    public void ZeroGradients()
    {
        foreach (var owner in _owners) owner.ZeroGradients();
    }

    public void Backward(int moeLayer, ReadOnlySpan<int> experts, ReadOnlySpan<int> rowStart, ReadOnlySpan<float> dOutputs, Span<float> dInputs) =>
        RunOwners(experts, rowStart, dOutputs, dInputs, (owner, e, start, dy, dx) => owner.Backward(moeLayer, e, start, dy, dx));

    public void WriteGradients(ParameterLayout layout, Span<float> gradients)
    {
        foreach (var owner in _owners) owner.WriteGradients(layout, gradients);
    }

    private delegate void OwnerCall(ITrainingExpertExecutor owner, ReadOnlySpan<int> experts, ReadOnlySpan<int> rowStart, ReadOnlySpan<float> rowsIn, Span<float> rowsOut);

    private void RunOwners(ReadOnlySpan<int> experts, ReadOnlySpan<int> rowStart, ReadOnlySpan<float> rowsIn, Span<float> rowsOut, OwnerCall call)
    {
        if (rowStart.Length != experts.Length + 1) throw new ArgumentException("expert parallel: rowStart needs one entry per expert plus the end", nameof(rowStart));
        int rows = rowStart[^1];
        if (rows == 0) return;
        int d = rowsIn.Length / rows;
        var runs = Partition.OwnerRuns(experts);
        // Spans cannot cross threads: the owners run on arrays; each writes a disjoint row range.
        int[] expertArray = experts.ToArray(), startArray = rowStart.ToArray();
        float[] input = rowsIn[..(rows * d)].ToArray(), output = new float[rows * d];
        Parallel.ForEach(runs, run =>
        {
            int firstRow = startArray[run.From], lastRow = startArray[run.To];
            var localStart = new int[run.To - run.From + 1];
            for (int i = 0; i < localStart.Length; i++) localStart[i] = startArray[run.From + i] - firstRow;
            call(_owners[run.Owner], expertArray.AsSpan(run.From, run.To - run.From), localStart,
                input.AsSpan(firstRow * d, (lastRow - firstRow) * d), output.AsSpan(firstRow * d, (lastRow - firstRow) * d));
        });
        output.CopyTo(rowsOut);
    }
}
