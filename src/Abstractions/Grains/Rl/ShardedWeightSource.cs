namespace Precision.Orleans.Abstractions.Grains.Rl;

/// <summary>
/// Where a sharded run's weight version can be fetched besides its learner: the run's S parameter-shard grains, which
/// hold the master weights at shard version <paramref name="ShardVersion"/>, each the flat values [offset, +count).
/// <paramref name="VersionHash"/> is the version's hash over the slices' hashes (<c>WeightVersionHash.OfSliceHashes</c>),
/// checked after the slices are assembled; the manifest's SHA-256 of the whole payload is checked too.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ShardedWeightSource(
    [property: Id(0)] string RunId,
    [property: Id(1)] long ShardVersion,
    [property: Id(2)] string VersionHash,
    [property: Id(3)] long[] ShardOffsets,
    [property: Id(4)] long[] ShardCounts);
