using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Abstractions;
using Precision.Orleans.RL.Evaluation;

namespace Precision.Orleans.Client.Evaluation;

/// <summary>What <c>precision sanity-set</c> measures and keeps.</summary>
internal sealed record SanitySetSettings
{
    public required string ModelDirectory { get; init; }
    /// <summary>
    /// Default: 1024 generated problems. The default base policy's per-problem accuracy is bimodal (its errors are
    /// systematic per problem), so only ~20% of problems land in 20–80%; 512 kept 100, fewer than two RL batches.
    /// </summary>
    public ProblemSource Source { get; init; } = new() { Count = 1024 };

    /// <summary>Samples per problem (K). Default 40, as in the paper's sanity test.</summary>
    public int Samples { get; init; } = 40;

    /// <summary>Keep problems solved at least this often. Default 0.2.</summary>
    public double Min { get; init; } = 0.2;

    /// <summary>Keep problems solved at most this often. Default 0.8.</summary>
    public double Max { get; init; } = 0.8;

    /// <summary>Rollout dtype. Default fp16 (the dtype the RL runs sample in).</summary>
    public DType DType { get; init; } = DType.Fp16;
    public float Temperature { get; init; } = 1f;

    /// <summary>Null: room for the longest worked solution (generated problems) or 512 (a dataset).</summary>
    public int? MaxNewTokens { get; init; }

    /// <summary>--chat-template: none | chatml | llama3 | deepseek-r1; null = auto (the model's own).</summary>
    public string? ChatTemplate { get; init; }

    /// <summary>Weights beyond FP16's range when the dtype is fp16: refuse (default) or clamp.</summary>
    public Fp16RangePolicy Fp16Range { get; init; }

    /// <summary>Null: &lt;model&gt;/sanity-set.jsonl.</summary>
    public string? Output { get; init; }

    public string OutputPath => Output ?? Path.Combine(ModelDirectory, "sanity-set.jsonl");

    /// <summary>Every measured problem, next to the kept ones: "set.jsonl" → "set.all.jsonl".</summary>
    public string AllPath => Path.ChangeExtension(OutputPath, null) + ".all.jsonl";

    public SanitySetSettings Validate()
    {
        Source.Validate();
        if (Samples < 1 || Samples > SamplingBounds.MaxSamplesPerProblem)
            throw new ArgumentException($"--samples must be in [1, {SamplingBounds.MaxSamplesPerProblem}], got {Samples}");
        AccuracySummary.ValidateBounds(Min, Max);
        SamplingBounds.Require(Temperature, MaxNewTokens);
        if (string.IsNullOrWhiteSpace(ModelDirectory)) throw new ArgumentException("--model must name a checkpoint directory");
        if (Output is not null && !Output.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"--out must name a .jsonl file, got '{Output}'");
        return this;
    }
}
