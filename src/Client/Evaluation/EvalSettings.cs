using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Abstractions;

namespace Precision.Orleans.Client.Evaluation;

/// <summary>What <c>precision eval</c> measures: avg@k on a held-out set at a temperature / top-p.</summary>
internal sealed record EvalSettings
{
    public required string ModelDirectory { get; init; }

    /// <summary>Default: 256 generated problems, from a seed family distinct from pretraining and the sanity set.</summary>
    public ProblemSource Source { get; init; } = new() { Count = 256 };

    /// <summary>Samples per problem. Default 8.</summary>
    public int K { get; init; } = 8;
    public float Temperature { get; init; } = 0.6f;
    public float TopP { get; init; } = 0.95f;
    public DType DType { get; init; } = DType.Fp16;
    public int? MaxNewTokens { get; init; }

    /// <summary>--chat-template: none | chatml | llama3 | deepseek-r1; null = auto (the model's own).</summary>
    public string? ChatTemplate { get; init; }

    /// <summary>Weights beyond FP16's range when the dtype is fp16: refuse (default) or clamp.</summary>
    public Fp16RangePolicy Fp16Range { get; init; }

    /// <summary>Null: &lt;model&gt;/eval.json.</summary>
    public string? Output { get; init; }

    public string OutputPath => Output ?? Path.Combine(ModelDirectory, "eval.json");

    public EvalSettings Validate()
    {
        Source.Validate();
        if (string.IsNullOrWhiteSpace(ModelDirectory)) throw new ArgumentException("--model must name a checkpoint directory");
        if (K < 1 || K > SamplingBounds.MaxSamplesPerProblem) throw new ArgumentException($"--k must be in [1, {SamplingBounds.MaxSamplesPerProblem}], got {K}");
        SamplingBounds.Require(Temperature, MaxNewTokens);
        if (!(TopP > 0 && TopP <= 1)) throw new ArgumentException($"--top-p must be in (0, 1], got {TopP}");
        return this;
    }
}
