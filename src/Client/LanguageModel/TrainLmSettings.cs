using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Client.LanguageModel;

/// <summary>What <c>precision train-lm</c> trains and where it writes.</summary>
internal sealed record TrainLmSettings : IModelShape
{
    public required string OutputDirectory { get; init; }

    /// <summary><c>--overwrite</c>: replace a model already in <see cref="OutputDirectory"/>.</summary>
    public bool Overwrite { get; init; }
    public int Steps { get; init; } = 1200;
    public int BatchSize { get; init; } = 16;
    public int SeqLen { get; init; } = 256;
    public DType DType { get; init; } = DType.Fp32;

    /// <summary><c>--device</c>: where the training engine's kernels run.</summary>
    public Engine.Backends.ComputeDevice Device { get; init; } = Engine.Backends.ComputeDevice.Cpu;
    public float LearningRate { get; init; } = 3e-3f;
    public int WarmupSteps { get; init; } = 20;
    public int Seed { get; init; }

    /// <summary>Corpus tasks to train on (default: the default mix, without the long-form saga).</summary>
    public IReadOnlyList<string> Tasks { get; init; } = Engine.Data.SyntheticCorpus.Tasks;
    public int HiddenSize { get; init; } = 128;
    public int Layers { get; init; } = 4;
    public int Heads { get; init; } = 4;
    public int KvHeads { get; init; } = 2;
    public int IntermediateSize { get; init; } = 384;

    /// <summary>HF model_type of the model trained: qwen2 (default), llama, qwen3 or qwen3_moe.</summary>
    public string ModelType { get; init; } = "qwen2";

    /// <summary>qwen3_moe: routed experts per layer (default 8), experts per token (default 2), expert inner width (default 96).</summary>
    public int Experts { get; init; } = 8;
    public int ExpertsPerToken { get; init; } = 2;
    public int MoeIntermediateSize { get; init; } = 96;

    /// <summary>Room for a prompt plus a long sampled response in the mismatch analysis.</summary>
    public int MaxPositions => Math.Max(1024, SeqLen);
}
