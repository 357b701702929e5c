using System.Diagnostics;
using System.Net;
using Precision.Orleans.Runtime.Directory;
using Precision.Orleans.Runtime.Hosting;
using Precision.Orleans.Runtime.Membership;
using Precision.Orleans.Runtime.Placement;
using Precision.Orleans.Runtime.TestGrains;
using Precision.Orleans.Runtime.Tests.Clustering;
using Precision.Orleans.Runtime.Transport.Http2;
using Xunit;
using Xunit.Abstractions;

namespace Precision.Orleans.Runtime.Tests.Cluster;

/// <summary>
/// PostgreSQL + two silo PROCESSES on loopback + this test as the client. Silo A hosts the relay (role "relay") and
/// can host workers; silo B hosts workers only. Placement is least-loaded, so the first worker lands on the empty B.
/// </summary>
public sealed class MultiProcessClusterTests(ITestOutputHelper output)
{
    private const string Token = "multi-process-test-token-0123";
    private const int HeartbeatMs = 250;

    [Fact]
    public async Task A_grain_on_silo_B_is_called_from_silo_A_and_after_SIGKILL_of_B_reactivates_on_A()
    {
        var clusterId = TestPostgres.NewClusterId();
        var common = new[]
        {
            "--postgres", TestPostgres.ConnectionString, "--cluster-token", Token, "--cluster-id", clusterId,
            "--heartbeat-ms", HeartbeatMs.ToString(), "--missed-heartbeats", "3", "--placement", "least-loaded",
            "--grain-assembly", typeof(WorkerGrain).Assembly.Location,
        };
        await using var clustering = await TestPostgres.ConnectAsync(clusterId);
        var startA = SiloProcess.StartAsync("A", [.. common, "--roles", "relay,worker"]);
        var startB = SiloProcess.StartAsync("B", [.. common, "--roles", "worker"]);
        await using var a = await startA;
        await using var b = await startB;
        try
        {
            using var transport = new Http2GrainTransport(new Http2TransportOptions { ClusterToken = Token });
            await using var client = new ClusterClient(clustering.Membership, clustering.Directory, transport, new ClusterClientOptions
            {
                GrainClasses = [typeof(WorkerGrain), typeof(RelayGrain)],
                Placement = new PlacementOptions { Strategy = PlacementStrategy.LeastLoaded },
            });
            await client.ConnectAsync();
            // Least-loaded placement on A counts only silos in A's membership view: wait until both rows are Active,
            // then for A's next refresh, or A may place the worker on itself before it has seen B.
            Assert.True(await WaitForAsync(async () => (await clustering.Membership.ReadAllAsync())
                .Count(e => e.Status == SiloStatus.Active) == 2, TimeSpan.FromSeconds(30)), "silos A and B did not both become Active");
            await Task.Delay(4 * HeartbeatMs);
            var relay = client.GetGrain<IRelayGrain>("relay");

            // Silo A calls the worker, placed on B (least loaded: A already hosts the relay).
            Assert.Equal(new WorkerReply("B", 1), await relay.AskWorkerAsync("w"));
            Assert.Equal(new WorkerReply("B", 2), await relay.AskWorkerAsync("w"));
            var worker = GrainId.For(typeof(IWorkerGrain), "w");
            Assert.Equal("B", (await clustering.Directory.LookupAsync(worker))!.Silo.SiloId);

            // Every endpoint of a silo process needs the token.
            await AssertTokenRequiredAsync(b.Endpoint);

            var watch = Stopwatch.StartNew();
            b.Kill();
            var dead = await WaitForAsync(async () => (await clustering.Membership.ReadAllAsync())
                .Any(e => e.Silo.SiloId == "B" && e.Status == SiloStatus.Dead), TimeSpan.FromSeconds(30));
            Assert.True(dead, "silo B was not declared dead within 30 s");
            output.WriteLine($"B declared dead {watch.ElapsedMilliseconds} ms after SIGKILL (heartbeat {HeartbeatMs} ms × 3)");

            // The next call re-activates the worker on the live silo: a fresh activation (its call count restarts).
            Assert.Equal(new WorkerReply("A", 1), await relay.AskWorkerAsync("w"));
            output.WriteLine($"worker re-activated on A {watch.ElapsedMilliseconds} ms after SIGKILL");
            Assert.Equal("A", (await clustering.Directory.LookupAsync(worker))!.Silo.SiloId);
        }
        catch
        {
            output.WriteLine("--- silo A output ---\n" + a.Output);
            output.WriteLine("--- silo B output ---\n" + b.Output);
            throw;
        }
    }

    private static async Task AssertTokenRequiredAsync(string endpoint)
    {
        using var http = new HttpClient();
        foreach (var token in new[] { null, "wrong-token-wrong-token-wrong", Token })
        {
            using var message = new HttpRequestMessage(HttpMethod.Get, endpoint + GrainCallEndpoints.ReadyPath)
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            };
            if (token is not null)
            {
                message.Headers.Authorization = new("Bearer", token);
            }

            using var response = await http.SendAsync(message);
            Assert.Equal(token == Token ? HttpStatusCode.OK : HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }

    private static async Task<bool> WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(100);
        }

        return false;
    }
}
