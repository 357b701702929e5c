namespace Precision.Orleans.Abstractions.Grains.Distributed;

/// <summary>
/// What a parameter shard holds: whole tensors [<paramref name="FirstTensor"/>, +<paramref name="TensorNames"/>.Length) of the
/// trained parameters, the flat values [<paramref name="Offset"/>, +<paramref name="Master"/>.Length), its FP32 master
/// slice at version <paramref name="Version"/>, and the optimizer it steps them with (a resumed run's AdamW state in
/// <paramref name="Moments"/>; null = fresh moments). <paramref name="Attempt"/> labels the entries the shard logs from now
/// on (the learner's run attempt): a re-initialization keeps the earlier entries.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ShardSetup(
    [property: Id(0)] int Shard,
    [property: Id(1)] int FirstTensor,
    [property: Id(2)] long Offset,
    [property: Id(3)] string[] TensorNames,
    [property: Id(4)] int[][] TensorShapes,
    [property: Id(5)] float[] Master,
    [property: Id(6)] AdamWSettings Optimizer,
    [property: Id(7)] long Version,
    [property: Id(8)] ShardMoments? Moments = null,
    [property: Id(9)] int Attempt = 0);
