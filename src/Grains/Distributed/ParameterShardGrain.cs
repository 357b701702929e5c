using Precision.Orleans.Abstractions.Grains.Distributed;
using Precision.Orleans.Engine.Distributed;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Training;
using Precision.Orleans.Grains.Placement;
using Precision.Orleans.Grains.State;

namespace Precision.Orleans.Grains.Distributed;

/// <summary>
/// A parameter shard on a learner-role silo: the <see cref="ShardOptimizer"/> numerics behind the grain interface. Calls
/// run one at a time, so gradient slices arriving together from several workers are summed in micro-batch order by the
/// optimizer's pending buffer, never in arrival order. Weight reads interleave with the step (they read the version the
/// shard holds and name it). The shard's own log is durable (grain storage: Redis on a cluster), written before
/// <see cref="Apply"/> answers, so a shard whose silo is killed still shows what it did; its optimizer state is not
/// (a re-activated shard refuses work with <see cref="DistributedStateLostException"/> until it is initialized again).
/// </summary>
[LearnerSpreadPlacement]
public sealed class ParameterShardGrain([PersistentState("shard-log", RlStorage.Name)] IPersistentState<ShardLogRecord> log)
    : Grain, IParameterShardGrain
{
    private ShardOptimizer? _optimizer;
    private long _version;
    private float[] _published = [];
    private int _attempt;

    public Task Initialize(ShardSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        long offset = setup.Offset;
        var tensors = new ParameterInfo[setup.TensorNames.Length];
        for (int i = 0; i < tensors.Length; i++)
        {
            tensors[i] = new ParameterInfo(setup.TensorNames[i], setup.TensorShapes[i], offset);
            offset += tensors[i].Count;
        }
        if (offset - setup.Offset != setup.Master.Length)
            throw new ArgumentException($"shard {setup.Shard}: its tensors hold {offset - setup.Offset} values, the master slice {setup.Master.Length}");
        var range = new ShardRange(setup.Shard, setup.FirstTensor, tensors.Length, setup.Offset, setup.Master.Length);
        var o = setup.Optimizer;
        _optimizer = new ShardOptimizer(range, tensors, setup.Master, new AdamWOptions
        {
            LearningRate = o.LearningRate, Beta1 = o.Beta1, Beta2 = o.Beta2, Epsilon = o.Epsilon, WeightDecay = o.WeightDecay,
        });
        if (setup.Moments is { } moments)
        {
            if (moments.M.Length != setup.Master.Length || moments.V.Length != setup.Master.Length)
                throw new ArgumentException($"shard {setup.Shard}: moments of {moments.M.Length}/{moments.V.Length} values for a slice of {setup.Master.Length}");
            moments.M.CopyTo(_optimizer.Optimizer.M, 0);
            moments.V.CopyTo(_optimizer.Optimizer.V, 0);
            _optimizer.Optimizer.StepCount = moments.StepCount;
        }
        _version = setup.Version;
        _published = (float[])_optimizer.Master.Clone();
        // The log is not cleared: a restart from a checkpoint logs its steps again under the new attempt.
        _attempt = setup.Attempt;
        return Task.CompletedTask;
    }

    public Task BeginStep(long step, int microBatches)
    {
        Optimizer.Begin(step, microBatches);
        return Task.CompletedTask;
    }

    public Task AddGradient(long step, int microBatch, float[] slice)
    {
        Optimizer.AddGradient(step, microBatch, slice);
        return Task.CompletedTask;
    }

    public Task<ShardReport> Reduce(long step, float lossScale)
    {
        var r = Optimizer.Reduce(step, lossScale);
        return Task.FromResult(new ShardReport(r.Shard, r.Step, r.Overflow, r.TensorNorms));
    }

    public async Task<ShardLogEntry> Apply(StepDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        var optimizer = Optimizer;
        // The scaler state is the learner's; the shard only needs the scale before and after for its log.
        var record = optimizer.Apply(new ConsensusDecision(decision.Step, decision.Apply, decision.LossScale, decision.GradNorm,
            decision.ClipCoefficient, decision.LearningRate, new LossScaleState(decision.NextLossScale, 0, 0), decision.OverflowHolders));
        if (decision.Apply)
        {
            _version = decision.Version;
            // Readers of the version get a stable copy while the next step updates the master in place.
            _published = (float[])optimizer.Master.Clone();
        }
        var entry = new ShardLogEntry(record.Shard, record.Step, record.Applied, record.LossScale, record.NextLossScale, record.OptimizerSteps,
            record.OverflowHolders, _version, WeightVersionHash.OfSlice(_published), _attempt);
        log.State.Append(entry);
        // Durable before the learner hears of it: whatever the learner counts as applied is in the stored log.
        await log.WriteStateAsync();
        return entry;
    }

    public Task<float[]> GetWeightChunk(long version, int chunk, int chunkValues)
    {
        _ = Optimizer;   // a shard re-activated empty says so, rather than "holds version 0"
        if (version != _version) throw new InvalidOperationException($"shard {Optimizer.Range.Index} holds weight version {_version}, not {version}");
        if (chunkValues < 1) throw new ArgumentOutOfRangeException(nameof(chunkValues));
        long start = (long)chunk * chunkValues;
        if (chunk < 0 || start >= _published.Length) throw new ArgumentOutOfRangeException(nameof(chunk), $"chunk {chunk} of a {_published.Length}-value slice");
        return Task.FromResult(_published.AsSpan((int)start, (int)Math.Min(chunkValues, _published.Length - start)).ToArray());
    }

    public Task<ShardSliceFile> SaveSlice(string directory)
    {
        var e = ShardCheckpoint.WriteSlice(directory, Optimizer);
        return Task.FromResult(new ShardSliceFile(e.Shard, e.File, e.Sha256, e.Offset, e.Count));
    }

    public Task LoadSlice(string directory, ShardSliceFile file, long version)
    {
        ArgumentNullException.ThrowIfNull(file);
        ShardCheckpoint.ReadSlice(directory, new ShardCheckpointEntry(file.Shard, file.File, file.Sha256, file.Offset, file.Count), Optimizer);
        _version = version;
        _published = (float[])Optimizer.Master.Clone();
        return Task.CompletedTask;
    }

    public Task<ShardMoments> GetMoments() => Task.FromResult(new ShardMoments(Optimizer.Range.Index,
        (float[])Optimizer.Optimizer.M.Clone(), (float[])Optimizer.Optimizer.V.Clone(), Optimizer.Optimizer.StepCount));

    public Task<ShardLogEntry[]> GetLog() => Task.FromResult(log.State.Entries.ToArray());

    private ShardOptimizer Optimizer => _optimizer ?? throw new DistributedStateLostException(
        $"parameter shard '{this.GetPrimaryKeyString()}' holds no state: it was never initialized, or was activated again (its silo died) since");
}
