using System.Diagnostics;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Analysis;
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
    PromptOrder order, IRewardFunction reward, PolicyLoss algorithm, LossAggregation aggregation, PolicyPublisher? publisher = null)
{
    private readonly Dictionary<string, int[]> _promptTokens = [];
    private readonly PolicyPublisher _publisher = publisher ?? new PolicyPublisher(engine, rollout, null);

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

        clock.Restart();
        float[][]? oldLogProbs = algorithm.NeedsOldLogProbs ? OldLogProbs(samples) : null;
        double oldLogProbSeconds = oldLogProbs is null ? 0 : clock.Elapsed.TotalSeconds;

        clock.Restart();
        var train = Train(step, samples, oldLogProbs);
        double trainSeconds = clock.Elapsed.TotalSeconds;

        clock.Restart();
        WeightVersion++;
        _publisher.Publish(WeightVersion);
        double syncSeconds = clock.Elapsed.TotalSeconds;

        // π at θ' against μ: the old-log-prob pass when there is one, else the first mini-batch (whose forward runs at θ').
        var (pi, mu) = oldLogProbs is not null
            ? (oldLogProbs.ToList(), samples.Select(s => s.RolloutLogProbs).ToList())
            : (train.FirstMiniBatchPi, train.FirstMiniBatchMu);
        var mismatch = MismatchAnalysis.Compute(pi, mu);
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
