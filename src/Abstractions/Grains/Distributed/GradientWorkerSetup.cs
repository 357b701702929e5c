using Precision.Orleans.Abstractions.Grains.Rl;

namespace Precision.Orleans.Abstractions.Grains.Distributed;

/// <summary>
/// What a gradient worker needs to build its training engine: the model (Hugging Face config.json), the training dtype,
/// the LoRA adapters (null = full fine-tuning) with the frozen FP32 base they sit on, and the run's S shards to fetch
/// weight versions from and send gradient slices to; for RL runs the run spec (YAML) whose algorithm, aggregation and
/// algorithm options give the policy loss (empty for a next-token objective); and parallel.expert_workers (above 1, the
/// worker's engine runs its MoE experts on that many ExpertWorker grains of its own).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record GradientWorkerSetup(
    [property: Id(0)] string RunId,
    [property: Id(1)] string ModelConfigJson,
    [property: Id(2)] string TrainDType,
    [property: Id(3)] LoraSettings? Lora,
    [property: Id(4)] float[] FrozenBase,
    [property: Id(5)] long[] ShardOffsets,
    [property: Id(6)] long[] ShardCounts,
    [property: Id(7)] string PolicySpecYaml = "",
    [property: Id(8)] int ExpertWorkers = 1);
