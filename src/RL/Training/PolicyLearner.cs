using Precision.Orleans.Abstractions;
using System.Diagnostics;
using Precision.Orleans.Engine.Analysis;
using Precision.Orleans.Engine.Distributed;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Rollout;
using Precision.Orleans.Engine.Text;
using Precision.Orleans.Engine.Training;
using Precision.Orleans.RL.Algorithms;
using Precision.Orleans.RL.Checkpoints;
using Precision.Orleans.RL.Spec;
using Precision.Orleans.RL.Tasks;

namespace Precision.Orleans.RL.Training;

/// <summary>
/// The learner's half of a policy iteration, shared by the embedded trainer and the learner grain: it draws the
/// step's prompts, then trains on the step's scored groups — the old-log-prob pass only if the algorithm needs
/// π_θ', M mini-batches of one optimizer step each (micro-batched, loss-scaled in the training engine) — and
/// publishes the next weight version with its content hash. Every random choice is seeded from (run seed, step).
/// Prompts go through the run's <see cref="PromptEncoder"/> (tokenizer seam + chat template), whose stop tokens every
/// rollout uses; MoE policies get the routing mismatch of the π pass against the rollouts' routing where both exist.
/// </summary>
public sealed class PolicyLearner
{
    private readonly RunSpec _spec;
    private readonly PromptOrder _order;
    private readonly PolicyLoss _algorithm;
    private readonly LossAggregation _aggregation;
    private readonly Dictionary<string, int[]> _promptTokens = [];
    private readonly PromptEncoder _prompts;
    private readonly string? _baseWeightsSha256;

    /// <summary>
    /// <c>parallel</c> beyond the single learner: the distributed optimizer step (gradient workers and parameter shards,
    /// in this process unless <see cref="UseDistributedStep"/> put it on the cluster); <see cref="Engine"/> mirrors their
    /// weights, step count and loss scale after every step for the weight hash and the rollouts' weights (in process also
    /// the moments, for the full checkpoint; on the cluster the shards write their own checkpoint slices). The old-log-prob
    /// pass runs on the workers: <see cref="IDistributedPolicyStep.OldLogProbsAsync"/>. Null for the single learner.
    /// </summary>
    private IDistributedPolicyStep? _distributed;

    /// <summary>MoE policies: per sample, the training engine's routing in the pass that gives π (null where that pass did not cover it).</summary>
    private ExpertRouting?[] _piRouting = [];

    /// <param name="baseWeightsSha256">LoRA runs: SHA-256 of the frozen base (recorded in, and checked on, adapter checkpoints).</param>
    internal PolicyLearner(RunSpec spec, TrainingEngine engine, ITokenizer tokenizer, PromptOrder order, PolicyLoss algorithm,
        LossAggregation aggregation, long weightVersion = 0, string? baseWeightsSha256 = null)
    {
        _spec = spec;
        Engine = engine;
        Tokenizer = tokenizer;
        _prompts = PromptEncoder.Create(tokenizer, spec.Rollout.ChatTemplate, engine.Config.ModelType, "rollout.chat_template");
        _order = order;
        _algorithm = algorithm;
        _aggregation = aggregation;
        _baseWeightsSha256 = baseWeightsSha256;
        WeightVersion = weightVersion;
        WeightHash = PolicyHash();
        if (spec.Parallel.SplitsTheStep)
            _distributed = new LocalDistributedPolicyStep(engine, spec.Parallel.GradientWorkers, spec.Parallel.Shards, algorithm, aggregation,
                spec.Parallel.ExpertWorkers);
    }

    /// <summary>
    /// Runs a <c>parallel</c> run's optimizer steps with <paramref name="step"/> (the learner grain's: on the cluster's
    /// gradient-worker and parameter-shard grains) instead of in this process; before the first step.
    /// </summary>
    public void UseDistributedStep(IDistributedPolicyStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        if (_distributed is null) throw new InvalidOperationException("a single-learner run (parallel: gradient_workers 1, shards 1) has no distributed step");
        _distributed = step;
    }

    /// <summary>The policy loss and its aggregation (a gradient worker grain builds the same from the run spec).</summary>
    public (PolicyLoss Algorithm, LossAggregation Aggregation) Objective => (_algorithm, _aggregation);

    /// <summary>The distributed step of a <c>parallel</c> run (null for the single learner).</summary>
    internal IDistributedPolicyStep? DistributedStep => _distributed;

    /// <summary>The parameter shards of a <c>parallel</c> run (their own step logs); empty for the single learner.</summary>
    public IReadOnlyList<ShardOptimizer> Shards => (_distributed as LocalDistributedPolicyStep)?.Shards ?? [];

    public RunSpec Spec => _spec;
    public TrainingEngine Engine { get; }
    public ITokenizer Tokenizer { get; }

    /// <summary>Ids that end a response: the prompt encoder's (chat template end token and the tokenizer's stop tokens).</summary>
    public IReadOnlyList<int> StopTokens => _prompts.StopTokens;

    /// <summary>Newest published weight version (monotonic; 0 = initial policy).</summary>
    public long WeightVersion { get; private set; }

    /// <summary>Hex SHA-256 of the FP32 master weights at <see cref="WeightVersion"/> (LoRA: base then adapters).</summary>
    public string WeightHash { get; private set; }

    /// <summary>Prompts drawn so far (the data position saved in checkpoints).</summary>
    public long DataPosition => _order.Position;

    /// <summary>Draws the next step's B prompts.</summary>
    public StepPrompt[] NextPrompts()
    {
        var problems = _order.Next(_spec.Batch.Prompts);
        return [.. problems.Select((p, i) => new StepPrompt(i, p, PromptTokens(p)))];
    }

    /// <summary>
    /// Trains step <paramref name="step"/> on its B scored groups (in prompt-index order, whatever order they arrived
    /// in) and publishes the next weight version. <paramref name="rolloutSeconds"/> is the wall time the rollouts took.
    /// </summary>
    public async Task<IterationMetrics> TrainAsync(int step, IReadOnlyList<GroupRollouts> groups, double rolloutSeconds)
    {
        var total = Stopwatch.StartNew();
        int b = _spec.Batch.Prompts, g = _spec.Batch.GroupSize;
        var ordered = groups.OrderBy(x => x.PromptIndex).ToArray();
        if (ordered.Length != b || ordered.Select((x, i) => x.PromptIndex != i || x.Sequences.Count != g).Any(bad => bad))
            throw new ArgumentException($"step {step}: expected {b} groups (prompt indices 0…{b - 1}) of {g} rollouts each, got " +
                string.Join(", ", ordered.Select(x => $"#{x.PromptIndex}×{x.Sequences.Count}")), nameof(groups));
        var sequences = ordered.SelectMany(x => x.Sequences).ToArray();
        var rewards = ordered.SelectMany(x => x.Rewards).ToArray();
        var samples = ordered.SelectMany(x => x.Sequences.Select((s, i) => TrainingSample.From(s, x.Advantages[i]))).ToArray();

        _piRouting = new ExpertRouting?[samples.Length];
        var clock = Stopwatch.StartNew();
        float[][]? oldLogProbs = !_algorithm.NeedsOldLogProbs ? null
            : _distributed is null ? OldLogProbs(samples) : await DistributedOldLogProbsAsync(samples);
        double oldLogProbSeconds = oldLogProbs is null ? 0 : clock.Elapsed.TotalSeconds;

        clock.Restart();
        var train = await TrainMiniBatchesAsync(step, samples, oldLogProbs);
        double trainSeconds = clock.Elapsed.TotalSeconds;

        clock.Restart();
        WeightVersion++;
        WeightHash = PolicyHash();
        double syncSeconds = clock.Elapsed.TotalSeconds;

        // π at θ' against μ: the old-log-prob pass when there is one, else the first mini-batch (whose forward runs at θ').
        var (pi, mu) = oldLogProbs is not null
            ? (oldLogProbs.ToList(), samples.Select(s => s.RolloutLogProbs).ToList())
            : (train.FirstMiniBatchPi, train.FirstMiniBatchMu);
        var mismatch = MismatchAnalysis.Compute(pi, mu);
        var routing = RoutingMismatchOf(sequences, samples);
        var lengths = sequences.Select(s => s.Tokens.Length).ToArray();
        var stats = train.Stats;
        return new IterationMetrics
        {
            Step = step,
            OptimizerSteps = Engine.Optimizer.StepCount + Engine.LossScaler.SkippedSteps,
            WeightVersion = WeightVersion,
            Algorithm = _algorithm.Name,
            TrainDType = _spec.Precision.Train.Name(),
            RolloutDType = _spec.Precision.Rollout.Name(),
            Accuracy = rewards.Average(),
            RewardMean = rewards.Average(),
            Prompts = b,
            Rollouts = sequences.Length,
            ResponseLengthMean = lengths.Average(),
            ResponseLengthMax = lengths.Max(),
            TruncatedFraction = sequences.Count(s => s.Finish == FinishReason.Length) / (double)sequences.Length,
            Loss = train.Loss,
            GradNormMean = train.GradNorms.Count == 0 ? 0 : train.GradNorms.Average(),
            GradNormMax = train.GradNorms.Count == 0 ? 0 : train.GradNorms.Max(),
            LossScale = Engine.LossScaler.Scale,
            SkippedSteps = train.Skipped,
            SkippedStepsTotal = Engine.LossScaler.SkippedSteps,
            LearningRate = Engine.Optimizer.Options.LearningRate,
            MismatchTokens = mismatch.Tokens,
            K1 = mismatch.K1,
            K3 = mismatch.K3,
            MeanAbsProbDiff = mismatch.MeanAbsProbDiff,
            MaxAbsProbDiff = mismatch.MaxAbsProbDiff,
            MinProbDiff = mismatch.MinProbDiff,
            MaxProbDiff = mismatch.MaxProbDiff,
            MeanSeqLogRatio = mismatch.MeanSeqLogRatio,
            MeanAbsSeqLogRatio = mismatch.MeanAbsSeqLogRatio,
            MaxAbsSeqLogRatio = mismatch.MaxAbsSeqLogRatio,
            SeqLogRatioByLength = mismatch.ByLength.ToDictionary(
                k => k.MaxLength == int.MaxValue ? $">{k.MinLength - 1}" : $"≤{k.MaxLength}", k => k.MeanAbsSeqLogRatio),
            RoutingMismatch = routing?.Overall,
            RoutingMismatchAnyLayer = routing?.AnyLayer,
            RoutingMismatchByLayer = routing is null ? new Dictionary<string, double>()
                : routing.PerLayer.Select((v, l) => (v, l)).ToDictionary(x => $"layer{x.l}", x => x.v),
            IsWeightMean = stats.Mean,
            IsWeightMax = stats.Max,
            IsEffectiveSampleSize = stats.EffectiveSampleSize,
            IsTruncatedFraction = stats.TruncatedFraction,
            IsMaskedFraction = stats.MaskedFraction,
            ClippedFraction = stats.ClippedFraction,
            RolloutSeconds = rolloutSeconds,
            OldLogProbSeconds = oldLogProbSeconds,
            TrainSeconds = trainSeconds,
            SyncSeconds = syncSeconds,
            IterationSeconds = rolloutSeconds + total.Elapsed.TotalSeconds,
            ResponseTokens = lengths.Sum(),
        };
    }

    /// <summary>The trainer state a checkpoint after step <paramref name="step"/> records.</summary>
    public TrainerState State(int step) => new()
    {
        Step = step,
        OptimizerStepCount = Engine.Optimizer.StepCount,
        LossScale = Engine.LossScaler.Scale,
        LossScaleGrowthTracker = Engine.LossScaler.GrowthTracker,
        SkippedSteps = Engine.LossScaler.SkippedSteps,
        WeightVersion = WeightVersion,
        DataPosition = _order.Position,
        Seed = _spec.Seed,
        SpecHash = RunSpecWriter.TrajectoryHash(_spec),
    };

    /// <summary>
    /// Saves a step-N checkpoint under the run directory's store: the whole one (weights or LoRA adapters, optimizer,
    /// trainer state), or — when the cluster's parameter shards hold the optimizer state — a sharded one: each shard
    /// writes its slice and the learner only the trainer state, config, tokenizer and the manifests.
    /// </summary>
    public async Task CheckpointAsync(CheckpointStore store, int step)
    {
        if (_distributed is { ShardsWriteCheckpoints: true } sharded)
            await store.SaveShardedAsync(Engine, Tokenizer, State(step), _spec.Schedule.KeepCheckpoints,
                directory => sharded.WriteCheckpointSlicesAsync(directory, step), _baseWeightsSha256);
        else
            store.Save(Engine, Tokenizer, State(step), _spec.Schedule.KeepCheckpoints, _baseWeightsSha256);
    }

    private string PolicyHash() => Engine.Adapters is { } adapters
        ? WeightSync.WeightHash(Engine.MasterWeights, adapters.Weights)
        : WeightSync.WeightHash(Engine.MasterWeights);

    private int[] PromptTokens(Problem p)
    {
        if (!_promptTokens.TryGetValue(p.Prompt, out var tokens))
        {
            try
            {
                tokens = _prompts.Encode(p.Prompt);
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"problem '{p.Id}' of {DataName()}: the prompt cannot be tokenized by this model: {e.Message}", e);
            }
            if (tokens.Length >= Engine.Config.MaxPositionEmbeddings)
                throw new InvalidDataException(
                    $"problem '{p.Id}' of {DataName()}: the prompt is {tokens.Length} tokens; the model's max_position_embeddings is {Engine.Config.MaxPositionEmbeddings}");
            _promptTokens[p.Prompt] = tokens;
        }
        return tokens;
    }

    private string DataName() => _spec.Data.Problems is { } file ? $"data.problems '{file}'" : $"data.task {_spec.Data.Task}";

    /// <summary>Encodes every prompt once before any work, so a problem this model cannot tokenize is refused up front, by name.</summary>
    internal void EncodeAll(IEnumerable<Problem> problems)
    {
        foreach (var p in problems) PromptTokens(p);
    }

    /// <summary>log π_θ' of every response token: one no-grad pass over all sequences BEFORE any step.</summary>
    private float[][] OldLogProbs(TrainingSample[] samples)
    {
        var result = new float[samples.Length][];
        foreach (var chunk in Enumerable.Range(0, samples.Length).Chunk(_spec.Batch.MicroBatchSequences))
        {
            var batch = Batch(samples, chunk);
            var logp = Engine.ComputeLogProbs(batch);
            for (int r = 0; r < chunk.Length; r++) result[chunk[r]] = samples[chunk[r]].ResponseSlice(logp, r, batch.SeqLen);
            KeepRouting(chunk);
        }
        return result;
    }

    /// <summary>
    /// <see cref="OldLogProbs"/> of a <c>parallel</c> run, by the gradient workers at the current version: the same chunks
    /// (rows and padding) as the single learner's pass, so the same bits.
    /// </summary>
    private async Task<float[][]> DistributedOldLogProbsAsync(TrainingSample[] samples)
    {
        var chunks = Enumerable.Range(0, samples.Length).Chunk(_spec.Batch.MicroBatchSequences).ToArray();
        var passes = await _distributed!.OldLogProbsAsync([.. chunks.Select(chunk => PolicyMicroBatchRows.Of(samples, chunk, null, default))]);
        if (passes.Length != chunks.Length)
            throw new InvalidOperationException($"the old-log-prob pass returned {passes.Length} micro-batches for {chunks.Length}");
        var result = new float[samples.Length][];
        for (int mb = 0; mb < chunks.Length; mb++)
        {
            var (chunk, pass) = (chunks[mb], passes[mb]);
            if (pass.ResponseLogProbs.Length != chunk.Length || chunk.Where((i, r) => pass.ResponseLogProbs[r].Length != samples[i].ResponseLength).Any())
                throw new InvalidOperationException($"the old-log-prob pass of micro-batch {mb} returned rows of " +
                    $"{string.Join(",", pass.ResponseLogProbs.Select(l => l.Length))} response tokens for {string.Join(",", chunk.Select(i => samples[i].ResponseLength))}");
            for (int r = 0; r < chunk.Length; r++) result[chunk[r]] = pass.ResponseLogProbs[r];
            KeepRouting(chunk, pass.Routing);
        }
        return result;
    }

    private sealed record TrainResult(double Loss, List<double> GradNorms, int Skipped, ImportanceWeightStats Stats,
        List<float[]> FirstMiniBatchPi, List<float[]> FirstMiniBatchMu);

    private async Task<TrainResult> TrainMiniBatchesAsync(int step, TrainingSample[] samples, float[][]? oldLogProbs)
    {
        int miniBatches = _spec.Batch.MiniBatches, size = samples.Length / miniBatches;
        var permutation = SeedMix.Permutation(samples.Length, SeedMix.RandomSeed(_spec.Seed, step, SeedMix.MiniBatchStream));
        double loss = 0;
        var gradNorms = new List<double>();
        int skipped = 0;
        var iterationStats = new ImportanceStatsAccumulator();
        List<float[]> firstPi = [], firstMu = [];
        for (int m = 0; m < miniBatches; m++)
        {
            var members = permutation.AsSpan(m * size, size).ToArray();
            var normalizers = new AggregationNormalizers(size, members.Sum(i => samples[i].ResponseLength), _spec.Rollout.MaxNewTokens);
            var miniStats = new ImportanceStatsAccumulator();
            double miniLoss = 0;
            var chunks = members.Chunk(_spec.Batch.MicroBatchSequences).ToArray();
            var rows = chunks.Select(chunk => PolicyMicroBatchRows.Of(samples, chunk, oldLogProbs, normalizers)).ToArray();
            PolicyMicroBatchPass[] passes;
            OptimizerStepResult stepResult;
            if (_distributed is null)
            {
                passes = [.. rows.Select(r => PolicyMicroBatchPass.Run(Engine, _algorithm, _aggregation, r))];
                stepResult = Engine.OptimizerStep();
            }
            else
            {
                var o = Engine.Optimizer.Options;
                var result = await _distributed.StepAsync(Engine.Optimizer.StepCount + Engine.LossScaler.SkippedSteps, rows, o.MaxGradNorm, o.LearningRate);
                passes = result.Passes;
                stepResult = new OptimizerStepResult(result.Applied, result.GradNorm, result.LossScale, result.NextLossScale);
            }
            // Per micro-batch, in micro-batch order whichever engine ran it: the same sums as one process.
            for (int mb = 0; mb < chunks.Length; mb++)
            {
                var (chunk, pass) = (chunks[mb], passes[mb]);
                miniLoss += pass.Result.Loss;
                miniStats.Add(pass.Result.Stats, pass.Result.Stats.Count);
                if (m == 0 && oldLogProbs is null)
                {
                    KeepRouting(chunk, pass.Routing);
                    for (int r = 0; r < chunk.Length; r++)
                    {
                        firstPi.Add(samples[chunk[r]].ResponseSlice(pass.LogProbs, r, pass.SeqLen));
                        firstMu.Add(samples[chunk[r]].RolloutLogProbs);
                    }
                }
            }
            if (stepResult.Applied) gradNorms.Add(stepResult.GradNorm);
            else skipped++;
            loss += miniLoss;
            iterationStats.Add(miniStats.Result(size), 1);
        }
        return new TrainResult(loss / miniBatches, gradNorms, skipped, iterationStats.Result(samples.Length), firstPi, firstMu);
    }

    /// <summary>Keeps the training engine's routing of the forward just run (MoE policies) for the samples in <paramref name="chunk"/>.</summary>
    private void KeepRouting(int[] chunk) => KeepRouting(chunk, Engine.LastRouting);

    private void KeepRouting(int[] chunk, IReadOnlyList<ExpertRouting>? lastRouting)
    {
        if (lastRouting is not { } routing) return;
        for (int r = 0; r < chunk.Length; r++) _piRouting[chunk[r]] = routing[r];
    }

    /// <summary>
    /// Routing mismatch over the samples whose π pass recorded routing and whose rollout carried its routing; null for
    /// dense policies and where the rollouts' routing did not come along (the grains' wire format does not carry it).
    /// </summary>
    private RoutingMismatch? RoutingMismatchOf(IReadOnlyList<RolloutSequence> sequences, TrainingSample[] samples)
    {
        var covered = Enumerable.Range(0, samples.Length).Where(i => _piRouting[i] is not null && sequences[i].Routing is not null).ToArray();
        if (covered.Length == 0) return null;
        return RoutingMismatch.Compute([.. covered.Select(i => sequences[i].Routing!)], [.. covered.Select(i => _piRouting[i]!)],
            [.. covered.Select(i => samples[i].PromptLength)], [.. covered.Select(i => samples[i].FullSequence.Length)]);
    }

    private static TokenBatch Batch(TrainingSample[] samples, int[] chunk) => PolicyMicroBatchRows.Of(samples, chunk, null, default).Batch();
}
