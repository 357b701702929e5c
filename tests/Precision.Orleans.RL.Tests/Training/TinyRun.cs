using System.Globalization;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Text;
using Precision.Orleans.Engine.Training;
using Precision.Orleans.RL.Spec;

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
        var tokenizer = new CharTokenizer("0123456789+= ");
        var config = new ModelConfig
        {
            VocabSize = tokenizer.VocabSize,
            HiddenSize = 16,
            IntermediateSize = 32,
            NumHiddenLayers = 1,
            NumAttentionHeads = 2,
            NumKeyValueHeads = 1,
            MaxPositionEmbeddings = 64,
            BosTokenId = CharTokenizer.BosId,
            EosTokenId = CharTokenizer.EosId,
        };
        var engine = new TrainingEngine(config, new TrainingOptions(), null, seed: 7);
        ModelCheckpoint.Save(ModelDir, config, engine.Layout, engine.MasterWeights);
        tokenizer.Save(ModelDir);
        ProblemsPath = Path.Combine(Root, "problems.jsonl");
        File.WriteAllLines(ProblemsPath, Enumerable.Range(0, 12).Select(i =>
            string.Create(CultureInfo.InvariantCulture, $"{{\"prompt\": \"{i % 5}+{i % 3}=\", \"answer\": \"{i % 5 + i % 3}\"}}")));
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
          max_new_tokens: 6
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
