using System.Globalization;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Text;
using Precision.Orleans.Engine.Training;

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
        var engine = new TrainingEngine(config, new TrainingOptions(), null, seed: 11);
        var model = Path.Combine(Root, "model");
        ModelCheckpoint.Save(model, config, engine.Layout, engine.MasterWeights);
        tokenizer.Save(model);
        File.WriteAllLines(Path.Combine(Root, "sums.jsonl"), Enumerable.Range(0, 12).Select(i =>
            string.Create(CultureInfo.InvariantCulture, $"{{\"prompt\": \"{i % 5}+{i % 4}=\", \"answer\": \"{i % 5 + i % 4}\"}}")));
    }

    public string Root { get; }

    /// <summary>A spec with paths relative to <see cref="Root"/>.</summary>
    public string Spec(int iterations) => $"""
        name: tiny-cluster
        seed: 3
        model: model
        data:
          problems: sums.jsonl
        algorithm:
          name: pg-seq-is
        precision:
          train: fp16
          rollout: fp16
        batch:
          prompts: 2
          group_size: 3
          mini_batches: 1
          micro_batch_sequences: 6
        rollout:
          max_new_tokens: 8
        optimizer:
          lr: 0.01
        schedule:
          iterations: {iterations}
          checkpoint_every: 1
        """;

    public string WriteSpec(int iterations)
    {
        var path = Path.Combine(Root, "run.yaml");
        File.WriteAllText(path, Spec(iterations));
        return path;
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
