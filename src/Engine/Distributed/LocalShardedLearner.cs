using Precision.Orleans.Engine.Training;

namespace Precision.Orleans.Engine.Distributed;

/// <summary>
/// The distributed learner's protocol run in one process, over N gradient-worker engines and S shard optimizers: per
/// optimizer step the workers load the current weight version (assembled from the shards) and the loss scale, compute
/// their fixed share of the micro-batches and send each micro-batch's gradient slices to the shards; the shards sum
/// them in micro-batch order and report; the consensus decides; every shard applies the same decision. The grains
/// run the same steps across silos; this is the numerics' reference and the bench's baseline.
/// </summary>
public sealed class LocalShardedLearner
{
    private readonly TrainingEngine[] _workers;
    private readonly float[] _frozenBase;

    /// <param name="workers">One engine per gradient worker (same config and options; their trained weights are replaced each step).</param>
    /// <param name="initialWeights">The trained parameters at version 0 (whole model, or LoRA adapters).</param>
    public LocalShardedLearner(TrainingEngine[] workers, int shards, ReadOnlySpan<float> initialWeights)
    {
        ArgumentNullException.ThrowIfNull(workers);
        if (workers.Length < 1) throw new ArgumentException("parallel.gradient_workers must be at least 1, got 0");
        _workers = workers;
        var first = workers[0];
        Layout = ShardLayout.Balance(first.TrainedTensors, shards);
        if (initialWeights.Length != Layout.TotalCount) throw new ArgumentException($"initial weights have {initialWeights.Length} values, the trained parameters {Layout.TotalCount}");
        var shardList = new ShardOptimizer[Layout.Shards.Count];
        foreach (var r in Layout.Shards)
            shardList[r.Index] = new ShardOptimizer(r, Layout.TensorsOf(r), initialWeights.Slice((int)r.Offset, (int)r.Count), first.Optimizer.Options);
        Shards = shardList;
        ScalerOptions = first.LossScaler.Options;
        ScalingEnabled = first.LossScaler.Enabled;
        Scale = first.LossScaler.State;
        _frozenBase = first.Adapters is null ? [] : first.MasterWeights;
    }

    public ShardLayout Layout { get; }
    public IReadOnlyList<ShardOptimizer> Shards { get; }
    public LossScalerOptions ScalerOptions { get; }
    public bool ScalingEnabled { get; }

    /// <summary>The learner's loss-scale state (the consensus moves it).</summary>
    public LossScaleState Scale { get; private set; }

    /// <summary>Test-only fault hook: (worker, micro-batch, gradient) before the worker inspects and sends it.</summary>
    public Action<int, int, float[]>? Fault { get; set; }

    /// <summary>The current weight version's trained parameters: the shards' slices concatenated in shard order.</summary>
    public float[] AssembleWeights()
    {
        var weights = new float[Layout.TotalCount];
        foreach (var s in Shards) s.Master.CopyTo(weights, (int)s.Range.Offset);
        return weights;
    }

    /// <summary>The current weight version's content hash (equal to the single learner's <c>WeightSync.WeightHash</c>).</summary>
    public string WeightHash() => WeightVersionHash.Of(_frozenBase, Shards.Select(s => (ReadOnlyMemory<float>)s.Master));

    /// <summary>
    /// One optimizer step over <paramref name="microBatches"/> micro-batches; <paramref name="forwardBackward"/> runs
    /// micro-batch i on the engine given (returns its target tokens).
    /// </summary>
    public (ConsensusDecision Decision, GradientWorkerReport[] Workers) Step(long step, int microBatches,
        Func<TrainingEngine, int, int> forwardBackward, float maxGradNorm, float learningRate)
    {
        var weights = AssembleWeights();
        foreach (var s in Shards) s.Begin(step, microBatches);
        var reports = new GradientWorkerReport[_workers.Length];
        for (int w = 0; w < _workers.Length; w++)
        {
            var (first, count) = DataParallelShares.Of(microBatches, _workers.Length, w);
            GradientWorkerCompute.Prepare(_workers[w], weights, Scale);
            int worker = w;
            Action<int, float[]>? fault = Fault is { } f ? (mb, g) => f(worker, mb, g) : null;
            reports[w] = GradientWorkerCompute.Run(_workers[w], w, step, first, count, forwardBackward,
                (mb, gradient) =>
                {
                    foreach (var s in Shards) s.AddGradient(step, mb, gradient.AsSpan((int)s.Range.Offset, (int)s.Range.Count));
                }, fault);
        }
        var reductions = Shards.Select(s => s.Reduce(step, Scale.Scale)).ToArray();
        var decision = LossScaleConsensus.Decide(step, Scale, ScalerOptions, ScalingEnabled,
            [.. reports.Select(r => new HolderReport(r.Holder, r.Overflow))], reductions, maxGradNorm, learningRate);
        foreach (var s in Shards) s.Apply(decision);
        Scale = decision.Next;
        return (decision, reports);
    }
}
