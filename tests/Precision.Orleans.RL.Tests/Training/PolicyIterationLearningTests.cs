using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Rollout;
using Precision.Orleans.Engine.Text;
using Precision.Orleans.Engine.Training;
using Precision.Orleans.RL.Algorithms;
using Precision.Orleans.RL.Tasks;
using Precision.Orleans.RL.Training;
using Xunit;

namespace Precision.Orleans.RL.Tests.Training;

public sealed class PolicyIterationLearningTests
{
    /// <summary>Rewards responses that start with '7': a random tiny policy rarely does, so only learning can raise it.</summary>
    private sealed class StartsWithSeven : IRewardFunction
    {
        public double Reward(Problem problem, string response) => response.StartsWith('7') ? 1 : 0;
    }

    [Theory]
    [InlineData("pg-seq-is")]
    [InlineData("grpo-token-tis")]
    public void Iterations_raise_the_reward_they_are_given(string algorithm)
    {
        using var run = new TinyRun();
        var spec = run.Spec(run.Yaml(algorithm: algorithm)) with { Optimizer = new() { LearningRate = 0.02f } };
        spec = spec with { Batch = spec.Batch with { Prompts = 4, GroupSize = 8, MiniBatches = 2 } };
        var model = ModelCheckpoint.Load(run.ModelDir);
        var engine = new TrainingEngine(model.Config, new TrainingOptions { Optimizer = new AdamWOptions { LearningRate = 0.02f, WeightDecay = 0 } }, model.Weights);
        var rollout = new RolloutEngine(model.Config, DType.Fp32);
        WeightSync.Publish(engine.MasterWeights, 0, rollout);
        var iteration = new PolicyIteration(spec, engine, rollout, CharTokenizer.Load(run.ModelDir),
            new PromptOrder(ProblemSetFile.ReadProblems(run.ProblemsPath), spec.Seed), new StartsWithSeven(),
            AlgorithmCatalog.Create(algorithm, new AlgorithmOptions()), LossAggregation.SeqMeanTokenSumNorm);

        var accuracy = Enumerable.Range(1, 20).Select(iteration.Run).Select(m => m.Accuracy).ToArray();
        Assert.True(accuracy.Take(3).Average() < 0.3, string.Join(" ", accuracy));
        Assert.True(accuracy.TakeLast(3).Average() > 0.8, string.Join(" ", accuracy));
    }
}
