namespace Precision.Orleans.Abstractions.Grains.Distributed;

/// <summary>
/// An expert owner's weights at <paramref name="Version"/>: the FP32 master values of <paramref name="Experts"/> (sparse
/// layers ascending, then the experts in order, each gate_proj, up_proj, down_proj) as little-endian bytes, for the model
/// <paramref name="ModelConfigJson"/>, to be held in <paramref name="RolloutDType"/>.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ExpertWeights(
    [property: Id(0)] string ModelConfigJson,
    [property: Id(1)] string RolloutDType,
    [property: Id(2)] int[] Experts,
    [property: Id(3)] long Version,
    [property: Id(4)] byte[] Master);
