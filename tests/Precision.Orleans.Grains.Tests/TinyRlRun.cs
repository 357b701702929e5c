using System.Globalization;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Text;
using Precision.Orleans.Engine.Training;

namespace Precision.Orleans.Grains.Tests;

/// <summary>
/// A temp directory with a tiny random policy (model + tokenizer), a JSONL set of one-digit sums and a run spec with
/// absolute paths (a submitted spec is resolved on the silos, not where it was written).
/// </summary>
internal sealed class TinyRlRun : IDisposable
{
    public TinyRlRun()
    {
        Root = Path.Combine(Path.GetTempPath(), "rl-grains-" + Guid.NewGuid().ToString("N")[..10]);
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

    /// <summary>fp16 training with loss scaling, fp16 rollouts: the paper's setting, at toy size.</summary>
    public string Yaml(int iterations = 3, int checkpointEvery = 1, int prompts = 4, string algorithm = "pg-seq-is") => $"""
        name: tiny-grains
        seed: 11
        model: {ModelDir}
        data:
          problems: {ProblemsPath}
        algorithm:
          name: {algorithm}
        precision:
          train: fp16
          rollout: fp16
        batch:
          prompts: {prompts}
          group_size: 4
          mini_batches: 2
          micro_batch_sequences: 4
        rollout:
          max_new_tokens: 10
        optimizer:
          lr: 0.01
        schedule:
          iterations: {iterations}
          checkpoint_every: {checkpointEvery}
          keep_checkpoints: 2
        """;

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
