namespace Precision.Orleans.Abstractions.Grains.Rl;

/// <summary>What a client sees of a run (one row of <c>precision list</c>, the header of <c>precision status</c>).</summary>
/// <param name="RunId">The run's key.</param>
/// <param name="Name">The spec's <c>name</c>.</param>
/// <param name="State">Life-cycle state.</param>
/// <param name="Step">Policy iterations trained so far (the last trained step; 0 before the first).</param>
/// <param name="Iterations">Policy iterations the spec asks for (<c>schedule.iterations</c>).</param>
/// <param name="WeightVersion">Newest published weight version.</param>
/// <param name="WeightHash">Hex SHA-256 of the FP32 master weights at <paramref name="WeightVersion"/> ("" before the learner starts).</param>
/// <param name="LastAccuracy">Training accuracy of the last trained step (NaN before the first).</param>
/// <param name="Algorithm">Algorithm name from the spec.</param>
/// <param name="TrainDType">Training dtype name (fp16, bf16, fp32).</param>
/// <param name="RolloutDType">Rollout dtype name.</param>
/// <param name="SubmittedAt">When <see cref="IRunGrain.Submit"/> accepted the spec.</param>
/// <param name="UpdatedAt">Last state or step change.</param>
/// <param name="Error">Why the run failed (null unless <see cref="RunState.Failed"/>).</param>
[GenerateSerializer, Immutable]
public sealed record RunStatus(
    [property: Id(0)] string RunId,
    [property: Id(1)] string Name,
    [property: Id(2)] RunState State,
    [property: Id(3)] int Step,
    [property: Id(4)] int Iterations,
    [property: Id(5)] long WeightVersion,
    [property: Id(6)] string WeightHash,
    [property: Id(7)] double LastAccuracy,
    [property: Id(8)] string Algorithm,
    [property: Id(9)] string TrainDType,
    [property: Id(10)] string RolloutDType,
    [property: Id(11)] DateTimeOffset SubmittedAt,
    [property: Id(12)] DateTimeOffset UpdatedAt,
    [property: Id(13)] string? Error);
