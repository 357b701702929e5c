namespace Precision.Orleans.Abstractions.Grains.Rl;

/// <summary>
/// A whole weight version as a silo's weight cache hands it to that silo's rollout workers (a local call: the
/// immutable payload is shared, not copied).
/// </summary>
/// <param name="Manifest">Version, hash and layout of <paramref name="Bytes"/>.</param>
/// <param name="Bytes">FP32 master bytes, then FP32 adapter bytes (LoRA runs).</param>
/// <param name="FromShards">Whether the cache assembled it from the run's parameter shards (else from the learner).</param>
[GenerateSerializer, Immutable]
public sealed record WeightPayload([property: Id(0)] WeightManifest Manifest, [property: Id(1)] byte[] Bytes,
    [property: Id(2)] bool FromShards = false);
