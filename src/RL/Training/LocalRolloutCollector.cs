using System.Diagnostics;
using Precision.Orleans.Engine.Rollout;
using Precision.Orleans.Engine.Text;
using Precision.Orleans.RL.Spec;
using Precision.Orleans.RL.Tasks;

namespace Precision.Orleans.RL.Training;

/// <summary>
/// Collecting in process: the step's B·G rollouts in ONE batch on the local rollout engine (sequence i draws from
/// stream (step seed, i), exactly as the grains' per-group calls do), each group scored by <see cref="GroupRollout"/>;
/// publishing is the weight sync of <see cref="PolicyPublisher"/> (FP32 masters, or base + LoRA adapters).
/// </summary>
internal sealed class LocalRolloutCollector(RunSpec spec, ITokenizer tokenizer, RolloutEngine rollout, IRewardFunction reward, PolicyPublisher publisher)
    : IRolloutCollector
{
    public const string WorkerKey = "local";

    public ValueTask PublishAsync(PolicyLearner learner, CancellationToken cancellationToken)
    {
        publisher.Publish(learner.WeightVersion);
        return ValueTask.CompletedTask;
    }

    public Task<CollectedStep> CollectAsync(StepRollouts request, CancellationToken cancellationToken)
    {
        int g = spec.Batch.GroupSize;
        var clock = Stopwatch.StartNew();
        var sequences = rollout.Generate(request.Prompts.SelectMany(p => Enumerable.Repeat(p.Tokens, g)).ToArray(), request.Sampling);
        double seconds = clock.Elapsed.TotalSeconds;
        var groups = request.Prompts.Select(p => GroupRollout.Score(p.Index, p.Problem, sequences.Skip(p.Index * g).Take(g).ToArray(), reward,
            tokenizer, spec.Algorithm.NormalizeAdvantageStd, spec.Algorithm.AdvantageEstimator) with { WeightVersion = rollout.WeightVersion }).ToArray();
        return Task.FromResult(new CollectedStep(groups, seconds,
            [.. request.Prompts.Select(p => new GroupProvenance(p.Index, WorkerKey, 1, rollout.WeightVersion))]));
    }
}
