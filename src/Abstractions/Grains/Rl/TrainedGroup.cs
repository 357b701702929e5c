namespace Precision.Orleans.Abstractions.Grains.Rl;

/// <summary>The record that a prompt group was trained on (the run's exactly-once ledger).</summary>
/// <param name="Step">Policy iteration.</param>
/// <param name="PromptIndex">Prompt index within the step.</param>
/// <param name="WorkerKey">Worker that produced the trained rollouts.</param>
/// <param name="Attempts">Dispatches it took.</param>
/// <param name="WeightVersion">Version the rollouts were sampled with.</param>
[GenerateSerializer, Immutable]
public sealed record TrainedGroup(
    [property: Id(0)] int Step,
    [property: Id(1)] int PromptIndex,
    [property: Id(2)] string WorkerKey,
    [property: Id(3)] int Attempts,
    [property: Id(4)] long WeightVersion);
