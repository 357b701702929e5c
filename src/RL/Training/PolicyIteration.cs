using System.Diagnostics;
using Precision.Orleans.Engine.Rollout;
using Precision.Orleans.Engine.Text;
using Precision.Orleans.Engine.Training;
using Precision.Orleans.RL.Algorithms;
using Precision.Orleans.RL.Spec;
using Precision.Orleans.RL.Tasks;

namespace Precision.Orleans.RL.Training;

/// <summary>
/// One policy iteration of the embedded trainer, as in the paper: B prompts × G rollouts sampled with μ on the local
/// rollout engine (one batch; sequence i draws from stream (step seed, i), exactly as the grains' per-group calls do),
/// each group scored by <see cref="GroupRollout"/>, then <see cref="PolicyLearner.Train"/> and weight sync through the
/// <see cref="PolicyPublisher"/> (FP32 masters, or base + LoRA adapters merged/unmerged).
/// </summary>
internal sealed class PolicyIteration
{
    private readonly RunSpec _spec;
    private readonly RolloutEngine _rollout;
    private readonly IRewardFunction _reward;
    private readonly PolicyPublisher _publisher;

    public PolicyIteration(RunSpec spec, TrainingEngine engine, RolloutEngine rollout, ITokenizer tokenizer,
        PromptOrder order, IRewardFunction reward, PolicyLoss algorithm, LossAggregation aggregation, PolicyPublisher? publisher = null)
        : this(spec, rollout, reward, new PolicyLearner(spec, engine, tokenizer, order, algorithm, aggregation), publisher)
    {
    }

    public PolicyIteration(RunSpec spec, RolloutEngine rollout, IRewardFunction reward, PolicyLearner learner, PolicyPublisher? publisher = null)
    {
        _spec = spec;
        _rollout = rollout;
        _reward = reward;
        Learner = learner;
        _publisher = publisher ?? new PolicyPublisher(learner.Engine, rollout, spec.Lora);
    }

    public PolicyLearner Learner { get; }

    public long WeightVersion => Learner.WeightVersion;

    public IterationMetrics Run(int step)
    {
        int g = _spec.Batch.GroupSize;
        var prompts = Learner.NextPrompts();
        var clock = Stopwatch.StartNew();
        var sequences = _rollout.Generate(prompts.SelectMany(p => Enumerable.Repeat(p.Tokens, g)).ToArray(),
            GroupRollout.Sampling(_spec, step, 0, Learner.StopTokens));
        double rolloutSeconds = clock.Elapsed.TotalSeconds;
        var groups = prompts.Select(p => GroupRollout.Score(p.Index, p.Problem, sequences.Skip(p.Index * g).Take(g).ToArray(), _reward,
            Learner.Tokenizer, _spec.Algorithm.NormalizeAdvantageStd, _spec.Algorithm.AdvantageEstimator)).ToArray();
        var metrics = Learner.Train(step, groups, rolloutSeconds);
        clock.Restart();
        _publisher.Publish(Learner.WeightVersion);
        return metrics with { SyncSeconds = metrics.SyncSeconds + clock.Elapsed.TotalSeconds, IterationSeconds = metrics.IterationSeconds + clock.Elapsed.TotalSeconds };
    }
}
