using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Engine.Checkpoints;

/// <summary>A checkpoint read back by <see cref="ModelCheckpoint.Load"/>: weights in <see cref="Layout"/> order, as FP32.</summary>
/// <param name="Metadata">The safetensors header's <c>__metadata__</c>, including "format" and the checksum.</param>
public sealed record LoadedCheckpoint(
    ModelConfig Config,
    ParameterLayout Layout,
    float[] Weights,
    IReadOnlyDictionary<string, string> Metadata);
