using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Text;
using Precision.Orleans.Engine.Training;
using Precision.Orleans.Tests.Shared;

namespace Precision.Orleans.Bench.Cluster;

/// <summary>
/// A temp directory with the bench model's shape (random weights, the char tokenizer of one-digit sums) and a spec over
/// sums. <paramref name="fullVocabulary"/>: the ~10M-parameter model with its 4096-row vocabulary (weights only: the
/// tokenizer cannot decode those ids); otherwise the vocabulary is the tokenizer's, so runs can score responses.
/// </summary>
internal sealed class BenchPolicy : IDisposable
{
    public BenchPolicy(bool fullVocabulary)
    {
        Root = Directory.CreateTempSubdirectory("precision-bench-policy-").FullName;
        var tokenizer = new CharTokenizer("0123456789+= ");
        var config = BenchModel.Default().Config with { BosTokenId = CharTokenizer.BosId, EosTokenId = CharTokenizer.EosId };
        if (!fullVocabulary) config = config with { VocabSize = tokenizer.VocabSize };
        var engine = new TrainingEngine(config, new TrainingOptions(), null, seed: 5);
        ModelDirectory = Path.Combine(Root, "model");
        ModelCheckpoint.Save(ModelDirectory, config, engine.Layout, engine.MasterWeights);
        tokenizer.Save(ModelDirectory);
        ParameterBytes = engine.MasterWeights.LongLength * sizeof(float);
        TinyPolicyFiles.WriteSums(Path.Combine(Root, "sums.jsonl"), secondModulus: 4);
    }

    public string Root { get; }
    public string ModelDirectory { get; }

    /// <summary>Bytes of the FP32 master weights (what a weight version carries).</summary>
    public long ParameterBytes { get; }

    public string Spec(int iterations, int prompts, int groupSize, int maxNewTokens) => $"""
        name: bench
        seed: 3
        model: {ModelDirectory}
        data:
          problems: {Path.Combine(Root, "sums.jsonl")}
        algorithm:
          name: pg-seq-is
        precision:
          train: fp16
          rollout: fp16
        batch:
          prompts: {prompts}
          group_size: {groupSize}
          mini_batches: 1
          micro_batch_sequences: {prompts * groupSize}
        rollout:
          max_new_tokens: {maxNewTokens}
        schedule:
          iterations: {iterations}
          checkpoint_every: 0
        """;

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
