using Precision.Orleans.Engine.Distributed;
using Precision.Orleans.Engine.Training;
using Precision.Orleans.RL.Algorithms;

namespace Precision.Orleans.RL.Training;

/// <summary>
/// The distributed policy step in the learner's process: N gradient-worker engines and S shard optimizers
/// (<see cref="LocalShardedLearner"/>), bit-identical to the learner's engine stepping alone; the embedded trainer's
/// <c>parallel</c> runs use it. The engine mirrors the shards' whole state after every step.
/// </summary>
public sealed class LocalDistributedPolicyStep : IDistributedPolicyStep
{
    private readonly TrainingEngine _engine;
    private readonly LocalShardedLearner _sharded;
    private readonly PolicyLoss _algorithm;
    private readonly LossAggregation _aggregation;

    /// <param name="expertWorkers">parallel.expert_workers: above 1, each gradient worker runs its experts on that many in-process owners.</param>
    public LocalDistributedPolicyStep(TrainingEngine engine, int gradientWorkers, int shards, PolicyLoss algorithm, LossAggregation aggregation,
        int expertWorkers = 1)
    {
        ArgumentNullException.ThrowIfNull(engine);
        _engine = engine;
        _algorithm = algorithm;
        _aggregation = aggregation;
        var workers = Enumerable.Range(0, gradientWorkers).Select(_ => new TrainingEngine(engine.Config, engine.Options,
            (float[])engine.MasterWeights.Clone(), adapterWeights: (float[]?)engine.Adapters?.Weights.Clone())
        {
            ExpertExecutor = expertWorkers > 1
                ? Engine.Experts.TrainingExpertParallelExecutor.InProcess(engine.Config, engine.ComputeDType, expertWorkers, engine.Kernels)
                : null,
        }).ToArray();
        _sharded = new LocalShardedLearner(engine, workers, shards);
        _oldLogProbMicroBatches = new int[gradientWorkers];
    }

    /// <summary>The parameter shards (their own step logs).</summary>
    public IReadOnlyList<ShardOptimizer> Shards => _sharded.Shards;

    /// <summary>Old-log-prob micro-batches each in-process gradient worker has computed (by worker index).</summary>
    public IReadOnlyList<int> OldLogProbMicroBatches => _oldLogProbMicroBatches;

    private readonly int[] _oldLogProbMicroBatches;

    /// <summary>Each in-process worker loads the current version (assembled from the shards) and computes its share.</summary>
    public Task<OldLogProbPass[]> OldLogProbsAsync(IReadOnlyList<PolicyMicroBatchRows> microBatches)
    {
        ArgumentNullException.ThrowIfNull(microBatches);
        var passes = new OldLogProbPass[microBatches.Count];
        _sharded.ForEachShare(microBatches.Count, (worker, engine, mb) =>
        {
            passes[mb] = OldLogProbPass.Run(engine, microBatches[mb]);
            _oldLogProbMicroBatches[worker]++;
        });
        return Task.FromResult(passes);
    }

    public Task<DistributedPolicyStepResult> StepAsync(long step, IReadOnlyList<PolicyMicroBatchRows> microBatches, float maxGradNorm, float learningRate)
    {
        ArgumentNullException.ThrowIfNull(microBatches);
        var passes = new PolicyMicroBatchPass[microBatches.Count];
        var (decision, _) = _sharded.Step(step, microBatches.Count, (engine, mb) =>
        {
            passes[mb] = PolicyMicroBatchPass.Run(engine, _algorithm, _aggregation, microBatches[mb]);
            return microBatches[mb].ResponseTokens;
        }, maxGradNorm, learningRate);
        _sharded.CopyStateTo(_engine);
        return Task.FromResult(new DistributedPolicyStepResult(decision.Apply, decision.GradNorm, decision.LossScale, decision.NextLossScale, passes));
    }

    /// <summary>The engine mirrors the shards' whole state after every step: the learner writes the single learner's checkpoint, byte for byte.</summary>
    public bool ShardsWriteCheckpoints => false;

    public Task<ShardCheckpointManifest> WriteCheckpointSlicesAsync(string directory, long step) =>
        throw new NotSupportedException("the in-process shards' state is mirrored in the learner's engine, which writes the whole checkpoint");
}
