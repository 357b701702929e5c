using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Lora;

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

    /// <summary>SHA-256 of a LoRA policy: the base's FP32 bytes followed by the adapters' FP32 bytes.</summary>
    public static string WeightHash(ReadOnlySpan<float> baseMaster, ReadOnlySpan<float> adapterWeights)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(MemoryMarshal.AsBytes(baseMaster));
        hash.AppendData(MemoryMarshal.AsBytes(adapterWeights));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Loads base + LoRA adapters into <paramref name="target"/> (merged or not) and returns the identity of both.</summary>
    public static WeightVersion Publish(float[] baseMaster, LoraLayout adapters, float[] adapterWeights, LoraRolloutMode mode,
        long version, RolloutEngine target)
    {
        ArgumentNullException.ThrowIfNull(baseMaster);
        ArgumentNullException.ThrowIfNull(adapters);
        ArgumentNullException.ThrowIfNull(adapterWeights);
        ArgumentNullException.ThrowIfNull(target);
        string hash = WeightHash(baseMaster, adapterWeights);
        target.LoadWeights(baseMaster, adapters, adapterWeights, mode, version);
        return new WeightVersion(version, hash);
    }

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
