using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Engine.Checkpoints;

/// <summary>A checkpoint read back by <see cref="ModelCheckpoint.Load"/>: weights in <see cref="Layout"/> order, as FP32.</summary>
/// <param name="Metadata">The (first) safetensors header's <c>__metadata__</c>, including "format" and the checksum.</param>
public sealed record LoadedCheckpoint(
    ModelConfig Config,
    ParameterLayout Layout,
    float[] Weights,
    IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>The safetensors files read (one, or the shards in index order).</summary>
    public IReadOnlyList<string> WeightFiles { get; init; } = [];

    /// <summary>FP16 range counts, when the load converted to FP16 or was asked to measure them; else null.</summary>
    public Fp16RangeReport? Fp16Range { get; init; }
}
