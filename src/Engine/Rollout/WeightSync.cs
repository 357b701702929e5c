using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Precision.Orleans.Abstractions;

namespace Precision.Orleans.Engine.Rollout;

/// <summary>
/// Weight sync from the trainer to a rollout engine: the FP32 master weights at a version are loaded
/// (rounded to the rollout dtype) and identified by the SHA-256 of their bytes, so any sample can be
/// traced to the exact weights that produced it.
/// </summary>
public static class WeightSync
{
    /// <summary>Lower-case hex SHA-256 of the FP32 values' bytes (little-endian, as held in memory).</summary>
    public static string WeightHash(ReadOnlySpan<float> master) =>
        Convert.ToHexStringLower(SHA256.HashData(MemoryMarshal.AsBytes(master)));

    /// <summary>Loads <paramref name="master"/> into <paramref name="target"/> as <paramref name="version"/> and returns its identity.</summary>
    public static WeightVersion Publish(float[] master, long version, RolloutEngine target)
    {
        ArgumentNullException.ThrowIfNull(master);
        ArgumentNullException.ThrowIfNull(target);
        string hash = WeightHash(master);
        target.LoadWeights(master, version);
        return new WeightVersion(version, hash);
    }
}
