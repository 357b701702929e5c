using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Runtime.Messaging;
using Xunit;

namespace Precision.Orleans.Grains.Tests;

/// <summary>
/// Main's features after the merge into the grains: the tokenizer seam (a Hugging Face tokenizer with a chat template
/// and its stop tokens) gives the same run on the cluster as embedded; LoRA specs are refused at submit.
/// </summary>
public sealed class MainFeaturesOnGrainsTests
{
    [Fact]
    public async Task A_run_with_a_hugging_face_tokenizer_and_chatml_equals_the_embedded_run()
    {
        using var run = new TinyRlRun();
        run.UseByteLevelTokenizer();
        // Long enough responses that some end at <|im_end|>: the workers must stop where the embedded run stops.
        string yaml = run.Yaml(iterations: 2, maxNewTokens: 40);
        var embedded = EmbeddedReference.Run(yaml, Path.Combine(run.Root, "embedded"));
        Assert.Contains(embedded, r => r.TruncatedFraction < 1);

        await using var cluster = new RlCluster(Path.Combine(run.Root, "runs"));
        await cluster.StartSiloAsync("learner", "learner");
        await cluster.StartSiloAsync("rollout-a", "cpu", rolloutSlots: 1);
        await cluster.StartSiloAsync("rollout-b", "cpu", rolloutSlots: 1);
        await cluster.Client.ConnectAsync();
        await cluster.Client.GetGrain<IRunGrain>("bpe").Submit(yaml);
        var status = await cluster.WaitAsync("bpe", s => s.State is RunState.Completed or RunState.Failed, TimeSpan.FromSeconds(90));
        Assert.True(status.State == RunState.Completed, $"run ended {status.State}: {status.Error}");

        SameMetrics.Assert(embedded, await cluster.Client.GetGrain<IRunGrain>("bpe").GetMetrics(0),
            SameMetrics.FinalWeightsHash(Path.Combine(run.Root, "embedded")));
    }

    [Fact]
    public async Task A_lora_spec_is_refused_at_submit_naming_the_key_and_nothing_is_stored()
    {
        using var run = new TinyRlRun();
        await using var cluster = new RlCluster(Path.Combine(run.Root, "runs"));
        await cluster.StartSiloAsync("learner", "learner");
        await cluster.Client.ConnectAsync();
        string lora = run.Yaml() + "\nlora:\n  rank: 2\n  alpha: 4\n";
        var e = await Assert.ThrowsAsync<GrainCallException>(() => cluster.Client.GetGrain<IRunGrain>("lora").Submit(lora));
        Assert.Contains("lora: lora is not supported by the cluster yet", e.Message);
        Assert.Empty(await cluster.Client.GetGrain<IRunRegistryGrain>(IRunRegistryGrain.Key).List());
        Assert.Equal("", await cluster.Client.GetGrain<IRunGrain>("lora").GetSpec());
    }
}
