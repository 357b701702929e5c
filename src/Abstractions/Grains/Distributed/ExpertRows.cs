namespace Precision.Orleans.Abstractions.Grains.Distributed;

/// <summary>
/// A sparse layer's routed rows for one expert owner: expert <paramref name="Experts"/>[i]'s rows are
/// [<paramref name="RowStart"/>[i], RowStart[i + 1]) of <paramref name="Inputs"/> (FP32 little-endian, hidden_size floats a
/// row), computed at weight version <paramref name="WeightVersion"/>. The reply holds the expert outputs in the same rows.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ExpertRows(
    [property: Id(0)] long WeightVersion,
    [property: Id(1)] int MoeLayer,
    [property: Id(2)] int[] Experts,
    [property: Id(3)] int[] RowStart,
    [property: Id(4)] byte[] Inputs);
