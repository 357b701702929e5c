namespace Precision.Orleans.RL.Experiments;

/// <summary>The run-spec algorithm names a grid may use (design.md, "The RL algorithms").</summary>
public static class KnownAlgorithms
{
    public static readonly IReadOnlyList<string> Names =
        ["grpo", "grpo-token-tis", "grpo-seq-mis", "gspo", "pg-seq-is", "pg-seq-tis", "pg-seq-mis"];
}
