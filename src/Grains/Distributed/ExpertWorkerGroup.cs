using System.Runtime.InteropServices;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Abstractions.Grains.Distributed;
using Precision.Orleans.Engine.Experts;
using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Grains.Distributed;

/// <summary>
/// The expert workers of one expert-parallel group ("{group}/expert/{owners}/{owner}", owner o holding
/// <see cref="ExpertPartition"/>.ExpertsOf(o)) as the rollout engine's <see cref="IExpertExecutor"/>: each owner gets its
/// experts' routed rows as bytes and returns their outputs; the engine combines in its fixed order. The owners hold one
/// weight version at a time, so rollout engines at different versions need different group names (rows at another
/// version are refused, never computed with the wrong weights).
/// </summary>
public sealed class ExpertWorkerGroup : IExpertExecutor
{
    private readonly IExpertWorkerGrain[] _workers;
    private readonly ExpertParallelExecutor _executor;

    public ExpertWorkerGroup(IGrainFactory grains, string group, ModelConfig config, DType dtype, int owners)
    {
        _workers = Workers(grains, group, config, owners);
        Config = config;
        DType = dtype;
        Partition = new ExpertPartition(config.NumExperts, owners);
        _executor = new ExpertParallelExecutor(Partition, [.. _workers.Select(w => (IExpertExecutor)new Owner(this, w))]);
    }

    /// <summary>The group's expert workers, owner o keyed "{group}/expert/{owners}/{o}" (refused for a dense model).</summary>
    internal static IExpertWorkerGrain[] Workers(IGrainFactory grains, string group, ModelConfig config, int owners)
    {
        ArgumentNullException.ThrowIfNull(grains);
        if (!config.IsMoe) throw new ArgumentException($"expert-parallel group '{group}': model type {config.ModelType} has no experts (expert parallelism needs qwen3_moe)", nameof(config));
        return [.. Enumerable.Range(0, owners).Select(o => grains.GetGrain<IExpertWorkerGrain>($"{group}/expert/{owners}/{o}"))];
    }

    public ModelConfig Config { get; }
    public DType DType { get; }
    public ExpertPartition Partition { get; }

    /// <summary>The version the owners were last loaded with; rows are sent at it.</summary>
    public long WeightVersion { get; private set; } = -1;

    /// <summary>Sends every owner its experts' FP32 master slice at <paramref name="version"/>, in parallel.</summary>
    public async Task LoadAsync(ReadOnlyMemory<float> master, long version)
    {
        var layout = new ParameterLayout(Config);
        string json = Config.ToJson(), dtype = DTypeNames.Name(DType);
        await Task.WhenAll(_workers.Select((w, o) =>
        {
            var experts = Partition.ExpertsOf(o);
            var slice = ExpertSet.MasterSlice(layout, master.Span, experts);
            return w.Load(new ExpertWeights(json, dtype, experts, version, MemoryMarshal.AsBytes(slice.AsSpan()).ToArray()));
        }));
        WeightVersion = version;
    }

    /// <summary>Blocks on the owners' calls: the engine's decode step is synchronous and runs off the grain scheduler.</summary>
    public void RunExperts(int moeLayer, ReadOnlySpan<int> experts, ReadOnlySpan<int> rowStart, ReadOnlySpan<float> inputs, Span<float> outputs) =>
        _executor.RunExperts(moeLayer, experts, rowStart, inputs, outputs);

    private sealed class Owner(ExpertWorkerGroup group, IExpertWorkerGrain worker) : IExpertExecutor
    {
        public void RunExperts(int moeLayer, ReadOnlySpan<int> experts, ReadOnlySpan<int> rowStart, ReadOnlySpan<float> inputs, Span<float> outputs)
        {
            var request = new ExpertRows(group.WeightVersion, moeLayer, experts.ToArray(), rowStart.ToArray(), MemoryMarshal.AsBytes(inputs).ToArray());
            var reply = worker.Run(request).GetAwaiter().GetResult();
            if (reply.Length != outputs.Length * sizeof(float))
                throw new InvalidDataException($"expert worker replied {reply.Length} bytes for {outputs.Length} floats");
            MemoryMarshal.Cast<byte, float>(reply).CopyTo(outputs);
        }
    }
}
