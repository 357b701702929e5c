using System.Runtime.InteropServices;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Abstractions.Grains.Distributed;
using Precision.Orleans.Engine.Experts;
using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Grains.Distributed;

/// <summary>
/// The expert workers of one expert-parallel group ("{group}/expert/{owners}/{owner}", as <see cref="ExpertWorkerGroup"/>)
/// as the training engine's <see cref="ITrainingExpertExecutor"/>: each owner gets its experts' rows (forward) and their
/// output gradients (backward) as bytes, keeps the activations and forms its experts' weight gradients; the learner
/// reads those back in chunks under the message size limit and writes them at the experts' offsets. Blocks on the
/// grain calls: the training engine is synchronous and runs off the grain scheduler.
/// </summary>
public sealed class ExpertTrainingGroup : ITrainingExpertExecutor
{
    /// <summary>Floats per gradient read: 4 MiB, well under Orleans' message size limit.</summary>
    public const int GradientChunkFloats = 1 << 20;

    private readonly IExpertWorkerGrain[] _workers;
    private readonly TrainingExpertParallelExecutor _executor;

    /// <param name="dtype">The training compute dtype the owners round the experts to.</param>
    public ExpertTrainingGroup(IGrainFactory grains, string group, ModelConfig config, DType dtype, int owners)
    {
        _workers = ExpertWorkerGroup.Workers(grains, group, config, owners);
        Config = config;
        DType = dtype;
        Partition = new ExpertPartition(config.NumExperts, owners);
        _executor = new TrainingExpertParallelExecutor(Partition, [.. _workers.Select((w, o) => (ITrainingExpertExecutor)new Owner(this, w, Partition.ExpertsOf(o)))]);
    }

    public ModelConfig Config { get; }
    public DType DType { get; }
    public ExpertPartition Partition { get; }

    /// <summary>The version the owners were last loaded with; rows are sent at it.</summary>
    public long WeightVersion { get; private set; } = -1;

    public void LoadWeights(ParameterLayout layout, ReadOnlySpan<float> master, long version)
    {
        string json = Config.ToJson(), dtype = DTypeNames.Name(DType);
        var loads = new Task[_workers.Length];
        for (int o = 0; o < _workers.Length; o++)
        {
            var experts = Partition.ExpertsOf(o);
            var slice = ExpertSet.MasterSlice(layout, master, experts);
            loads[o] = _workers[o].LoadTraining(new ExpertWeights(json, dtype, experts, version, MemoryMarshal.AsBytes(slice.AsSpan()).ToArray()));
        }
        Task.WhenAll(loads).GetAwaiter().GetResult();
        WeightVersion = version;
    }

    public void Forward(int moeLayer, ReadOnlySpan<int> experts, ReadOnlySpan<int> rowStart, ReadOnlySpan<float> inputs, Span<float> outputs) =>
        _executor.Forward(moeLayer, experts, rowStart, inputs, outputs);

    public void ZeroGradients() => Task.WhenAll(_workers.Select(w => w.ZeroGradients())).GetAwaiter().GetResult();

    public void Backward(int moeLayer, ReadOnlySpan<int> experts, ReadOnlySpan<int> rowStart, ReadOnlySpan<float> dOutputs, Span<float> dInputs) =>
        _executor.Backward(moeLayer, experts, rowStart, dOutputs, dInputs);

    public void WriteGradients(ParameterLayout layout, Span<float> gradients) => _executor.WriteGradients(layout, gradients);

    private sealed class Owner(ExpertTrainingGroup group, IExpertWorkerGrain worker, int[] experts) : ITrainingExpertExecutor
    {
        public void LoadWeights(ParameterLayout layout, ReadOnlySpan<float> master, long version) =>
            throw new NotSupportedException("the group loads its owners");

        public void Forward(int moeLayer, ReadOnlySpan<int> experts, ReadOnlySpan<int> rowStart, ReadOnlySpan<float> inputs, Span<float> outputs) =>
            Reply(worker.TrainForward(Rows(moeLayer, experts, rowStart, inputs)), outputs);

        public void ZeroGradients() => worker.ZeroGradients().GetAwaiter().GetResult();

        public void Backward(int moeLayer, ReadOnlySpan<int> experts, ReadOnlySpan<int> rowStart, ReadOnlySpan<float> dOutputs, Span<float> dInputs) =>
            Reply(worker.TrainBackward(Rows(moeLayer, experts, rowStart, dOutputs)), dInputs);

        public void WriteGradients(ParameterLayout layout, Span<float> gradients)
        {
            var slice = new float[ExpertSet.SliceLength(layout.Config, experts.Length)];
            for (long at = 0; at < slice.Length; at += GradientChunkFloats)
            {
                int count = (int)Math.Min(GradientChunkFloats, slice.Length - at);
                var chunk = worker.ReadGradients(at, count).GetAwaiter().GetResult();
                if (chunk.Length != count * sizeof(float)) throw new InvalidDataException($"expert worker replied {chunk.Length} gradient bytes for {count} floats");
                MemoryMarshal.Cast<byte, float>(chunk).CopyTo(slice.AsSpan((int)at, count));
            }
            TrainingExpertSet.ScatterSlice(layout, slice, gradients, experts);
        }

        private ExpertRows Rows(int moeLayer, ReadOnlySpan<int> experts, ReadOnlySpan<int> rowStart, ReadOnlySpan<float> rows) =>
            new(group.WeightVersion, moeLayer, experts.ToArray(), rowStart.ToArray(), MemoryMarshal.AsBytes(rows).ToArray());

        private static void Reply(Task<byte[]> call, Span<float> destination)
        {
            var reply = call.GetAwaiter().GetResult();
            if (reply.Length != destination.Length * sizeof(float))
                throw new InvalidDataException($"expert worker replied {reply.Length} bytes for {destination.Length} floats");
            MemoryMarshal.Cast<byte, float>(reply).CopyTo(destination);
        }
    }
}
