using Precision.Orleans.Abstractions;

namespace Precision.Orleans.Engine.Checkpoints;

/// <summary>How <see cref="HfCheckpointWriter.Save"/> lays a checkpoint out on disk.</summary>
public sealed record HfSaveOptions
{
    /// <summary>The dtype of the saved tensors (round-to-nearest-even from the FP32 weights); also config.json's torch_dtype. Default Fp32.</summary>
    public DType StorageDType { get; init; } = DType.Fp32;

    /// <summary>
    /// Null (default): one model.safetensors. Otherwise shards of at most this many data bytes (a single tensor larger
    /// than the limit gets a shard of its own, as in transformers) plus model.safetensors.index.json.
    /// </summary>
    public long? MaxShardBytes { get; init; }

    /// <summary>Extra string metadata for every safetensors header (the precision.* and "format" keys are reserved).</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
}
