using System.Numerics.Tensors;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Training;

namespace Precision.Orleans.Engine.Distributed;

/// <summary>
/// The numerics of one parameter shard: its slice of the FP32 master weights, AdamW moments over that slice, and the
/// step's gradient sum. Gradient slices arrive keyed by micro-batch index and are summed in index order (copy the
/// first, then <c>+=</c> each next one), never in arrival order: exactly the FP32 sum <see cref="TrainingEngine.Backward"/>
/// accumulates in one process. The shard steps only when a <see cref="ConsensusDecision"/> for the step it reduced
/// tells it to, and logs every decision it applied or skipped.
/// </summary>
public sealed class ShardOptimizer
{
    private readonly SortedDictionary<int, float[]> _pending = [];
    private readonly List<ShardStepRecord> _log = [];
    private long _collectingStep = -1;
    private int _microBatches;
    private int _nextToSum;
    private long _reducedStep = -1;

    public ShardOptimizer(ShardRange range, IReadOnlyList<ParameterInfo> tensors, ReadOnlySpan<float> master, AdamWOptions options)
    {
        if (master.Length != range.Count) throw new ArgumentException($"shard {range.Index} holds {range.Count} values, got a master slice of {master.Length}");
        Range = range;
        Tensors = tensors;
        Master = master.ToArray();
        Optimizer = new AdamW(range.Count, options);
        Gradient = new float[range.Count];
    }

    public ShardRange Range { get; }
    public IReadOnlyList<ParameterInfo> Tensors { get; }

    /// <summary>This shard's FP32 master slice at the current weight version.</summary>
    public float[] Master { get; }

    /// <summary>AdamW over the slice (moments and step count: the slice of the one-process optimizer's state).</summary>
    public AdamW Optimizer { get; }

    /// <summary>The step's summed (scaled, then unscaled by <see cref="Reduce"/>) gradient slice.</summary>
    public float[] Gradient { get; }

    /// <summary>Every decision this shard received, in step order.</summary>
    public IReadOnlyList<ShardStepRecord> Log => _log;

    /// <summary>Starts collecting step <paramref name="step"/>'s gradients, of <paramref name="microBatches"/> micro-batches.</summary>
    public void Begin(long step, int microBatches)
    {
        if (microBatches < 1) throw new ArgumentException($"a step needs at least one micro-batch, got {microBatches}");
        _pending.Clear();
        Array.Clear(Gradient);
        _collectingStep = step;
        _microBatches = microBatches;
        _nextToSum = 0;
        _reducedStep = -1;
    }

    /// <summary>Receives micro-batch <paramref name="microBatch"/>'s gradient slice (scaled); sums every slice whose predecessors are all in.</summary>
    public void AddGradient(long step, int microBatch, ReadOnlySpan<float> slice)
    {
        if (step != _collectingStep) throw new InvalidOperationException($"shard {Range.Index} is collecting step {_collectingStep}, got a gradient for step {step}");
        if ((uint)microBatch >= (uint)_microBatches) throw new ArgumentOutOfRangeException(nameof(microBatch), $"micro-batch {microBatch} of {_microBatches}");
        if (slice.Length != Gradient.Length) throw new ArgumentException($"shard {Range.Index} holds {Gradient.Length} values, got a gradient slice of {slice.Length}");
        // A re-sent slice (a retried worker) must be the same gradient: from the same weights it is, bit for bit.
        if (microBatch < _nextToSum || !_pending.TryAdd(microBatch, slice.ToArray())) return;
        while (_pending.Remove(_nextToSum, out var next))
        {
            if (_nextToSum == 0) next.CopyTo(Gradient, 0);
            else TensorPrimitives.Add(Gradient, next, Gradient);
            _nextToSum++;
        }
    }

    /// <summary>Whether every micro-batch of the step has been summed.</summary>
    public bool Complete => _collectingStep >= 0 && _nextToSum == _microBatches;

    /// <summary>
    /// The step's overflow check on the summed scaled slice, then the unscale (×(1/scale) computed in double, as
    /// GradScaler) and the per-tensor norms. Refuses while a micro-batch is missing.
    /// </summary>
    public ShardReduction Reduce(long step, float lossScale)
    {
        if (step != _collectingStep || !Complete)
            throw new InvalidOperationException($"shard {Range.Index} cannot reduce step {step}: it has summed {_nextToSum} of {_microBatches} micro-batches of step {_collectingStep}");
        if (_reducedStep == step) throw new InvalidOperationException($"shard {Range.Index} already reduced step {step}");
        bool overflow = LossScaler.HasNonFinite(Gradient);
        if (lossScale != 1f) TensorPrimitives.Multiply(Gradient, (float)(1.0 / lossScale), Gradient);
        _reducedStep = step;
        return new ShardReduction(Range.Index, step, overflow, GradientNorms.PerTensor(Gradient, Tensors, Range.Offset));
    }

    /// <summary>
    /// Applies (clip, AdamW) or skips the step the consensus decided, then clears the gradient. A shard that has not
    /// reduced the decision's step refuses it: no shard ever steps on a partial or stale sum.
    /// </summary>
    public ShardStepRecord Apply(ConsensusDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        if (decision.Step != _reducedStep)
            throw new InvalidOperationException($"shard {Range.Index} got the decision for step {decision.Step} but has reduced step {_reducedStep}");
        if (decision.Apply)
        {
            if (decision.ClipCoefficient is { } coef) TensorPrimitives.Multiply(Gradient, coef, Gradient);
            Optimizer.Step(Master, Gradient, decision.LearningRate);
        }
        Array.Clear(Gradient);
        _reducedStep = -1;
        _collectingStep = -1;
        var record = new ShardStepRecord(Range.Index, decision.Step, decision.Apply, decision.LossScale, decision.NextLossScale,
            Optimizer.StepCount, string.Join(",", decision.OverflowHolders));
        _log.Add(record);
        return record;
    }
}
