using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Engine.Rollout;
using Xunit;

namespace Precision.Orleans.Grains.Tests;

/// <summary>The engine's <see cref="SamplingOptions"/> crosses Orleans' serializer as itself, inside the rollout work records.</summary>
public sealed class SamplingOptionsWireTests
{
    private static readonly Serializer Serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

    private static void AssertSame(SamplingOptions sent, SamplingOptions? arrived)
    {
        Assert.NotNull(arrived);
        Assert.Equal(sent.Temperature, arrived.Temperature);
        Assert.Equal(sent.TopP, arrived.TopP);
        Assert.Equal(sent.TopK, arrived.TopK);
        Assert.Equal(sent.MaxNewTokens, arrived.MaxNewTokens);
        Assert.Equal(sent.StopTokens, arrived.StopTokens);
        Assert.Equal(sent.Seed, arrived.Seed);
        Assert.Equal(sent.FirstSequenceIndex, arrived.FirstSequenceIndex);
        Assert.Equal(sent.SequenceStreams, arrived.SequenceStreams);
    }

    [Fact]
    public void Every_field_round_trips_including_values_that_differ_from_the_record_defaults()
    {
        // Temperature 0 (greedy) and TopP/MaxNewTokens off their defaults: a serializer that skipped "default" fields and
        // rebuilt the record with its initializers would turn greedy into temperature 1.
        var sent = new SamplingOptions
        {
            Temperature = 0f, TopP = 0.85f, TopK = 17, MaxNewTokens = 9, StopTokens = [2, 11], Seed = 0xFEDC_BA98_7654_3210UL,
            FirstSequenceIndex = 12, SequenceStreams = [4, 5, 0, 1],
        };
        AssertSame(sent, Serializer.Deserialize<SamplingOptions>(Serializer.SerializeToArray(sent)));

        var defaults = new SamplingOptions();
        var back = Serializer.Deserialize<SamplingOptions>(Serializer.SerializeToArray(defaults));
        AssertSame(defaults, back);
        Assert.Null(back!.SequenceStreams);
    }

    [Fact]
    public void Rollout_requests_and_prompt_group_work_carry_the_engine_options()
    {
        var sampling = new SamplingOptions { Temperature = 0.7f, TopK = 3, MaxNewTokens = 5, StopTokens = [1], Seed = 42 };
        var request = new RolloutRequest("run", "/m", "fp32", [1, 2], 4, 8, 0, 1, sampling, null);
        AssertSame(sampling, Serializer.Deserialize<RolloutRequest>(Serializer.SerializeToArray(request))!.Sampling);

        var work = new PromptGroupWork("run", 1, 2, "1+1=", "2", [1, 2], 4, "", false, "/m", "fp32", 0, 1, sampling, null);
        AssertSame(sampling, Serializer.Deserialize<PromptGroupWork>(Serializer.SerializeToArray(work))!.Sampling);
    }
}
