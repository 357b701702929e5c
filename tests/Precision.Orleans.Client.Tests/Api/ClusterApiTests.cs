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
    public async Task Each_silo_answers_for_the_whole_cluster_by_asking_its_peers_over_http2()
    {
        var cluster = new Runtime.Hosting.InProcessCluster();
        var book = new Fakes.RunBook();
        await using var learner = await ApiSilo.StartAsync(cluster: cluster, book: book, siloId: "silo-a", role: "learner");
        await using var rollout = await ApiSilo.StartAsync(cluster: cluster, book: book, siloId: "silo-b", role: "rollout");
        using var http = learner.Client();
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(System.Net.HttpStatusCode.Created,
                (await http.PostAsync($"/api/runs?id=r{i}", new StringContent(learner.ValidSpec(), Encoding.UTF8, "application/yaml"))).StatusCode);
        }
        // The runs are visible from either silo.
        Assert.Equal(6, (await rollout.Client().GetFromJsonAsync<List<Abstractions.Grains.Rl.RunStatus>>("/api/runs", SiloApiJson.Options))!.Count);

        foreach (var asked in new[] { learner, rollout })
        {
            var snapshot = await asked.Client().GetFromJsonAsync<ClusterSnapshot>("/api/cluster", SiloApiJson.Options);
            Assert.Equal(["silo-a", "silo-b"], snapshot!.Silos.Select(r => r.SiloId));
            Assert.All(snapshot.Silos, r => Assert.Equal(("Active", (string?)null), (r.Status, r.Error)));
            Assert.Equal([learner.Url, rollout.Url], snapshot.Silos.Select(r => r.Self!.Endpoint));
            Assert.Equal(["learner", "rollout"], snapshot.Silos.Select(r => string.Join(",", r.Self!.Roles)));
            // Activations live on both silos (random placement) and add up to the cluster's grains.
            Assert.Equal(learner.Silo.ActivationCount + rollout.Silo.ActivationCount, snapshot.Silos.Sum(r => r.Self!.ActivationCount));
            Assert.Equal(6, snapshot.ActivationsByType["IRunGrain"]);
            Assert.Equal(1, snapshot.ActivationsByType["IRunRegistryGrain"]);
        }

        // A silo whose process stops answering keeps its row, with the reason it could not be asked.
        await rollout.StopServingAsync();
        var after = await http.GetFromJsonAsync<ClusterSnapshot>("/api/cluster", SiloApiJson.Options);
        var gone = Assert.Single(after!.Silos, r => r.SiloId == "silo-b");
        Assert.Null(gone.Self);
        Assert.False(string.IsNullOrEmpty(gone.Error));
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
