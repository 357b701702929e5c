namespace Precision.Orleans.Engine.Rollout;

/// <summary>
/// How the rollout engine picks tokens. Sampling math runs in FP32. The engine's own type, and what crosses the wire to
/// a rollout worker (prompt-group work, rollout requests) with no re-shaping in between: it lives in this assembly,
/// under the engine's namespace, because the wire records here carry it and Orleans' serializer is generated here.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SamplingOptions
{
    /// <summary>Softmax temperature; 0 means greedy (argmax). Default 1.</summary>
    [Id(0)] public float Temperature { get; init; } = 1f;

    /// <summary>Nucleus sampling mass; 1 disables. Default 1.</summary>
    [Id(1)] public float TopP { get; init; } = 1f;

    /// <summary>Keep only the k most likely tokens; 0 disables. Default 0.</summary>
    [Id(2)] public int TopK { get; init; }

    /// <summary>Generation stops after this many new tokens. Default 64.</summary>
    [Id(3)] public int MaxNewTokens { get; init; } = 64;

    /// <summary>Generation stops after emitting any of these (the stop token is kept in the output).</summary>
    [Id(4)] public int[] StopTokens { get; init; } = [];

    /// <summary>Seed of the per-sequence random streams: sequence i of a call draws from (Seed, i).</summary>
    [Id(5)] public ulong Seed { get; init; }

    /// <summary>
    /// Stream index of this call's first sequence: sequence i of the call draws from (Seed, FirstSequenceIndex + i),
    /// so a prompt group sampled alone (on any worker) draws exactly what it draws inside the step's whole batch.
    /// Default 0.
    /// </summary>
    [Id(6)] public long FirstSequenceIndex { get; init; }

    /// <summary>
    /// Stream index of each prompt of the call, when the prompts are not one contiguous run of the step's sequences (a
    /// rollout worker coalescing several prompt groups into one batch); overrides <see cref="FirstSequenceIndex"/>.
    /// Must hold one index per prompt. Default null.
    /// </summary>
    [Id(7)] public long[]? SequenceStreams { get; init; }

    public SamplingOptions Validate()
    {
        if (!(Temperature >= 0) || float.IsInfinity(Temperature)) throw new ArgumentException($"sampling: temperature must be >= 0, got {Temperature}");
        if (!(TopP > 0 && TopP <= 1)) throw new ArgumentException($"sampling: top_p must be in (0, 1], got {TopP}");
        if (TopK < 0) throw new ArgumentException($"sampling: top_k must be >= 0, got {TopK}");
        if (FirstSequenceIndex < 0) throw new ArgumentException($"sampling: first_sequence_index must be >= 0, got {FirstSequenceIndex}");
        if (SequenceStreams is not null && SequenceStreams.Any(i => i < 0))
            throw new ArgumentException("sampling: sequence_streams must all be >= 0");
        if (MaxNewTokens <= 0) throw new ArgumentException($"sampling: max_new_tokens must be positive, got {MaxNewTokens}");
        return this;
    }
}
