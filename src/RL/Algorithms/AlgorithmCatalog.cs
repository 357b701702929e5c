namespace Precision.Orleans.RL.Algorithms;

/// <summary>The seven algorithms by their run-spec names.</summary>
public static class AlgorithmCatalog
{
    /// <summary>grpo, grpo-token-tis, grpo-seq-mis, gspo, pg-seq-is, pg-seq-tis, pg-seq-mis.</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["grpo", "grpo-token-tis", "grpo-seq-mis", "gspo", "pg-seq-is", "pg-seq-tis", "pg-seq-mis"];

    /// <summary>
    /// The algorithm called <paramref name="name"/> (case-insensitive) with <paramref name="options"/> (validated;
    /// default <see cref="AlgorithmOptions"/>). An unknown name throws, listing the seven.
    /// </summary>
    public static PolicyLoss Create(string name, AlgorithmOptions? options = null)
    {
        options = (options ?? new AlgorithmOptions()).Validate();
        return name?.Trim().ToLowerInvariant() switch
        {
            "grpo" => new Grpo(options),
            "grpo-token-tis" => new GrpoTokenTis(options),
            "grpo-seq-mis" => new GrpoSeqMis(options),
            "gspo" => new Gspo(options),
            "pg-seq-is" => new PgSeqIs(options),
            "pg-seq-tis" => new PgSeqTis(options),
            "pg-seq-mis" => new PgSeqMis(options),
            _ => throw new ArgumentException($"unknown algorithm '{name}'; expected one of: {string.Join(", ", Names)}", nameof(name)),
        };
    }

    public static bool IsKnown(string? name) => name is not null && Names.Contains(name.Trim().ToLowerInvariant());
}
