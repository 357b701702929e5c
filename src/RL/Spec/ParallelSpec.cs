namespace Precision.Orleans.RL.Spec;

/// <summary>
/// The <c>parallel</c> section: how the learner's work is split. The defaults (1, 1, 1) are the single learner; more
/// gradient workers and shards give the same weights bit for bit (the data-parallel step sums micro-batch gradients in
/// the one-process order), so the section is not part of the trajectory hash.
/// </summary>
public sealed record ParallelSpec
{
    /// <summary>Data-parallel gradient workers, each taking a fixed share of every mini-batch's micro-batches (YAML <c>gradient_workers</c>). Default 1.</summary>
    public int GradientWorkers { get; init; } = 1;

    /// <summary>Parameter shards holding the FP32 masters and AdamW moments, whole tensors balanced by size (YAML <c>shards</c>). Default 1.</summary>
    public int Shards { get; init; } = 1;

    /// <summary>
    /// Expert-parallel MoE workers (YAML <c>expert_workers</c>), each holding a contiguous block of every sparse layer's
    /// experts for rollout and training. Default 1; more needs a qwen3_moe policy and full fine-tuning.
    /// </summary>
    public int ExpertWorkers { get; init; } = 1;

    /// <summary>True for the single learner's (1, 1, 1).</summary>
    public bool IsSingleLearner => GradientWorkers == 1 && Shards == 1 && ExpertWorkers == 1;

    /// <summary>The optimizer step is split over gradient workers and/or parameter shards (expert workers alone do not split it).</summary>
    public bool SplitsTheStep => GradientWorkers > 1 || Shards > 1;
}
