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

    /// <param name="source">
    /// The learner's engine at the start: its trained parameters, AdamW moments and step count (a resumed run's) become
    /// the shards' slices, its loss scaler the consensus's state.
    /// </param>
    /// <param name="workers">One engine per gradient worker (same config and options; their trained weights are replaced each step).</param>
    public LocalShardedLearner(TrainingEngine source, TrainingEngine[] workers, int shards)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(workers);
        if (workers.Length < 1) throw new ArgumentException("parallel.gradient_workers must be at least 1, got 0");
        _workers = workers;
        Layout = ShardLayout.Balance(source.TrainedTensors, shards);
        var weights = source.TrainedWeights;
        var shardList = new ShardOptimizer[Layout.Shards.Count];
        foreach (var r in Layout.Shards)
        {
            var shard = new ShardOptimizer(r, Layout.TensorsOf(r), weights.AsSpan((int)r.Offset, (int)r.Count), source.Optimizer.Options);
            source.Optimizer.M.AsSpan((int)r.Offset, (int)r.Count).CopyTo(shard.Optimizer.M);
            source.Optimizer.V.AsSpan((int)r.Offset, (int)r.Count).CopyTo(shard.Optimizer.V);
            shard.Optimizer.StepCount = source.Optimizer.StepCount;
            shardList[r.Index] = shard;
        }
        Shards = shardList;
        ScalerOptions = source.LossScaler.Options;
        ScalingEnabled = source.LossScaler.Enabled;
        Scale = source.LossScaler.State;
        _frozenBase = source.Adapters is null ? [] : source.MasterWeights;
    }

    /// <summary>
    /// Writes the current version into <paramref name="target"/> — trained weights (re-cast), AdamW moments and step
    /// count, loss scaler — so that a one-process view (checkpoints, the weight hash, metrics) sees the shards' state.
    /// </summary>
    public void CopyStateTo(TrainingEngine target)
    {
        ArgumentNullException.ThrowIfNull(target);
        target.LoadTrainedWeights(AssembleWeights());
        foreach (var s in Shards)
        {
            s.Optimizer.M.CopyTo(target.Optimizer.M, (int)s.Range.Offset);
            s.Optimizer.V.CopyTo(target.Optimizer.V, (int)s.Range.Offset);
        }
        target.Optimizer.StepCount = Shards[0].Optimizer.StepCount;
        target.LossScaler.Restore(Scale.Scale, Scale.GrowthTracker, Scale.SkippedSteps);
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
    public string WeightHash() => _frozenBase.Length == 0
        ? Rollout.WeightSync.WeightHash(AssembleWeights())
        : Rollout.WeightSync.WeightHash(_frozenBase, AssembleWeights());

    /// <summary>
    /// A pass without gradients at the current weight version (the old-log-prob pass): each worker loads the version
    /// and runs <paramref name="pass"/> (worker, its engine, micro-batch) over its fixed share of <paramref name="microBatches"/>,
    /// the same consecutive share it computes in a step.
    /// </summary>
    public void ForEachShare(int microBatches, Action<int, TrainingEngine, int> pass)
    {
        ArgumentNullException.ThrowIfNull(pass);
        var weights = AssembleWeights();
        for (int w = 0; w < _workers.Length; w++)
        {
            var (first, count) = DataParallelShares.Of(microBatches, _workers.Length, w);
            _workers[w].LoadTrainedWeights(weights);
            for (int mb = first; mb < first + count; mb++) pass(w, _workers[w], mb);
        }
    }

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
