using System.Runtime.InteropServices;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Abstractions.Grains.Distributed;
using Precision.Orleans.Engine.Experts;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Grains.Placement;

namespace Precision.Orleans.Grains.Distributed;

/// <summary>
/// An expert owner: the engine's <see cref="ExpertSet"/> (rollout) and <see cref="TrainingExpertSet"/> (training forward
/// and backward) behind the grain interface. Calls run one at a time. Placed by its key (<see cref="ExpertWorkerPlacementAttribute"/>):
/// a training group's owners on learner-role silos, a rollout group's where Orleans' default placement puts them.
/// </summary>
[ExpertWorkerPlacement]
public sealed class ExpertWorkerGrain : Grain, IExpertWorkerGrain
{
    private ExpertSet? _set;
    private string _configJson = "";
    private TrainingExpertSet? _training;
    private string _trainingConfigJson = "";
    private float[]? _gradientSlice; // the last backward's gradients, read in chunks
    private long _rowsServed; // rollout rows run here since activation (tests check the experts really ran here)
    private long _trainingRowsServed; // training forward and backward rows run here since activation

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
        var set = _set ?? throw new DistributedStateLostException($"expert worker {this.GetPrimaryKeyString()}: no experts loaded");
        if (set.WeightVersion != rows.WeightVersion)
            throw new InvalidOperationException($"expert worker {this.GetPrimaryKeyString()}: rows are for weights v{rows.WeightVersion}, it holds v{set.WeightVersion}");
        var outputs = new byte[rows.Inputs.Length];
        set.RunExperts(rows.MoeLayer, rows.Experts, rows.RowStart, MemoryMarshal.Cast<byte, float>(rows.Inputs), MemoryMarshal.Cast<byte, float>(outputs.AsSpan()));
        _rowsServed += RowCount(rows);
        return Task.FromResult(outputs);
    }

    public Task<long> GetRowsServed() => Task.FromResult(_rowsServed);

    public Task<long> GetTrainingRowsServed() => Task.FromResult(_trainingRowsServed);

    private static long RowCount(ExpertRows rows) => rows.RowStart.Length > 0 ? rows.RowStart[^1] - rows.RowStart[0] : 0;

    public Task<long> GetWeightVersion() => Task.FromResult(_set?.WeightVersion ?? -1);

    public Task LoadTraining(ExpertWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var dtype = DTypeNames.Parse(weights.RolloutDType);
        if (_training is null || _trainingConfigJson != weights.ModelConfigJson || _training.DType != dtype || !_training.Experts.SequenceEqual(weights.Experts))
        {
            _training = new TrainingExpertSet(ModelConfig.FromJson(weights.ModelConfigJson, $"expert worker {this.GetPrimaryKeyString()}"), dtype, weights.Experts);
            _trainingConfigJson = weights.ModelConfigJson;
        }
        // No shortcut at an equal version: a rebuilt training engine numbers its loads from 0 again.
        if (weights.Master.Length % sizeof(float) != 0)
            throw new ArgumentException($"expert worker {this.GetPrimaryKeyString()}: {weights.Master.Length} weight bytes are not whole floats");
        _training.Load(MemoryMarshal.Cast<byte, float>(weights.Master), weights.Version);
        return Task.CompletedTask;
    }

    public Task<byte[]> TrainForward(ExpertRows rows)
    {
        var set = Training(rows);
        var outputs = new byte[rows.Inputs.Length];
        set.Forward(rows.MoeLayer, rows.Experts, rows.RowStart, MemoryMarshal.Cast<byte, float>(rows.Inputs), MemoryMarshal.Cast<byte, float>(outputs.AsSpan()));
        _trainingRowsServed += RowCount(rows);
        return Task.FromResult(outputs);
    }

    public Task ZeroGradients()
    {
        (_training ?? throw new DistributedStateLostException($"expert worker {this.GetPrimaryKeyString()}: no training experts loaded")).ZeroGradients();
        _gradientSlice = null;
        return Task.CompletedTask;
    }

    public Task<byte[]> TrainBackward(ExpertRows rows)
    {
        var set = Training(rows);
        var dInputs = new byte[rows.Inputs.Length];
        set.Backward(rows.MoeLayer, rows.Experts, rows.RowStart, MemoryMarshal.Cast<byte, float>(rows.Inputs), MemoryMarshal.Cast<byte, float>(dInputs.AsSpan()));
        _gradientSlice = null;
        _trainingRowsServed += RowCount(rows);
        return Task.FromResult(dInputs);
    }

    public Task<byte[]> ReadGradients(long offset, int count)
    {
        var set = _training ?? throw new DistributedStateLostException($"expert worker {this.GetPrimaryKeyString()}: no training experts loaded");
        _gradientSlice ??= set.GradientSlice();
        if (offset < 0 || count < 0 || offset + count > _gradientSlice.Length)
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"expert worker {this.GetPrimaryKeyString()}: gradient range [{offset}, +{count}) outside [0, {_gradientSlice.Length})");
        return Task.FromResult(MemoryMarshal.AsBytes(_gradientSlice.AsSpan((int)offset, count)).ToArray());
    }

    private TrainingExpertSet Training(ExpertRows rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var set = _training ?? throw new DistributedStateLostException($"expert worker {this.GetPrimaryKeyString()}: no training experts loaded");
        if (set.WeightVersion != rows.WeightVersion)
            throw new InvalidOperationException($"expert worker {this.GetPrimaryKeyString()}: training rows are for weights v{rows.WeightVersion}, it holds v{set.WeightVersion}");
        return set;
    }
}
