using System.Runtime.InteropServices;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Abstractions.Grains.Distributed;
using Precision.Orleans.Engine.Experts;
using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Grains.Distributed;

/// <summary>An expert owner: the engine's <see cref="ExpertSet"/> behind the grain interface. Calls run one at a time.</summary>
public sealed class ExpertWorkerGrain : Grain, IExpertWorkerGrain
{
    private ExpertSet? _set;
    private string _configJson = "";

    public Task Load(ExpertWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var dtype = DTypeNames.Parse(weights.RolloutDType);
        if (_set is null || _configJson != weights.ModelConfigJson || _set.DType != dtype || !_set.Experts.SequenceEqual(weights.Experts))
        {
            _set = new ExpertSet(ModelConfig.FromJson(weights.ModelConfigJson, $"expert worker {this.GetPrimaryKeyString()}"), dtype, weights.Experts);
            _configJson = weights.ModelConfigJson;
        }
        else if (_set.WeightVersion == weights.Version) return Task.CompletedTask;
        if (weights.Master.Length % sizeof(float) != 0)
            throw new ArgumentException($"expert worker {this.GetPrimaryKeyString()}: {weights.Master.Length} weight bytes are not whole floats");
        _set.Load(MemoryMarshal.Cast<byte, float>(weights.Master), weights.Version);
        return Task.CompletedTask;
    }

    public Task<byte[]> Run(ExpertRows rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var set = _set ?? throw new InvalidOperationException($"expert worker {this.GetPrimaryKeyString()}: no experts loaded");
        if (set.WeightVersion != rows.WeightVersion)
            throw new InvalidOperationException($"expert worker {this.GetPrimaryKeyString()}: rows are for weights v{rows.WeightVersion}, it holds v{set.WeightVersion}");
        var outputs = new byte[rows.Inputs.Length];
        set.RunExperts(rows.MoeLayer, rows.Experts, rows.RowStart, MemoryMarshal.Cast<byte, float>(rows.Inputs), MemoryMarshal.Cast<byte, float>(outputs.AsSpan()));
        return Task.FromResult(outputs);
    }

    public Task<long> GetWeightVersion() => Task.FromResult(_set?.WeightVersion ?? -1);
}
