using Microsoft.Extensions.Configuration;
using Precision.Orleans.SiloHost;
using Xunit;

namespace Precision.Orleans.Client.Tests.Deploy;

/// <summary>The silo host binds the RL grains' tuning from Silo:Grains and refuses a bad value with the validator's reason.</summary>
public sealed class SiloGrainOptionsTests
{
    private static IConfiguration Settings(params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Silo:Redis"] = "127.0.0.1:6379,password=pw",
            ["Silo:WebPort"] = "0",
        };
        foreach (var (key, value) in extra) settings[key] = value;
        return new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
    }

    [Fact]
    public void Tuning_in_Silo_Grains_reaches_the_grain_options()
    {
        var configuration = Settings(("Silo:Grains:WeightChunkBytes", "1048576"), ("Silo:Grains:RolloutCoalesceWindow", "00:00:00.025"),
            ("Silo:Grains:ShardedRunRestarts", "3"), ("Silo:Grains:ShardedRunRestartDelay", "00:00:05"));
        var options = SiloHostBuilder.Bind(configuration, out var failures);
        Assert.Empty(failures);
        var grains = SiloHostBuilder.GrainOptions(options, configuration);
        Assert.Equal(1 << 20, grains.WeightChunkBytes);
        Assert.Equal(TimeSpan.FromMilliseconds(25), grains.RolloutCoalesceWindow);
        Assert.Equal(3, grains.ShardedRunRestarts);
        Assert.Equal(TimeSpan.FromSeconds(5), grains.ShardedRunRestartDelay);
        Assert.Equal(Path.GetFullPath("runs"), grains.RunsRoot);
    }

    [Theory]
    [InlineData("Silo:Grains:WeightChunkBytes", "0", "WeightChunkBytes must be 1–")]
    [InlineData("Silo:Grains:RolloutCoalesceWindow", "-00:00:01", "RolloutCoalesceWindow must be 0–10 s, got -00:00:01")]
    [InlineData("Silo:RunsRoot", "", "RunsRoot must name a directory")]
    [InlineData("Silo:Grains:ShardedRunRestarts", "-1", "ShardedRunRestarts must be 0–100, got -1")]
    public void A_bad_grain_option_is_refused_at_binding(string key, string value, string expected)
    {
        SiloHostBuilder.Bind(Settings((key, value)), out var failures);
        var failure = Assert.Single(failures);
        Assert.StartsWith("Silo:Grains: RlGrainOptions.", failure, StringComparison.Ordinal);
        Assert.Contains(expected, failure, StringComparison.Ordinal);
    }
}
