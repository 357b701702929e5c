using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Rollout;
using Precision.Orleans.Engine.Text;
using Precision.Orleans.RL.Training;
using Xunit;

namespace Precision.Orleans.RL.Tests.Training;

public sealed class GroupRolloutTests
{
    /// <summary>
    /// The distributed run samples each prompt group on its own (on any worker); the embedded trainer samples the whole
    /// step in one batch. Equal samples are what makes the two modes' metrics equal.
    /// </summary>
    [Theory]
    [InlineData("fp16")]
    [InlineData("bf16")]
    public void A_group_sampled_alone_equals_the_same_group_inside_the_step_batch(string dtype)
    {
        using var run = new TinyRun();
        var spec = run.Spec(run.Yaml(rollout: dtype));
        var model = ModelCheckpoint.Load(run.ModelDir);
        var tokenizer = CharTokenizer.Load(run.ModelDir);
        var prompts = new[] { "1+2=", "4+0=", "3+3=" }.Select(p => tokenizer.Encode(p, addBos: true)).ToArray();
        int g = spec.Batch.GroupSize;
        var whole = new RolloutEngine(model.Config, DTypeNames.Parse(dtype));
        whole.LoadWeights(model.Weights, 0);
        var batch = whole.Generate(prompts.SelectMany(p => Enumerable.Repeat(p, g)).ToArray(), GroupRollout.Sampling(spec, 3, 0));

        var alone = new RolloutEngine(model.Config, DTypeNames.Parse(dtype), maxBatchSize: 2);
        alone.LoadWeights(model.Weights, 0);
        for (int p = prompts.Length - 1; p >= 0; p--)
        {
            var group = GroupRollout.Generate(alone, prompts[p], g, p, GroupRollout.Sampling(spec, 3, 0));
            for (int i = 0; i < g; i++)
            {
                var expected = batch[p * g + i];
                Assert.Equal(expected.Tokens, group[i].Tokens);
                Assert.Equal(expected.LogProbs, group[i].LogProbs);
                Assert.Equal(expected.Finish, group[i].Finish);
            }
        }
        // Different steps draw different samples (the comparison above is not vacuous).
        var other = whole.Generate(prompts.SelectMany(p => Enumerable.Repeat(p, g)).ToArray(), GroupRollout.Sampling(spec, 4, 0));
        Assert.NotEqual(batch.SelectMany(s => s.Tokens), other.SelectMany(s => s.Tokens));
    }
}
