using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Training;
using Precision.Orleans.Tests.Shared;

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
        TinyPolicyFiles.WriteCharPolicy(ModelDir, seed: 7);
        ProblemsPath = Path.Combine(Root, "problems.jsonl");
        TinyPolicyFiles.WriteSums(ProblemsPath, secondModulus: 3);
    }

    public string Root { get; }
    public string ModelDir { get; }
    public string ProblemsPath { get; }

    /// <summary>fp16 training with loss scaling, fp16 rollouts: the paper's setting, at toy size.</summary>
    public string Yaml(int iterations = 3, int checkpointEvery = 1, int prompts = 4, string algorithm = "pg-seq-is", int maxNewTokens = 12) => $"""
        name: tiny-grains
        seed: 5
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
          max_new_tokens: {maxNewTokens}
        optimizer:
          lr: 0.01
        schedule:
          iterations: {iterations}
          checkpoint_every: {checkpointEvery}
          keep_checkpoints: 2
        """;

    /// <summary>
    /// Replaces the char model with one over a small Hugging Face byte-level BPE with ChatML specials (no BOS, EOS
    /// &lt;|im_end|&gt;): the run then takes the chat-template path and stops at &lt;|im_end|&gt;.
    /// </summary>
    public void UseByteLevelTokenizer() =>
        // Exactly the tokenizer's ids: no padded rows for a random policy to sample.
        TinyPolicyFiles.WriteByteLevelPolicy(ModelDir, extraVocabRows: 0, maxPositions: 128);

    /// <summary>
    /// Replaces the dense policy with a 2-layer qwen3_moe one (4 experts, top-2, seed 5) and returns its training engine;
    /// <paramref name="adjust"/> may change the weights before they are saved.
    /// </summary>
    public TrainingEngine UseMoeModel(Action<ModelConfig, TrainingEngine>? adjust = null)
    {
        var dense = ModelCheckpoint.Load(ModelDir).Config;
        var config = dense with { ModelType = "qwen3_moe", NumHiddenLayers = 2, NumExperts = 4, NumExpertsPerToken = 2, MoeIntermediateSize = 8, NormTopKProb = true };
        var engine = new TrainingEngine(config, new TrainingOptions(), null, seed: 5);
        adjust?.Invoke(config, engine);
        ModelCheckpoint.Save(ModelDir, config, engine.Layout, engine.MasterWeights);
        return engine;
    }

    /// <summary>
    /// <see cref="UseMoeModel"/> with expert 2's router row set to expert 1's plus 1e-4 of noise: their scores nearly tie,
    /// so bf16 rollouts and fp16 training route some tokens differently and the routing mismatch to compare is not zero.
    /// </summary>
    public TrainingEngine UseNearTiedMoeModel() => UseMoeModel((config, engine) =>
    {
        var noise = new Random(3);
        foreach (var p in engine.Layout.Parameters.Where(p => p.Name.EndsWith("mlp.gate.weight", StringComparison.Ordinal)))
        {
            var router = engine.MasterWeights.AsSpan((int)p.Offset, (int)p.Count);
            int hidden = router.Length / config.NumExperts;
            for (int i = 0; i < hidden; i++) router[2 * hidden + i] = router[hidden + i] + (float)((noise.NextDouble() - 0.5) * 1e-4);
        }
    });

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
