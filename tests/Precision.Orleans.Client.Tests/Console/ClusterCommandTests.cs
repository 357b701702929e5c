using System.Diagnostics;
using Precision.Orleans.Client.Cluster;
using Xunit;

namespace Precision.Orleans.Client.Tests.Console;

/// <summary>The cluster commands' target and the errors they stop with before any cluster answers.</summary>
public sealed class ClusterCommandTests
{
    [Fact]
    public void Target_comes_from_options_then_environment_and_needs_a_password()
    {
        var env = new Dictionary<string, string?> { [ClusterTarget.AddressVariable] = "redis://redis:6380", [ClusterTarget.PasswordVariable] = "env-pw" };
        Assert.Equal(new ClusterTarget("redis", 6380, "env-pw", "precision"), ClusterTarget.Resolve(null, null, env.GetValueOrDefault));
        Assert.Equal(new ClusterTarget("other", 1, "opt", "precision"), ClusterTarget.Resolve("redis://other:1", "opt", env.GetValueOrDefault));
        // The password in the URL wins; the default port is Redis'; the cluster id comes from its variable.
        env[ClusterTarget.ClusterIdVariable] = "blue";
        Assert.Equal(new ClusterTarget("h", 6379, "p@ss", "blue"), ClusterTarget.Resolve("redis://:p%40ss@h", "opt", env.GetValueOrDefault));
        Assert.Equal("h:6379,password=p@ss,abortConnect=false,connectTimeout=3000", ClusterTarget.Resolve("redis://:p%40ss@h", null, _ => null)!.RedisConfiguration);
        Assert.Null(ClusterTarget.Resolve(null, "t", _ => null));
        Assert.Contains("No Redis password", Assert.Throws<ClusterException>(() => ClusterTarget.Resolve("redis://a:1", null, _ => null)).Message, StringComparison.Ordinal);
        Assert.Contains("No cluster address", Assert.Throws<ClusterException>(() => ClusterTarget.Require(null, "t", _ => null)).Message, StringComparison.Ordinal);
        var notRedis = Assert.Throws<ClusterException>(() => ClusterTarget.Resolve("http://:secret@silo:11111", "t", _ => null)).Message;
        Assert.Contains("is not redis://", notRedis, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", notRedis, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Errors_say_what_is_wrong_within_a_bounded_time()
    {
        var noAddress = await CommandRun.InvokeAsync("list");
        if (Environment.GetEnvironmentVariable(ClusterTarget.AddressVariable) is null)
        {
            Assert.Equal(ClusterException.ExitCode, noAddress.ExitCode);
            Assert.Contains("No cluster address", noAddress.Error, StringComparison.Ordinal);
        }

        // A port nobody listens on: the console stops with the reason instead of retrying forever.
        int port = MultiProcess.SiloProcess.FreePort();
        var clock = Stopwatch.StartNew();
        var unreachable = await CommandRun.InvokeAsync("list", "--cluster", $"redis://:pw@127.0.0.1:{port}");
        Assert.Equal(ClusterException.ExitCode, unreachable.ExitCode);
        Assert.Contains($"Cannot connect to the cluster's Redis at redis://127.0.0.1:{port}", unreachable.Error, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");

        var missingFile = await CommandRun.InvokeAsync("submit", "/nonexistent/absent.yaml", "--cluster", $"redis://:pw@127.0.0.1:{port}");
        Assert.Contains("Run spec file not found", missingFile.Error, StringComparison.Ordinal);
    }
}
