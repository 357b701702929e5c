using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Abstractions;

namespace Precision.Orleans.Client.Mismatch;

/// <summary>What <c>precision mismatch</c> samples, re-scores and where it writes the report.</summary>
internal sealed record MismatchSettings
{
    public required string ModelDirectory { get; init; }
    public IReadOnlyList<DType> DTypes { get; init; } = [DType.Fp32, DType.Bf16, DType.Fp16];

    /// <summary>Weights beyond FP16's range when fp16 is among <see cref="DTypes"/>: refuse (default) or clamp.</summary>
    public Fp16RangePolicy Fp16Range { get; init; }
    public int Prompts { get; init; } = 32;
    public int SamplesPerPrompt { get; init; } = 8;
    public int MaxNewTokens { get; init; } = 256;
    public int Seed { get; init; }

    /// <summary>Corpus tasks the prompts are drawn from (default: all, in their corpus proportions).</summary>
    public IReadOnlyList<string> Tasks { get; init; } = Engine.Data.SyntheticCorpus.Tasks;

    /// <summary>Report directory; default <c>&lt;model&gt;/mismatch</c>.</summary>
    public string? OutputDirectory { get; init; }

    /// <summary>Sequences per training-engine re-scoring batch.</summary>
    public int ScoreBatch { get; init; } = 16;

    /// <summary><c>--device</c>: where both engines run.</summary>
    public Engine.Backends.ComputeDevice Device { get; init; } = Engine.Backends.ComputeDevice.Cpu;

    /// <summary>The opened kernel set of <see cref="Device"/> (set by the runner).</summary>
    internal Engine.Backends.IKernelSet Kernels { get; init; } = Engine.Backends.CpuKernelSet.Instance;

    public string ResolvedOutputDirectory => OutputDirectory ?? Path.Combine(ModelDirectory, "mismatch");
}
