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
/// with each micro-batch's loss, importance-weight statistics and log-probs for the learner's metrics). Before an
/// iteration's steps it runs its share of the old-log-prob pass (<see cref="ComputeLogProbs"/>) at the same version.
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
    private ExpertTrainingGroup? _experts; // parallel.expert_workers > 1: the engine's experts run on this worker's own grains

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
        if (setup.ExpertWorkers > 1 && lora is not null)
            throw new ArgumentException($"gradient worker setup of run '{setup.RunId}': expert workers ({setup.ExpertWorkers}) with LoRA adapters are not supported");
        // Attached to the engine at the first Compute, off the grain scheduler: attaching loads the weights into the grains.
        _experts = setup.ExpertWorkers > 1
            ? new ExpertTrainingGroup(GrainFactory, ExpertGroups.GradientWorker(this.GetPrimaryKeyString()), config, options.ComputeDType, setup.ExpertWorkers)
            : null;
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
        double fetchSeconds = await LoadVersionAsync(engine, work.Version, work.WeightHash);
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
        var report = await Task.Run(() =>
        {
            AttachExperts(engine);
            return GradientWorkerCompute.Run(engine, work.Worker, work.Step, first, indices.Length,
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
        });
        await Task.WhenAll(sends);
        return new WorkerReport(report.Worker, report.Step, report.Overflow, report.SumSquares, report.Tokens, report.MicroBatches, fetchSeconds,
            policy.Length == 0 ? null : outcomes);
    }

    /// <summary>
    /// The worker's share of the old-log-prob pass: the version loaded as <see cref="Compute"/> loads it (fetched from the
    /// shards only if this worker does not hold it; the iteration's first step then finds it held), then a no-grad forward
    /// per micro-batch, returning only the response tokens' log-probs (and MoE routing).
    /// </summary>
    public async Task<LogProbReport> ComputeLogProbs(LogProbWork work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var engine = _engine ?? throw new DistributedStateLostException(
            $"gradient worker '{this.GetPrimaryKeyString()}' holds no setup: it was never configured, or was activated again (its silo died) since");
        for (int i = 0; i < work.MicroBatches.Length; i++)
        {
            int index = work.MicroBatches[i].Index;
            if (index != work.MicroBatches[0].Index + i || index < 0 || index >= work.TotalMicroBatches)
                throw new ArgumentException($"worker {work.Worker}: old-log-prob micro-batches must be consecutive within 0…{work.TotalMicroBatches - 1}, got " +
                    string.Join(",", work.MicroBatches.Select(b => b.Index)));
        }
        ServiceProvider.GetService<IGradientFaultHook>()?.BeforeLogProbs(this.GetPrimaryKeyString(), work.Version, work.Worker);
        double fetchSeconds = await LoadVersionAsync(engine, work.Version, work.WeightHash);
        // Off the grain scheduler, as Compute runs the engine: an engine whose experts run on grains blocks on their calls.
        var outcomes = await Task.Run(() => work.MicroBatches.Select(b =>
        {
            AttachExperts(engine);
            var pass = OldLogProbPass.Run(engine, b.Sequences, b.PromptLengths);
            return new LogProbMicroBatchOutcome(b.Index, pass.ResponseLogProbs, pass.Routing is { } routing ? [.. routing.Select(WireSequences.ToWire)] : null);
        }).ToArray());
        _logProbMicroBatches += outcomes.Length;
        return new LogProbReport(work.Worker, work.Version, fetchSeconds, outcomes);
    }

    public Task<long> GetLogProbMicroBatches() => Task.FromResult(_logProbMicroBatches);

    private long _logProbMicroBatches;

    /// <summary>Loads <paramref name="version"/> from the shards (hash-checked) unless already held; the seconds it took (0 when held).</summary>
    private async Task<double> LoadVersionAsync(TrainingEngine engine, long version, string weightHash)
    {
        if (version == _version) return 0;
        var clock = Stopwatch.StartNew();
        var setup = _setup!;
        var weights = await ShardSliceFetch.FetchAsync(_shards, setup.ShardOffsets, setup.ShardCounts, version, _frozenBaseHash, weightHash, setup.RunId);
        // Off the grain scheduler: with expert workers attached, the synchronous engine blocks on their grain calls (reloading them).
        await Task.Run(() => engine.LoadTrainedWeights(weights));
        _version = version;
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// The first engine run since Configure attaches this worker's expert grains (which loads the engine's weights into
    /// them); runs off the grain scheduler, inside the engine's Task.Run.
    /// </summary>
    private void AttachExperts(TrainingEngine engine)
    {
        if (_experts is { } experts && engine.ExpertExecutor is null) engine.ExpertExecutor = experts;
    }

    private static PolicyMicroBatchRows PolicyRows(PolicyMicroBatch b) => new(b.Sequences, b.PromptLengths, b.RolloutLogProbs, b.OldLogProbs,
        b.Advantages, new AggregationNormalizers(b.NormalizerSequences, b.NormalizerTokens, b.NormalizerMaxResponseLength));
}
