namespace Precision.Orleans.Abstractions;

/// <summary>
/// A published set of policy weights: versions are monotonic, and the content hash lets a rollout
/// worker prove which weights produced its samples.
/// </summary>
/// <param name="Version">Monotonic version number; 0 is the initial policy.</param>
/// <param name="ContentHash">Hex SHA-256 of the FP32 master weights at this version.</param>
[GenerateSerializer, Immutable]
public sealed record WeightVersion(
    [property: Id(0)] long Version,
    [property: Id(1)] string ContentHash);
