using Precision.Orleans.Engine.Rollout;
using Precision.Orleans.Engine.Text;
using Precision.Orleans.Engine.Training;
using Precision.Orleans.RL.Algorithms;
using Precision.Orleans.RL.Spec;
using Precision.Orleans.RL.Tasks;

namespace Precision.Orleans.RL.Training;

/// <summary>
/// One policy iteration at a time on the local rollout engine: a <see cref="PolicyIterationLoop"/> step with the
/// <see cref="LocalRolloutCollector"/> (for callers that drive the steps themselves, e.g. learning tests).
/// </summary>
internal sealed class PolicyIteration
{
    private readonly PolicyIterationLoop _loop;

    public PolicyIteration(RunSpec spec, TrainingEngine engine, RolloutEngine rollout, ITokenizer tokenizer,
        PromptOrder order, IRewardFunction reward, PolicyLoss algorithm, LossAggregation aggregation, PolicyPublisher? publisher = null)
        : this(spec, rollout, reward, new PolicyLearner(spec, engine, tokenizer, order, algorithm, aggregation), publisher)
    {
    }

    public PolicyIteration(RunSpec spec, RolloutEngine rollout, IRewardFunction reward, PolicyLearner learner, PolicyPublisher? publisher = null)
    {
        Learner = learner;
        _loop = new PolicyIterationLoop(spec, learner,
            new LocalRolloutCollector(spec, learner.Tokenizer, rollout, reward, publisher ?? new PolicyPublisher(learner.Engine, rollout, spec.Lora)));
    }

    public PolicyLearner Learner { get; }

    public long WeightVersion => Learner.WeightVersion;

    public IterationMetrics Run(int step) => _loop.StepAsync(step, CancellationToken.None).GetAwaiter().GetResult().Metrics;
}
