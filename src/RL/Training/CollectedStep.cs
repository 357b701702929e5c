namespace Precision.Orleans.RL.Training;

/// <summary>A step's scored groups, how long collecting them took, and where each came from.</summary>
/// <param name="Groups">The B scored groups.</param>
/// <param name="RolloutSeconds">Wall seconds of the collect stage.</param>
/// <param name="Provenance">One entry per group: the worker that sampled it, dispatches it took, weight version used.</param>
public sealed record CollectedStep(IReadOnlyList<GroupRollouts> Groups, double RolloutSeconds, IReadOnlyList<GroupProvenance> Provenance);
