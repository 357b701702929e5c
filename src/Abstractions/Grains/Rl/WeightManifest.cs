namespace Precision.Orleans.Abstractions.Grains.Rl;

/// <summary>
/// A published policy version as the learner describes it to the silos' weight caches: the payload is the FP32
/// master weights' bytes (little-endian, the engine's ParameterLayout), followed for LoRA runs by the FP32 adapter
/// weights' bytes, fetched in <see cref="ChunkCount"/> chunks of at most <see cref="ChunkBytes"/> (well under
/// Orleans' message size limit: an over-size message drops the connection instead of failing the call).
/// </summary>
/// <param name="Version">Monotonic version; 0 = the initial policy.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the payload (base, then adapters) — the policy's weight hash.</param>
/// <param name="MasterBytes">Bytes of the FP32 master weights.</param>
/// <param name="AdapterBytes">Bytes of the FP32 LoRA adapter weights (0: not a LoRA run).</param>
/// <param name="ChunkBytes">Size of every chunk but the last.</param>
/// <param name="ChunkCount">Chunks in the payload.</param>
/// <param name="TransportXxHash128">
/// Lower-case hex XXH128 of the payload: what a weight cache checks after assembling the chunks. A transport checksum,
/// not the policy's identity (that stays <paramref name="Sha256"/>): XXH128 runs at memory speed where SHA-256 of a
/// 40 MB version cost a receiver 25–50 ms, most of the publication's budget. Empty: check the SHA-256.
/// </param>
/// <param name="Shards">A sharded full-fine-tuning run: the parameter shards that serve the same master weights (null: fetch from the learner).</param>
[GenerateSerializer, Immutable]
public sealed record WeightManifest(
    [property: Id(0)] long Version,
    [property: Id(1)] string Sha256,
    [property: Id(2)] long MasterBytes,
    [property: Id(3)] long AdapterBytes,
    [property: Id(4)] int ChunkBytes,
    [property: Id(5)] int ChunkCount,
    [property: Id(6)] ShardedWeightSource? Shards = null,
    [property: Id(7)] string TransportXxHash128 = "");
