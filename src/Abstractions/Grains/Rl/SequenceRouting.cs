namespace Precision.Orleans.Abstractions.Grains.Rl;

/// <summary>
/// The rollout engine's expert routing of one sequence (MoE policies), as the engine's ExpertRouting lays it out:
/// for each MoE layer and position, the sorted top-k experts. Crosses the wire so the learner reports the routing
/// mismatch of cluster rollouts exactly as of embedded ones.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SequenceRouting(
    [property: Id(0)] int MoeLayers,
    [property: Id(1)] int TopK,
    [property: Id(2)] int Positions,
    [property: Id(3)] int[] Experts);
