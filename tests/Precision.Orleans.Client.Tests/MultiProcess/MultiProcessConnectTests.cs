using System.Diagnostics;
using Orleans.Runtime;
using Orleans.Runtime.Messaging;
using Polly.Timeout;
using Precision.Orleans.Client.Cluster;
using Xunit;

namespace Precision.Orleans.Client.Tests.MultiProcess;

/// <summary>
/// The console's connection attempts (a Polly pipeline): a silo that comes up while the console is connecting is
/// reached; transient failures are retried with backoff until the bound, anything else fails on the first attempt.
/// </summary>
public sealed class MultiProcessConnectTests
{
    [Fact]
    public async Task A_silo_started_after_the_client_began_connecting_is_reached()
    {
        await using var cluster = new SiloCluster();
        var target = ClusterTarget.Require(cluster.Url, null, name => name == ClusterTarget.ClusterIdVariable ? cluster.ClusterId : null);
        var clock = Stopwatch.StartNew();
        var connecting = ClusterRunClient.ConnectAsync(target, TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.False(connecting.IsCompleted, connecting.Exception?.GetBaseException().Message ?? "connected with no silo running");

        await cluster.StartSiloAsync("late", "learner");
        var siloActiveAt = clock.Elapsed;
        await using var client = await connecting;
        Assert.True(clock.Elapsed >= siloActiveAt - TimeSpan.FromSeconds(5), $"connected at {clock.Elapsed}, silo active at {siloActiveAt}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed}");
        Assert.Empty(await client.ListAsync());
    }

    [Fact]
    public async Task Transient_failures_are_retried_with_backoff_and_others_fail_at_once()
    {
        int attempts = 0;
        var answer = await ClusterRunClient.ConnectPipeline(TimeSpan.FromSeconds(20)).ExecuteAsync(_ =>
            ++attempts < 4 ? throw new SiloUnavailableException("gateway not up yet") : ValueTask.FromResult(attempts));
        Assert.Equal(4, answer);

        attempts = 0;
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await ClusterRunClient.ConnectPipeline(TimeSpan.FromSeconds(20)).ExecuteAsync<int>(_ =>
        {
            attempts++;
            throw new InvalidOperationException("not a connection failure");
        }));
        Assert.Equal(1, attempts);

        // A refused TLS handshake, wrapped as Orleans wraps a gateway's (two ConnectionFailedExceptions): not retried.
        attempts = 0;
        await Assert.ThrowsAsync<ConnectionFailedException>(async () => await ClusterRunClient.ConnectPipeline(TimeSpan.FromSeconds(20)).ExecuteAsync<int>(_ =>
        {
            attempts++;
            throw new ConnectionFailedException("Unable to connect to any of the 1 available gateways.",
                new ConnectionFailedException("Unable to connect to endpoint", new System.Security.Authentication.AuthenticationException("The remote certificate was rejected")));
        }));
        Assert.Equal(1, attempts);

        attempts = 0;
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAsync<TimeoutRejectedException>(async () => await ClusterRunClient.ConnectPipeline(TimeSpan.FromSeconds(2)).ExecuteAsync<int>(_ =>
        {
            attempts++;
            throw new SiloUnavailableException("no gateway");
        }));
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.9), TimeSpan.FromSeconds(5));
        // Exponential backoff from 200 ms: a handful of attempts in 2 s, not a busy loop.
        Assert.InRange(attempts, 2, 8);
    }
}
