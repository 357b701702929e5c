namespace Precision.Orleans.Abstractions.Grains.Rl;

/// <summary>
/// A published policy version as the learner hands it to rollout workers: the FP32 MASTER weights (the flat buffer
/// laid out by the engine's ParameterLayout); each worker rounds them to its rollout dtype when loading, exactly as
/// the embedded trainer's weight sync does, so both modes sample from bit-identical 16-bit weights.
/// </summary>
/// <param name="Version">Monotonic version; 0 = the initial policy.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of <paramref name="Master"/>'s bytes (little-endian FP32).</param>
/// <param name="Master">FP32 master weights.</param>
public sealed record WeightSnapshot(long Version, string Sha256, float[] Master);
