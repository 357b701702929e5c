using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Text;
using Precision.Orleans.RL.Spec;
using Precision.Orleans.Tests.Shared;

namespace Precision.Orleans.RL.Tests.Training;

/// <summary>
/// A temp directory with a tiny random policy (ModelCheckpoint + CharTokenizer), a small JSONL problem set of
/// one-digit sums (checked by the math verifier, so a random policy already earns some reward) and a run spec for them.
/// </summary>
internal sealed class TinyRun : IDisposable
{
    public TinyRun()
    {
        Root = Path.Combine(Path.GetTempPath(), "rl-trainer-" + Guid.NewGuid().ToString("N")[..10]);
        ModelDir = Path.Combine(Root, "model");
        TinyPolicyFiles.WriteCharPolicy(ModelDir, seed: 7);
        ProblemsPath = Path.Combine(Root, "problems.jsonl");
        TinyPolicyFiles.WriteSums(ProblemsPath, secondModulus: 3);
    }

    public string Root { get; }
    public string ModelDir { get; }
    public string ProblemsPath { get; }

    public string RunDir(string name = "run") => Path.Combine(Root, name);

    /// <summary>A spec in YAML (relative paths: the spec lives in <see cref="Root"/>); <paramref name="overrides"/> replaces whole sections.</summary>
    public string Yaml(string algorithm = "pg-seq-is", string train = "fp32", string rollout = "fp32", int iterations = 2,
        int checkpointEvery = 1, int keep = 2, int miniBatches = 2, int micro = 3) => $"""
        name: tiny
        seed: 5
        model: model
        data:
          problems: problems.jsonl
        algorithm:
          name: {algorithm}
        precision:
          train: {train}
          rollout: {rollout}
        batch:
          prompts: 3
          group_size: 4
          mini_batches: {miniBatches}
          micro_batch_sequences: {micro}
        rollout:
          max_new_tokens: 12
        optimizer:
          lr: 0.01
        schedule:
          iterations: {iterations}
          checkpoint_every: {checkpointEvery}
          keep_checkpoints: {keep}
        """;

    public RunSpec Spec(string? yaml = null) => RunSpecLoader.Parse(yaml ?? Yaml(), Path.Combine(Root, "run.yaml"), Root);

    public string WriteSpec(string yaml, string fileName = "run.yaml")
    {
        string path = Path.Combine(Root, fileName);
        File.WriteAllText(path, yaml);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
