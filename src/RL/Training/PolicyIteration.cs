using System.Diagnostics;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Analysis;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Rollout;
using Precision.Orleans.Engine.Text;
using Precision.Orleans.Engine.Training;
using Precision.Orleans.RL.Algorithms;
using Precision.Orleans.RL.Spec;
using Precision.Orleans.RL.Tasks;

namespace Precision.Orleans.RL.Training;

/// <summary>
/// One policy iteration, as in the paper: B prompts × G rollouts sampled with μ, rewards, group-relative
/// advantages, the old-log-prob pass only if the algorithm needs π_θ', M mini-batches of one optimizer step
/// each (micro-batched), then weight sync. Every random choice is seeded from (run seed, step).
/// </summary>
internal sealed class PolicyIteration(
    RunSpec spec, TrainingEngine engine, RolloutEngine rollout, CharTokenizer tokenizer,
    PromptOrder order, IRewardFunction reward, PolicyLoss algorithm, LossAggregation aggregation)
{
    private readonly Dictionary<string, int[]> _promptTokens = [];

    /// <summary>MoE policies: per sample, the training engine's routing in the pass that gives π (null where that pass did not cover it).</summary>
    private ExpertRouting?[] _piRouting = [];

    public long WeightVersion { get; set; }

    public IterationMetrics Run(int step)
    {
        var total = Stopwatch.StartNew();
        int b = spec.Batch.Prompts, g = spec.Batch.GroupSize;
        var problems = order.Next(b);
        var prompts = new int[b * g][];
        for (int i = 0; i < b * g; i++) prompts[i] = PromptTokens(problems[i / g]);

        var clock = Stopwatch.StartNew();
        var sequences = rollout.Generate(prompts, new SamplingOptions
        {
            Temperature = spec.Rollout.Temperature,
            TopP = spec.Rollout.TopP,
            TopK = spec.Rollout.TopK,
            MaxNewTokens = spec.Rollout.MaxNewTokens,
            StopTokens = [CharTokenizer.EosId],
            Seed = SeedMix.Derive(spec.Seed, step, SeedMix.SamplingStream),
        });
        double rolloutSeconds = clock.Elapsed.TotalSeconds;

        var rewards = new double[sequences.Count];
        // A response cut by max_new_tokens earns 0 (as in evaluation): its visible "answer" may be a truncated number.
        for (int i = 0; i < rewards.Length; i++)
            rewards[i] = sequences[i].Finish == FinishReason.Stop ? reward.Reward(problems[i / g], tokenizer.Decode(sequences[i].Tokens)) : 0.0;
        var advantages = Advantages.GroupRelative(rewards, g, spec.Algorithm.NormalizeAdvantageStd);
        var samples = sequences.Select((s, i) => TrainingSample.From(s, advantages[i])).ToArray();

        _piRouting = new ExpertRouting?[samples.Length];
        clock.Restart();
        float[][]? oldLogProbs = algorithm.NeedsOldLogProbs ? OldLogProbs(samples) : null;
        double oldLogProbSeconds = oldLogProbs is null ? 0 : clock.Elapsed.TotalSeconds;

        clock.Restart();
        var train = Train(step, samples, oldLogProbs);
        double trainSeconds = clock.Elapsed.TotalSeconds;

        clock.Restart();
        WeightVersion++;
        WeightSync.Publish(engine.MasterWeights, WeightVersion, rollout);
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
            OptimizerSteps = engine.Optimizer.StepCount + engine.LossScaler.SkippedSteps,
            WeightVersion = WeightVersion,
            Algorithm = algorithm.Name,
            TrainDType = spec.Precision.Train.Name(),
            RolloutDType = spec.Precision.Rollout.Name(),
            Accuracy = rewards.Average(),
            RewardMean = rewards.Average(),
            Prompts = b,
            Rollouts = sequences.Count,
            ResponseLengthMean = lengths.Average(),
            ResponseLengthMax = lengths.Max(),
            TruncatedFraction = sequences.Count(s => s.Finish == FinishReason.Length) / (double)sequences.Count,
            Loss = train.Loss,
            GradNormMean = train.GradNorms.Count == 0 ? 0 : train.GradNorms.Average(),
            GradNormMax = train.GradNorms.Count == 0 ? 0 : train.GradNorms.Max(),
            LossScale = engine.LossScaler.Scale,
            SkippedSteps = train.Skipped,
            SkippedStepsTotal = engine.LossScaler.SkippedSteps,
            LearningRate = engine.Optimizer.Options.LearningRate,
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
            IterationSeconds = total.Elapsed.TotalSeconds,
            ResponseTokens = lengths.Sum(),
        };
    }

    private int[] PromptTokens(Problem p)
    {
        if (!_promptTokens.TryGetValue(p.Prompt, out var tokens))
            _promptTokens[p.Prompt] = tokens = tokenizer.Encode(p.Prompt, addBos: true);
        return tokens;
    }

    /// <summary>log π_θ' of every response token: one no-grad pass over all sequences BEFORE any step.</summary>
    private float[][] OldLogProbs(TrainingSample[] samples)
    {
        var result = new float[samples.Length][];
        foreach (var chunk in Enumerable.Range(0, samples.Length).Chunk(spec.Batch.MicroBatchSequences))
        {
            var batch = Batch(samples, chunk);
            var logp = engine.ComputeLogProbs(batch);
            for (int r = 0; r < chunk.Length; r++) result[chunk[r]] = samples[chunk[r]].ResponseSlice(logp, r, batch.SeqLen);
            KeepRouting(chunk);
        }
        return result;
    }

    private sealed record TrainResult(double Loss, List<double> GradNorms, int Skipped, Algorithms.ImportanceWeightStats Stats,
        List<float[]> FirstMiniBatchPi, List<float[]> FirstMiniBatchMu);

    private TrainResult Train(int step, TrainingSample[] samples, float[][]? oldLogProbs)
    {
        int miniBatches = spec.Batch.MiniBatches, size = samples.Length / miniBatches;
        var permutation = SeedMix.Permutation(samples.Length, SeedMix.RandomSeed(spec.Seed, step, SeedMix.MiniBatchStream));
        double loss = 0;
        var gradNorms = new List<double>();
        int skipped = 0;
        var iterationStats = new ImportanceStatsAccumulator();
        List<float[]> firstPi = [], firstMu = [];
        for (int m = 0; m < miniBatches; m++)
        {
            var members = permutation.AsSpan(m * size, size).ToArray();
            var normalizers = new AggregationNormalizers(size, members.Sum(i => samples[i].ResponseLength), spec.Rollout.MaxNewTokens);
            var miniStats = new ImportanceStatsAccumulator();
            double miniLoss = 0;
            foreach (var chunk in members.Chunk(spec.Batch.MicroBatchSequences))
            {
                var batch = Batch(samples, chunk);
                var logp = engine.Forward(batch);
                var result = algorithm.Compute(Inputs(samples, chunk, batch, logp, oldLogProbs, normalizers), aggregation);
                engine.Backward(result.DLogProbs);
                miniLoss += result.Loss;
                miniStats.Add(result.Stats, result.Stats.Count);
                if (m == 0 && oldLogProbs is null) KeepRouting(chunk);
                if (m == 0 && oldLogProbs is null)
                    for (int r = 0; r < chunk.Length; r++)
                    {
                        firstPi.Add(samples[chunk[r]].ResponseSlice(logp, r, batch.SeqLen));
                        firstMu.Add(samples[chunk[r]].RolloutLogProbs);
                    }
            }
            var stepResult = engine.OptimizerStep();
            if (stepResult.Applied) gradNorms.Add(stepResult.GradNorm);
            else skipped++;
            loss += miniLoss;
            iterationStats.Add(miniStats.Result(size), 1);
        }
        return new TrainResult(loss / miniBatches, gradNorms, skipped, iterationStats.Result(samples.Length), firstPi, firstMu);
    }

    /// <summary>Keeps the training engine's routing of the forward just run (MoE policies) for the samples in <paramref name="chunk"/>.</summary>
    private void KeepRouting(int[] chunk)
    {
        if (engine.LastRouting is not { } routing) return;
        for (int r = 0; r < chunk.Length; r++) _piRouting[chunk[r]] = routing[r];
    }

    /// <summary>Routing mismatch over the samples whose π pass recorded routing; null for dense policies.</summary>
    private RoutingMismatch? RoutingMismatchOf(IReadOnlyList<RolloutSequence> sequences, TrainingSample[] samples)
    {
        var covered = Enumerable.Range(0, samples.Length).Where(i => _piRouting[i] is not null && sequences[i].Routing is not null).ToArray();
        if (covered.Length == 0) return null;
        return RoutingMismatch.Compute([.. covered.Select(i => sequences[i].Routing!)], [.. covered.Select(i => _piRouting[i]!)],
            [.. covered.Select(i => samples[i].PromptLength)], [.. covered.Select(i => samples[i].FullSequence.Length)]);
    }

    private static TokenBatch Batch(TrainingSample[] samples, int[] chunk) =>
        TokenBatch.FromSequences(chunk.Select(i => samples[i].FullSequence).ToArray(), chunk.Select(i => samples[i].PromptLength).ToArray());

    private static PolicyLossInputs Inputs(TrainingSample[] samples, int[] chunk, TokenBatch batch, float[] logp, float[][]? old,
        AggregationNormalizers normalizers)
    {
        int t = batch.SeqLen;
        var mu = new float[chunk.Length * t];
        var oldLp = old is null ? null : new float[chunk.Length * t];
        var adv = new float[chunk.Length];
        for (int r = 0; r < chunk.Length; r++)
        {
            var s = samples[chunk[r]];
            s.RolloutLogProbs.CopyTo(mu, r * t + s.PromptLength);
            old?[chunk[r]].CopyTo(oldLp!, r * t + s.PromptLength);
            adv[r] = s.Advantage;
        }
        return new PolicyLossInputs
        {
            Sequences = chunk.Length,
            SeqLen = t,
            LogProbs = logp,
            OldLogProbs = oldLp,
            RolloutLogProbs = mu,
            Mask = batch.TargetMask,
            Advantages = adv,
            Normalizers = normalizers,
        };
    }
}
