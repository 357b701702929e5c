using System.Diagnostics;
using System.Net;
using Precision.Orleans.Runtime.Messaging;
using Precision.Orleans.Abstractions.Grains.Rl;
using Xunit;
using Xunit.Abstractions;

namespace Precision.Orleans.Grains.Tests;

/// <summary>
/// PostgreSQL + three silo PROCESSES on loopback (a learner silo and rollout silos, src/Silo), the run submitted by
/// this test as the cluster client over HTTP/2 with the cluster token.
/// </summary>
public sealed class MultiProcessRunTests(ITestOutputHelper output)
{
    // Long enough that the join and the kill land mid-run on a quiet machine (a tiny step over HTTP/2 takes ~50 ms).
    private const int Steps = 100;

    [Fact]
    public async Task A_run_completes_while_a_rollout_silo_joins_and_another_is_SIGKILLed_with_every_group_trained_once()
    {
        using var run = new TinyRlRun();
        string yaml = run.Yaml(iterations: Steps, checkpointEvery: 10, prompts: 6);
        var embedded = EmbeddedReference.Run(yaml, Path.Combine(run.Root, "embedded"));

        await using var cluster = new PostgresRlCluster(Path.Combine(run.Root, "runs"));
        var startLearner = cluster.StartSiloAsync("learner", "learner", rolloutSlots: 0);
        var startA = cluster.StartSiloAsync("rollout-a", "cpu", rolloutSlots: 1);
        await startLearner;
        var a = await startA;
        await cluster.ConnectClientAsync();
        try
        {
            var runGrain = cluster.Client.GetGrain<IRunGrain>("mp-elastic");
            // A bad spec is refused at submit with the reason, across the wire.
            var refused = await Assert.ThrowsAsync<GrainCallException>(() => runGrain.Submit(yaml.Replace("max_new_tokens: 10", "max_new_tokens: 0")));
            Assert.Contains("rollout.max_new_tokens", refused.Message);
            // A grain call without the cluster token is refused (401) by every silo process.
            await AssertCallWithoutTokenRefusedAsync(a.Endpoint);
            await runGrain.Submit(yaml);
            await cluster.WaitAsync("mp-elastic", s => s.Step >= 2, TimeSpan.FromSeconds(60));

            var watch = Stopwatch.StartNew();
            await cluster.StartSiloAsync("rollout-b", "cpu", rolloutSlots: 1);
            output.WriteLine($"rollout-b process ready after {watch.ElapsedMilliseconds} ms");
            while (!(await runGrain.GetTrainedGroups()).Any(t => t.WorkerKey == "rollout-b/0"))
            {
                if (watch.Elapsed > TimeSpan.FromSeconds(10))
                    Assert.Fail($"the joined rollout silo got no work within 10 s of its start; run {await runGrain.GetStatus()}; " +
                        $"pool {string.Join(", ", await cluster.Client.GetGrain<IWorkerPoolGrain>(IWorkerPoolGrain.Key).List())}");
                await Task.Delay(50);
            }
            output.WriteLine($"rollout-b trained on {watch.ElapsedMilliseconds} ms after its process started");
            int stepAtKill = (await runGrain.GetStatus()).Step;
            output.WriteLine($"step {stepAtKill} trained {watch.ElapsedMilliseconds} ms after rollout-b started");
            Assert.True(stepAtKill < Steps - 2, $"the run was at step {stepAtKill} of {Steps} at the kill: make it longer");

            a.Kill();
            output.WriteLine($"SIGKILL rollout-a after step {stepAtKill}");
            var status = await cluster.WaitAsync("mp-elastic", s => s.State == RunState.Completed, TimeSpan.FromSeconds(60));
            Assert.Equal(Steps, status.Step);

            var trained = await runGrain.GetTrainedGroups();
            InProcessRunTests.AssertExactlyOnce(trained, steps: Steps, prompts: 6);
            Assert.All(trained.Where(t => t.Step > stepAtKill + 1), t => Assert.Equal("rollout-b/0", t.WorkerKey));
            var records = await runGrain.GetMetrics(0);
            output.WriteLine($"redispatches: {records.Sum(r => r.Redispatches)}; tokens/s per step: {string.Join(" ", records.Select(r => r.TokensPerSecond.ToString("0")))}");
            SameMetrics.Assert(embedded, records, SameMetrics.FinalWeightsHash(Path.Combine(run.Root, "embedded")));
        }
        catch
        {
            output.WriteLine(cluster.Outputs());
            throw;
        }
    }

    private static async Task AssertCallWithoutTokenRefusedAsync(string endpoint)
    {
        using var http = new HttpClient();
        foreach (var token in new[] { null, "wrong-token-wrong-token-wrong-token" })
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, endpoint + "/grain-call")
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Content = new ByteArrayContent([1, 2, 3]),
            };
            if (token is not null) message.Headers.Authorization = new("Bearer", token);
            using var response = await http.SendAsync(message);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }

    [Fact]
    public async Task A_SIGKILLed_learner_silo_restarted_resumes_from_its_last_checkpoint_and_matches_the_embedded_run()
    {
        using var run = new TinyRlRun();
        // Long enough that the kill lands mid-run on a quiet machine (a tiny step over HTTP/2 takes ~50 ms).
        const int iterations = 60;
        string yaml = run.Yaml(iterations: iterations, checkpointEvery: 3);
        var embedded = EmbeddedReference.Run(yaml, Path.Combine(run.Root, "embedded"));

        await using var cluster = new PostgresRlCluster(Path.Combine(run.Root, "runs"));
        var starts = new[]
        {
            cluster.StartSiloAsync("learner", "learner", rolloutSlots: 0),
            cluster.StartSiloAsync("rollout-a", "cpu", rolloutSlots: 1),
            cluster.StartSiloAsync("rollout-b", "cpu", rolloutSlots: 1),
        };
        var learner = (await Task.WhenAll(starts))[0];
        await cluster.ConnectClientAsync();
        try
        {
            var runGrain = cluster.Client.GetGrain<IRunGrain>("mp-failover");
            await runGrain.Submit(yaml);
            await cluster.WaitAsync("mp-failover", s => s.Step >= 4, TimeSpan.FromSeconds(60));
            learner.Kill();
            int trainedBeforeKill = (await runGrain.GetStatus()).Step;
            output.WriteLine($"SIGKILL learner after step {trainedBeforeKill}");
            Assert.True(trainedBeforeKill < iterations, $"the run finished (step {trainedBeforeKill}) before the kill: make it longer");
            await cluster.StartSiloAsync("learner", "learner", rolloutSlots: 0);
            var status = await cluster.WaitAsync("mp-failover", s => s.State == RunState.Completed, TimeSpan.FromSeconds(60));
            Assert.Equal(iterations, status.Step);

            var resume = Assert.Single(await runGrain.GetResumes());
            output.WriteLine($"resumed from checkpoint step {resume.CheckpointStep}; lost {resume.LastTrainedStep - resume.CheckpointStep} trained step(s)");
            Assert.Equal(0, resume.CheckpointStep % 3);
            Assert.Equal(trainedBeforeKill, resume.LastTrainedStep);
            // Progress is written before its checkpoint, so a kill between the two loses the steps since the previous
            // checkpoint: at most checkpoint_every (3) steps.
            Assert.True(resume.LastTrainedStep - resume.CheckpointStep <= 3, "lost more than the steps since the last checkpoint");
            var trained = await runGrain.GetTrainedGroups();
            InProcessRunTests.AssertExactlyOnce(trained, steps: iterations, prompts: 4);
            Assert.Equal(["rollout-a/0", "rollout-b/0"], trained.Select(t => t.WorkerKey).Distinct().Order());
            SameMetrics.Assert(embedded, await runGrain.GetMetrics(0), SameMetrics.FinalWeightsHash(Path.Combine(run.Root, "embedded")));
        }
        catch
        {
            output.WriteLine(cluster.Outputs());
            throw;
        }
    }
}
