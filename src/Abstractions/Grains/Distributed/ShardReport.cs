namespace Precision.Orleans.Abstractions.Grains.Distributed;

/// <summary>A shard's reduction of one step: overflow in its summed scaled slice, and its tensors' unscaled L2 norms in layout order.</summary>
[GenerateSerializer, Immutable]
public sealed record ShardReport(
    [property: Id(0)] int Shard,
    [property: Id(1)] long Step,
    [property: Id(2)] bool Overflow,
    [property: Id(3)] float[] TensorNorms);
