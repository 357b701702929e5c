namespace Precision.Orleans.RL.Evaluation;

/// <summary>How <see cref="PolicySampler"/> samples: K responses per problem with the rollout engine's sampling.</summary>
public sealed record PolicySamplingOptions
{
    /// <summary>Responses sampled per problem (K). Default 8.</summary>
    public int SamplesPerProblem { get; init; } = 8;

    /// <summary>Softmax temperature (0 = greedy). Default 1.</summary>
    public float Temperature { get; init; } = 1f;

    /// <summary>Nucleus mass; 1 disables. Default 1.</summary>
    public float TopP { get; init; } = 1f;

    /// <summary>A response that has not emitted &lt;eos&gt; after this many tokens is cut and scores 0. Default 512.</summary>
    public int MaxNewTokens { get; init; } = 512;

    /// <summary>Seed of the sampling streams. Default 0.</summary>
    public ulong Seed { get; init; }

    /// <summary>
    /// Responses generated per rollout call (rounded down to whole problems, at least one): bounds the memory
    /// held at once while keeping the engine's batch full. Default 512.
    /// </summary>
    public int ResponsesPerChunk { get; init; } = 512;

    public PolicySamplingOptions Validate()
    {
        if (SamplesPerProblem < 1) throw new ArgumentException($"sampling: samples per problem must be >= 1, got {SamplesPerProblem}");
        if (!(Temperature >= 0) || float.IsInfinity(Temperature)) throw new ArgumentException($"sampling: temperature must be >= 0, got {Temperature}");
        if (!(TopP > 0 && TopP <= 1)) throw new ArgumentException($"sampling: top-p must be in (0, 1], got {TopP}");
        if (MaxNewTokens < 1) throw new ArgumentException($"sampling: max new tokens must be >= 1, got {MaxNewTokens}");
        if (ResponsesPerChunk < 1) throw new ArgumentException($"sampling: responses per chunk must be >= 1, got {ResponsesPerChunk}");
        return this;
    }
}
