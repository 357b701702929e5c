using System.Net.Http.Json;
using System.Text;
using Precision.Orleans.SiloHost.Api;
using Xunit;

namespace Precision.Orleans.Client.Tests.Api;

/// <summary>/api/cluster: silos with status, roles and heartbeat age; activations per grain type; call counts and rates.</summary>
public sealed class ClusterApiTests
{
    [Fact]
    public async Task Shows_the_silo_its_activations_per_type_and_calls()
    {
        await using var silo = await ApiSilo.StartAsync();
        using var http = silo.Client();
        await http.PostAsync("/api/runs?id=c1", new StringContent(silo.ValidSpec(), Encoding.UTF8, "application/yaml"));
        await http.PostAsync("/api/runs?id=c2", new StringContent(silo.ValidSpec(), Encoding.UTF8, "application/yaml"));
        for (var i = 0; i < 5; i++)
        {
            await http.GetAsync("/api/runs/c1");
        }

        var cluster = await http.GetFromJsonAsync<ClusterSnapshot>("/api/cluster", SiloApiJson.Options);
        Assert.Equal("api-silo", cluster!.AnsweredBy);
        var row = Assert.Single(cluster.Silos);
        Assert.Equal(("api-silo", "Active", "learner"), (row.SiloId, row.Status, string.Join(",", row.Roles)));
        Assert.InRange(row.HeartbeatAgeSeconds, 0, 30);
        Assert.Null(row.Error);
        Assert.Equal(2, cluster.ActivationsByType["IRunGrain"]);
        Assert.Equal(1, cluster.ActivationsByType["IRunRegistryGrain"]);
        Assert.Equal(3, row.Self!.ActivationCount);
        // 2 submits (+2 registrations) and 5 status reads, each also asking the registry whether the run exists.
        Assert.Equal(2 + 2 + 5 * 2, row.Self.CallsByType["IRunGrain"] + row.Self.CallsByType["IRunRegistryGrain"]);
        Assert.Equal(silo.Silo.Calls.Total, row.Self.CallsTotal);
    }

    [Fact]
    public void Call_rate_is_the_counter_slope_over_the_window()
    {
        var time = new ManualTime();
        var counters = new Runtime.Hosting.SiloCallCounters();
        using var sampler = new CallRateSampler(() => counters, time);
        Assert.Equal(0, sampler.CallsPerSecond);
        for (var second = 1; second <= 20; second++)
        {
            for (var i = 0; i < (second <= 10 ? 3 : 7); i++)
            {
                counters.Count("G");
            }
            time.Advance(TimeSpan.FromSeconds(1));
            sampler.Sample();
        }
        // Only the last 10 s (7 calls/s) are in the window.
        Assert.Equal(7, sampler.CallsPerSecond, 6);
    }

    private sealed class ManualTime : TimeProvider
    {
        private DateTimeOffset _now = DateTimeOffset.UnixEpoch;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;

        // The sampler's own timer never fires here; the test samples by hand.
        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => new NoTimer();

        private sealed class NoTimer : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }
}
