using Precision.Orleans.Abstractions.Grains.Rl;

namespace Precision.Orleans.Abstractions.Grains.Distributed;

/// <summary>
/// What a gradient worker needs to build its training engine: the model (Hugging Face config.json), the training dtype,
/// the LoRA adapters (null = full fine-tuning) with the frozen FP32 base they sit on, and the run's S shards to fetch
/// weight versions from and send gradient slices to.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record GradientWorkerSetup(
    [property: Id(0)] string RunId,
    [property: Id(1)] string ModelConfigJson,
    [property: Id(2)] string TrainDType,
    [property: Id(3)] LoraSettings? Lora,
    [property: Id(4)] float[] FrozenBase,
    [property: Id(5)] long[] ShardOffsets,
    [property: Id(6)] long[] ShardCounts);
