using Precision.Orleans.Tests.Shared;

namespace Precision.Orleans.Client.Tests.Fakes;

/// <summary>
/// A temporary directory with a tiny random policy (1 layer, hidden 16), a dozen one-digit sums as JSONL and a run spec
/// over them, small enough that a whole RL run of a few steps takes about a second on the real grains.
/// </summary>
public sealed class TinyPolicy : IDisposable
{
    public TinyPolicy()
    {
        Root = Directory.CreateTempSubdirectory("precision-tiny-").FullName;
        TinyPolicyFiles.WriteCharPolicy(Path.Combine(Root, "model"), seed: 11);
        TinyPolicyFiles.WriteSums(Path.Combine(Root, "sums.jsonl"), secondModulus: 4);
    }

    public string Root { get; }

    /// <summary>A spec with paths relative to <see cref="Root"/>.</summary>
    public string Spec(int iterations, int prompts = 2, int checkpointEvery = 1, int microBatchSequences = 6) => $"""
        name: tiny-cluster
        seed: 2
        model: model
        data:
          problems: sums.jsonl
        algorithm:
          name: pg-seq-is
        precision:
          train: fp16
          rollout: fp16
        batch:
          prompts: {prompts}
          group_size: 3
          mini_batches: 1
          micro_batch_sequences: {microBatchSequences}
        rollout:
          max_new_tokens: 12
        optimizer:
          lr: 0.01
        schedule:
          iterations: {iterations}
          checkpoint_every: {checkpointEvery}
        """;

    public string WriteSpec(int iterations, int prompts = 2, int checkpointEvery = 1, int microBatchSequences = 6)
    {
        var path = Path.Combine(Root, "run.yaml");
        File.WriteAllText(path, Spec(iterations, prompts, checkpointEvery, microBatchSequences));
        return path;
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
