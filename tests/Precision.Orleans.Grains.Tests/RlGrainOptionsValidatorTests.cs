using Microsoft.Extensions.Options;
using Xunit;

namespace Precision.Orleans.Grains.Tests;

/// <summary>Bad RL grain options are refused before a silo starts, each failure naming the option and the value.</summary>
public sealed class RlGrainOptionsValidatorTests
{
    [Fact]
    public void The_defaults_pass()
    {
        Assert.True(new RlGrainOptionsValidator().Validate(null, new RlGrainOptions()).Succeeded);
    }

    [Theory]
    [InlineData("WeightChunkBytes", "got 0")]
    [InlineData("WeightChunkBytes", "got 104857600")]
    [InlineData("RolloutCoalesceWindow", "got -00:00:00.0010000")]
    [InlineData("RunsRoot", "got ' '")]
    [InlineData("WorkerWaitTimeout", "got 00:00:00")]
    [InlineData("MaxDispatches", "got 0")]
    [InlineData("RolloutSlots", "got -1")]
    [InlineData("Roles", "trainer")]
    [InlineData("ShardedRunRestarts", "got -1")]
    [InlineData("ShardedRunRestarts", "got 101")]
    [InlineData("ShardedRunRestartDelay", "got -00:00:00.0010000")]
    [InlineData("ShardedRunRestartDelay", "got 00:05:00.0010000")]
    public void A_bad_value_fails_with_its_key_and_value(string key, string expected)
    {
        var options = Bad(key, expected);
        var result = new RlGrainOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        var failure = Assert.Single(result.Failures!);
        Assert.Contains($"RlGrainOptions.{key}", failure, StringComparison.Ordinal);
        Assert.Contains(expected, failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Restart_bounds_at_their_limits_pass()
    {
        var edges = new[]
        {
            new RlGrainOptions { ShardedRunRestarts = 0, ShardedRunRestartDelay = TimeSpan.Zero },
            new RlGrainOptions { ShardedRunRestarts = RlGrainOptionsValidator.MaxShardedRunRestarts, ShardedRunRestartDelay = RlGrainOptionsValidator.MaxShardedRunRestartDelay },
        };
        Assert.All(edges, o => Assert.True(new RlGrainOptionsValidator().Validate(null, o).Succeeded));
    }

    [Fact]
    public void A_silo_with_a_bad_weight_chunk_refuses_to_be_built()
    {
        var e = Assert.Throws<OptionsValidationException>(() => EmbeddedRlSilo.Build(new RlGrainOptions { WeightChunkBytes = -5 }));
        Assert.Contains("RlGrainOptions.WeightChunkBytes must be 1–", e.Message, StringComparison.Ordinal);
        Assert.Contains("got -5", e.Message, StringComparison.Ordinal);
    }

    private static RlGrainOptions Bad(string key, string expected) => key switch
    {
        "WeightChunkBytes" => new() { WeightChunkBytes = expected == "got 0" ? 0 : 100 << 20 },
        "RolloutCoalesceWindow" => new() { RolloutCoalesceWindow = TimeSpan.FromMilliseconds(-1) },
        "RunsRoot" => new() { RunsRoot = " " },
        "WorkerWaitTimeout" => new() { WorkerWaitTimeout = TimeSpan.Zero },
        "MaxDispatches" => new() { MaxDispatches = 0 },
        "RolloutSlots" => new() { RolloutSlots = -1 },
        "Roles" => new() { Roles = ["learner", "trainer"] },
        "ShardedRunRestarts" => new() { ShardedRunRestarts = expected == "got -1" ? -1 : 101 },
        "ShardedRunRestartDelay" => new() { ShardedRunRestartDelay = expected.StartsWith("got -", StringComparison.Ordinal) ? TimeSpan.FromMilliseconds(-1) : TimeSpan.FromMinutes(5) + TimeSpan.FromMilliseconds(1) },
        _ => throw new ArgumentOutOfRangeException(nameof(key)),
    };
}
