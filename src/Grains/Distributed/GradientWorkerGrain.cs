using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Abstractions.Grains.Distributed;
using Precision.Orleans.Engine.Distributed;
using Precision.Orleans.Engine.Lora;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Training;
using Precision.Orleans.Grains.Placement;
using Precision.Orleans.RL.Algorithms;
using Precision.Orleans.RL.Spec;
using Precision.Orleans.RL.Training;

namespace Precision.Orleans.Grains.Distributed;

/// <summary>
/// A data-parallel gradient worker on a learner-role silo. Per step: fetch the weight version from every shard at once
/// (each slice in chunks, a few in flight), check each slice's hash and the version's, load it and the loss scale into
/// its training engine, run its micro-batches (<see cref="GradientWorkerCompute"/>) — next-token ones, or the RL policy
/// loss of the run spec it was set up with — send every micro-batch's gradient slices to their shards, and report (RL:
/// with each micro-batch's loss, importance-weight statistics and log-probs for the learner's metrics).
/// </summary>
[LearnerSpreadPlacement]
public sealed class GradientWorkerGrain : Grain, IGradientWorkerGrain
{
    private GradientWorkerSetup? _setup;
    private TrainingEngine? _engine;
    private IParameterShardGrain[] _shards = [];
    private string _frozenBaseHash = "";
    private long _version = -1;
    private (PolicyLoss Algorithm, LossAggregation Aggregation)? _policy;

    public Task Configure(GradientWorkerSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        var config = ModelConfig.FromJson(setup.ModelConfigJson, "gradient worker setup");
        var lora = setup.Lora is { } l ? new LoraConfig { Rank = l.Rank, Alpha = (float)l.Alpha, TargetModules = l.TargetModules } : null;
        var options = new TrainingOptions { ComputeDType = DTypeNames.Parse(setup.TrainDType), Lora = lora };
        var layout = new ParameterLayout(config);
        // Full fine-tuning: every value comes from the shards each step; LoRA: the frozen base is given once.
        var master = lora is null ? new float[layout.TotalCount] : setup.FrozenBase;
        _engine = new TrainingEngine(config, options, master);
        _frozenBaseHash = lora is null ? "" : WeightVersionHash.OfSlice(setup.FrozenBase);
        _shards = [.. Enumerable.Range(0, setup.ShardOffsets.Length).Select(s => GrainFactory.GetGrain<IParameterShardGrain>(ShardKeys.Shard(setup.RunId, s)))];
        _policy = setup.PolicySpecYaml.Length == 0 ? null : LearnerStart.Objective(RunSpecLoader.Parse(setup.PolicySpecYaml, $"gradient worker setup of run '{setup.RunId}'"));
        _setup = setup;
        _version = -1;
        return Task.CompletedTask;
    }

    public async Task<WorkerReport> Compute(GradientWork work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var engine = _engine ?? throw new DistributedStateLostException(
            $"gradient worker '{this.GetPrimaryKeyString()}' holds no setup: it was never configured, or was activated again (its silo died) since");
        var setup = _setup!;
        var clock = Stopwatch.StartNew();
        double fetchSeconds = 0;
        if (work.Version != _version)
        {
            var weights = await ShardSliceFetch.FetchAsync(_shards, setup.ShardOffsets, setup.ShardCounts, work.Version, _frozenBaseHash, work.WeightHash, setup.RunId);
            engine.LoadTrainedWeights(weights);
            _version = work.Version;
            fetchSeconds = clock.Elapsed.TotalSeconds;
        }
        engine.LossScaler.Restore(work.LossScale, 0, 0);
        engine.ZeroGradients();
        var policy = work.PolicyMicroBatches ?? [];
        var batches = work.MicroBatches;
        if (policy.Length > 0 && _policy is null)
            throw new ArgumentException($"worker {work.Worker}: policy micro-batches for a worker set up without a run spec");
        int[] indices = policy.Length > 0 ? [.. policy.Select(b => b.Index)] : [.. batches.Select(b => b.Index)];
        for (int i = 1; i < indices.Length; i++)
            if (indices[i] != indices[0] + i) throw new ArgumentException($"worker {work.Worker}: micro-batches must be consecutive, got {string.Join(",", indices)}");
        int first = indices.Length == 0 ? 0 : indices[0];
        var outcomes = new PolicyMicroBatchOutcome[policy.Length];
        var fault = ServiceProvider.GetService<IGradientFaultHook>();
        string key = this.GetPrimaryKeyString();
        var sends = new List<Task>();
        var report = GradientWorkerCompute.Run(engine, work.Worker, work.Step, first, indices.Length,
            (e, mb) =>
            {
                if (policy.Length == 0)
                {
                    var b = batches[mb - first];
                    return LanguageModelLoss.ForwardBackward(e, TokenBatch.FromSequences(b.Sequences, b.TargetStart), b.Normalizer);
                }
                var rows = PolicyRows(policy[mb - first]);
                var (algorithm, aggregation) = _policy!.Value;
                var pass = PolicyMicroBatchPass.Run(e, algorithm, aggregation, rows);
                var st = pass.Result.Stats;
                outcomes[mb - first] = new PolicyMicroBatchOutcome(mb, pass.Result.Loss, st.Count, st.Mean, st.Max, st.EffectiveSampleSize,
                    st.TruncatedFraction, st.MaskedFraction, st.ClippedFraction, pass.LogProbs, pass.SeqLen,
                    pass.Routing is { } routing ? [.. routing.Select(WireSequences.ToWire)] : null);
                return rows.ResponseTokens;
            },
            (mb, gradient) =>
            {
                for (int s = 0; s < _shards.Length; s++)
                    sends.Add(_shards[s].AddGradient(work.Step, mb, gradient.AsSpan((int)setup.ShardOffsets[s], (int)setup.ShardCounts[s]).ToArray()));
            },
            fault is null ? null : (mb, g) => fault.Apply(key, work.Step, mb, g));
        await Task.WhenAll(sends);
        return new WorkerReport(report.Worker, report.Step, report.Overflow, report.SumSquares, report.Tokens, report.MicroBatches, fetchSeconds,
            policy.Length == 0 ? null : outcomes);
    }

    private static PolicyMicroBatchRows PolicyRows(PolicyMicroBatch b) => new(b.Sequences, b.PromptLengths, b.RolloutLogProbs, b.OldLogProbs,
        b.Advantages, new AggregationNormalizers(b.NormalizerSequences, b.NormalizerTokens, b.NormalizerMaxResponseLength));
}
